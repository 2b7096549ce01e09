import { columnsOf, type Expr } from './sql-expression.ts';
import { likeToRegex } from './regex-values.ts';

/** One end of a range: a number, or a date/time literal, and whether the end itself is allowed. */
export interface Bound {
  value: number | string;
  inclusive: boolean;
}

/** What a check asks of the values of one column. */
export type ValueRule =
  | { kind: 'oneOf'; values: (string | number | boolean)[] }
  | { kind: 'noneOf'; values: (string | number | boolean)[] }
  | { kind: 'range'; min?: Bound; max?: Bound }
  /** Characters of a text (elements of an array), inclusive. */
  | { kind: 'length'; min?: number; max?: number }
  /** A POSIX regular expression the text must match (LIKE patterns are translated to one). */
  | { kind: 'matches'; regex: string; caseInsensitive: boolean }
  | { kind: 'letterCase'; upper: boolean }
  | { kind: 'jsonType'; type: 'object' | 'array' };

/**
 * What a CHECK constraint (a table's or a domain's) asks of a row: rules
 * on one column's values, an order between two columns, and which columns
 * may be NULL together. A conjunct nothing here describes is `unsupported`,
 * with the reason, so planning can refuse it by name.
 */
export type Rule =
  | { kind: 'value'; column: string; rule: ValueRule }
  /** left op right, for the rows where both are not NULL. */
  | { kind: 'compare'; left: string; op: '<' | '<=' | '=' | '<>'; right: string }
  /** Allowed NULL patterns over `columns`: each entry says, per column, whether it is NOT NULL. */
  | { kind: 'nulls'; columns: string[]; allowed: boolean[][] };

export interface CheckRules {
  rules: Rule[];
  unsupported: { text: string; columns: string[]; reason: string }[];
}

const COMPARISONS = new Set(['<', '<=', '>', '>=', '=', '<>']);
const LENGTH_FUNCTIONS = new Set(['length', 'char_length', 'character_length', 'octet_length', 'cardinality', 'array_length']);
const TRANSPARENT_FUNCTIONS = new Set(['btrim', 'ltrim', 'rtrim', 'trim']);
const NOW_FUNCTIONS = new Set(['now', 'current_timestamp', 'current_date', 'localtimestamp', 'transaction_timestamp', 'statement_timestamp', 'clock_timestamp']);
/** Stands for now() in a range: resolved to the end of the data window by the generators. */
export const NOW = 'now()';
/** Nullness formulas over more columns than this are not expanded into patterns. */
const MAX_NULL_COLUMNS = 8;

/** The rules of one CHECK expression, conjunct by conjunct. */
export function rulesOfCheck(expr: Expr): CheckRules {
  const result: CheckRules = { rules: [], unsupported: [] };
  for (const conjunct of conjuncts(expr)) addConjunct(conjunct, result);
  return result;
}

function conjuncts(expr: Expr): Expr[] {
  return expr.kind === 'and' ? expr.args.flatMap(conjuncts) : [expr];
}

function addConjunct(expr: Expr, result: CheckRules): void {
  if (isNullnessFormula(expr)) {
    const rule = nullPatterns(expr);
    if (rule) return void result.rules.push(rule);
  }
  const simplified = dropNullEscapes(expr);
  if (simplified !== expr) {
    for (const part of conjuncts(simplified)) addConjunct(part, result);
    return;
  }
  const rules = shapeRules(expr);
  if (typeof rules === 'string') result.unsupported.push({ text: describe(expr), columns: columnsOf(expr), reason: rules });
  else result.rules.push(...rules);
}

/**
 * `x IS NULL OR P(x)`: a NULL x makes P(x) NULL, and a CHECK passes on NULL,
 * so the test adds nothing; what remains is P. (pg_dump writes
 * `deleted_at IS NULL OR deleted_at >= created_at` this way.)
 */
function dropNullEscapes(expr: Expr): Expr {
  if (expr.kind !== 'or') return expr;
  const rest = expr.args.filter((arg) => !(arg.kind === 'nullTest' && arg.isNull && arg.arg.kind === 'column'));
  if (rest.length === expr.args.length || rest.length === 0) return expr;
  const escaped = expr.args.filter((arg) => !rest.includes(arg)).map((arg) => ((arg as { arg: { name: string } }).arg.name));
  if (!escaped.every((column) => rest.every((part) => columnsOf(part).includes(column)))) return expr;
  return rest.length === 1 ? rest[0]! : { kind: 'or', args: rest };
}

/** Rules for one conjunct, or why it is not understood. */
function shapeRules(expr: Expr): Rule[] | string {
  switch (expr.kind) {
    case 'column':
      return [valueRule(expr.name, { kind: 'oneOf', values: [true] })];
    case 'not':
      return expr.arg.kind === 'column' ? [valueRule(expr.arg.name, { kind: 'oneOf', values: [false] })] : 'a negated expression';
    case 'op':
      return operatorRules(expr);
    case 'in':
      return inRules(expr.left, expr.list, expr.negated);
    case 'anyOf':
    case 'allOf':
      return listRules(expr);
    case 'between':
      return betweenRules(expr);
    case 'like':
      return patternRules(expr.left, expr.right, expr.caseInsensitive ? '~~*' : '~~');
    case 'or':
      return orRules(expr);
    default:
      return `a ${expr.kind === 'other' ? expr.node : expr.kind} expression`;
  }
}

function valueRule(column: string, rule: ValueRule): Rule {
  return { kind: 'value', column, rule };
}

function operatorRules(expr: Extract<Expr, { kind: 'op' }>): Rule[] | string {
  const { op, left, right } = expr;
  if (!left) return `the unary operator ${op}`;
  if (/^!?~~?\*?$/.test(op)) return op.startsWith('!') ? `a negated pattern (${op})` : patternRules(left, right, op);
  if (!COMPARISONS.has(op)) return `the operator ${op}`;
  const l = operand(left);
  const r = operand(right);
  if (l.kind === 'column' && r.kind === 'column') return [compareRule(l.name, op, r.name)];
  if (l.kind === 'column' && r.kind === 'const') return comparisonWithConstant(l.name, op, r.value);
  if (l.kind === 'const' && r.kind === 'column') return comparisonWithConstant(r.name, flip(op), l.value);
  if (l.kind === 'length' && r.kind === 'const' && typeof numeric(r.value) === 'number') return lengthRule(l.name, op, numeric(r.value) as number);
  if (l.kind === 'const' && r.kind === 'length' && typeof numeric(l.value) === 'number') return lengthRule(r.name, flip(op), numeric(l.value) as number);
  if (l.kind === 'column' && r.kind === 'case' && r.name === l.name && op === '=') return [valueRule(l.name, { kind: 'letterCase', upper: r.upper })];
  if (l.kind === 'case' && r.kind === 'column' && l.name === r.name && op === '=') return [valueRule(r.name, { kind: 'letterCase', upper: l.upper })];
  if (l.kind === 'jsonType' && r.kind === 'const' && op === '=' && (r.value === 'object' || r.value === 'array')) return [valueRule(l.name, { kind: 'jsonType', type: r.value })];
  if (l.kind === 'column' && r.kind === 'trimmed' && r.name === l.name && op === '=') return [];
  return unreadable(left) ?? unreadable(right) ?? 'a comparison of expressions';
}

/** The first part of an operand that is neither a column nor a constant: what a person should look at. */
function unreadable(expr: Expr): string | undefined {
  if (expr.kind === 'column' || expr.kind === 'const') return undefined;
  if (expr.kind === 'op') return expr.left && COMPARISONS.has(expr.op) ? undefined : `the operator ${expr.op}`;
  if (expr.kind === 'func') return `the function ${expr.name}()`;
  return `a ${expr.kind === 'other' ? expr.node : expr.kind} expression`;
}

type Operand =
  | { kind: 'column'; name: string }
  | { kind: 'const'; value: string | number | boolean | null }
  | { kind: 'length'; name: string }
  | { kind: 'case'; name: string; upper: boolean }
  | { kind: 'trimmed'; name: string }
  | { kind: 'jsonType'; name: string }
  | { kind: 'other' };

/** What one side of a comparison is: a column, a constant, the length of a column, now() … */
function operand(expr: Expr): Operand {
  if (expr.kind === 'column') return expr;
  if (expr.kind === 'const') return expr;
  if (expr.kind === 'op' && !expr.left && expr.op === '-' && expr.right.kind === 'const' && typeof numeric(expr.right.value) === 'number') {
    return { kind: 'const', value: -(numeric(expr.right.value) as number) };
  }
  if (expr.kind !== 'func') return { kind: 'other' };
  if (NOW_FUNCTIONS.has(expr.name)) return { kind: 'const', value: NOW };
  const inner = expr.args[0] ? innerColumn(expr.args[0]) : undefined;
  if (!inner) return { kind: 'other' };
  if (LENGTH_FUNCTIONS.has(expr.name)) return { kind: 'length', name: inner };
  if (expr.name === 'lower' || expr.name === 'upper') return { kind: 'case', name: inner, upper: expr.name === 'upper' };
  if (TRANSPARENT_FUNCTIONS.has(expr.name)) return { kind: 'trimmed', name: inner };
  if (expr.name === 'jsonb_typeof' || expr.name === 'json_typeof') return { kind: 'jsonType', name: inner };
  return { kind: 'other' };
}

/** The column under trims (generated text has no surrounding blanks). */
function innerColumn(expr: Expr): string | undefined {
  if (expr.kind === 'column') return expr.name;
  if (expr.kind === 'func' && TRANSPARENT_FUNCTIONS.has(expr.name) && expr.args[0]) return innerColumn(expr.args[0]);
  return undefined;
}

function compareRule(left: string, op: string, right: string): Rule {
  if (op === '>' || op === '>=') return { kind: 'compare', left: right, op: op === '>' ? '<' : '<=', right: left };
  return { kind: 'compare', left, op: op as '<' | '<=' | '=' | '<>', right };
}

function comparisonWithConstant(column: string, op: string, raw: string | number | boolean | null): Rule[] | string {
  if (raw === null) return 'a comparison with NULL';
  const value = numeric(raw);
  switch (op) {
    case '=': return [valueRule(column, { kind: 'oneOf', values: [value] })];
    case '<>': return [valueRule(column, { kind: 'noneOf', values: [value] })];
    case '<': case '<=': return typeof value === 'boolean' ? 'an ordering of booleans' : [valueRule(column, { kind: 'range', max: { value, inclusive: op === '<=' } })];
    default: return typeof value === 'boolean' || value === NOW ? `${op} now()` : [valueRule(column, { kind: 'range', min: { value, inclusive: op === '>=' } })];
  }
}

function lengthRule(column: string, op: string, n: number): Rule[] | string {
  switch (op) {
    case '<': return [valueRule(column, { kind: 'length', max: n - 1 })];
    case '<=': return [valueRule(column, { kind: 'length', max: n })];
    case '>': return [valueRule(column, { kind: 'length', min: n + 1 })];
    case '>=': return [valueRule(column, { kind: 'length', min: n })];
    case '=': return [valueRule(column, { kind: 'length', min: n, max: n })];
    default: return n === 0 ? [valueRule(column, { kind: 'length', min: 1 })] : 'a length that must differ from a number';
  }
}

function inRules(left: Expr, list: Expr[], negated: boolean): Rule[] | string {
  const column = left.kind === 'column' ? left.name : undefined;
  const values = constants(list);
  if (!column || !values) return 'a list that is not of constants';
  return [valueRule(column, { kind: negated ? 'noneOf' : 'oneOf', values })];
}

/** `x = ANY (ARRAY[…])` is IN; `x <> ALL (ARRAY[…])` is NOT IN. */
function listRules(expr: Extract<Expr, { kind: 'anyOf' | 'allOf' }>): Rule[] | string {
  const list = expr.right.kind === 'array' ? expr.right.elements : undefined;
  if (!list) return 'a comparison with an array that is not a literal list';
  if (expr.kind === 'anyOf' && expr.op === '=') return inRules(expr.left, list, false);
  if (expr.kind === 'allOf' && expr.op === '<>') return inRules(expr.left, list, true);
  return `${expr.op} ${expr.kind === 'anyOf' ? 'ANY' : 'ALL'}`;
}

function betweenRules(expr: Extract<Expr, { kind: 'between' }>): Rule[] | string {
  if (expr.negated) return 'NOT BETWEEN';
  const target = operand(expr.arg);
  const [low, high] = [operand(expr.low), operand(expr.high)];
  if (low.kind !== 'const' || high.kind !== 'const' || low.value === null || high.value === null) return 'BETWEEN bounds that are not constants';
  const [min, max] = [numeric(low.value), numeric(high.value)];
  if (target.kind === 'length' && typeof min === 'number' && typeof max === 'number') return [valueRule(target.name, { kind: 'length', min: Math.min(min, max), max: Math.max(min, max) })];
  if (target.kind !== 'column' || typeof min === 'boolean' || typeof max === 'boolean') return 'BETWEEN on an expression';
  return [valueRule(target.name, { kind: 'range', min: { value: min, inclusive: true }, max: { value: max, inclusive: true } })];
}

function patternRules(left: Expr, right: Expr, op: string): Rule[] | string {
  const column = left.kind === 'column' ? left.name : undefined;
  if (!column || right.kind !== 'const' || typeof right.value !== 'string') return 'a pattern match that is not column against a constant';
  const like = op.startsWith('~~');
  const caseInsensitive = op.endsWith('*');
  return [valueRule(column, { kind: 'matches', regex: like ? likeToRegex(right.value) : right.value, caseInsensitive })];
}

/** `status = 'a' OR status = 'b' OR status IN (…)`: one list of values. */
function orRules(expr: Extract<Expr, { kind: 'or' }>): Rule[] | string {
  let column: string | undefined;
  const values: (string | number | boolean)[] = [];
  for (const arg of expr.args) {
    const rules = shapeRules(arg);
    if (typeof rules === 'string' || rules.length !== 1) return 'an OR of conditions that are not values of one column';
    const rule = rules[0]!;
    if (rule.kind !== 'value' || rule.rule.kind !== 'oneOf' || (column !== undefined && rule.column !== column)) return 'an OR of conditions that are not values of one column';
    column = rule.column;
    values.push(...rule.rule.values);
  }
  return [valueRule(column!, { kind: 'oneOf', values })];
}

function constants(list: Expr[]): (string | number | boolean)[] | undefined {
  const values: (string | number | boolean)[] = [];
  for (const item of list) {
    const value = operand(item);
    if (value.kind !== 'const' || value.value === null) return undefined;
    values.push(numeric(value.value));
  }
  return values;
}

/** '-5'::integer arrives as the string "-5": numbers that look like numbers are numbers. */
function numeric(value: string | number | boolean | null): string | number | boolean {
  if (typeof value === 'string' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value)) return Number(value);
  return value ?? '';
}

function flip(op: string): string {
  return ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, string>)[op] ?? op;
}

/** Only IS [NOT] NULL tests (and num_nulls/num_nonnulls counts) combined with AND, OR, NOT, = and <>. */
function isNullnessFormula(expr: Expr): boolean {
  switch (expr.kind) {
    case 'nullTest': return expr.arg.kind === 'column';
    case 'and': case 'or': return expr.args.every(isNullnessFormula);
    case 'not': return isNullnessFormula(expr.arg);
    case 'op':
      if (isNullCount(expr)) return true;
      return (expr.op === '=' || expr.op === '<>') && expr.left !== undefined && isNullnessFormula(expr.left) && isNullnessFormula(expr.right);
    default: return false;
  }
}

function isNullCount(expr: Expr): boolean {
  if (expr.kind !== 'op' || !expr.left || !COMPARISONS.has(expr.op)) return false;
  const count = expr.left.kind === 'func' && (expr.left.name === 'num_nulls' || expr.left.name === 'num_nonnulls');
  return count && expr.left.kind === 'func' && expr.left.args.every((a) => a.kind === 'column') && expr.right.kind === 'const' && typeof numeric(expr.right.value) === 'number';
}

/** The NULL patterns a nullness formula allows, by trying every one. */
function nullPatterns(expr: Expr): Rule | undefined {
  const columns = columnsOf(expr);
  if (columns.length > MAX_NULL_COLUMNS) return undefined;
  const allowed: boolean[][] = [];
  for (let mask = 0; mask < 1 << columns.length; mask++) {
    const present = columns.map((_, i) => (mask & (1 << i)) !== 0);
    if (evaluateNullness(expr, new Map(columns.map((c, i) => [c, present[i]!])))) allowed.push(present);
  }
  return { kind: 'nulls', columns, allowed };
}

function evaluateNullness(expr: Expr, present: Map<string, boolean>): boolean {
  switch (expr.kind) {
    case 'nullTest': return present.get((expr.arg as { name: string }).name)! !== expr.isNull;
    case 'and': return expr.args.every((a) => evaluateNullness(a, present));
    case 'or': return expr.args.some((a) => evaluateNullness(a, present));
    case 'not': return !evaluateNullness(expr.arg, present);
    case 'op': {
      if (isNullCount(expr)) return nullCountHolds(expr as Extract<Expr, { kind: 'op' }>, present);
      const [a, b] = [evaluateNullness(expr.left!, present), evaluateNullness(expr.right, present)];
      return expr.op === '=' ? a === b : a !== b;
    }
    default: return false;
  }
}

function nullCountHolds(expr: Extract<Expr, { kind: 'op' }>, present: Map<string, boolean>): boolean {
  const func = expr.left as Extract<Expr, { kind: 'func' }>;
  const nonNull = func.args.filter((a) => present.get((a as { name: string }).name)).length;
  const count = func.name === 'num_nulls' ? func.args.length - nonNull : nonNull;
  const k = numeric((expr.right as { value: string | number }).value) as number;
  switch (expr.op) {
    case '<': return count < k;
    case '<=': return count <= k;
    case '>': return count > k;
    case '>=': return count >= k;
    case '=': return count === k;
    default: return count !== k;
  }
}

/** A short text of a conjunct for messages: the columns it reads. */
function describe(expr: Expr): string {
  const columns = columnsOf(expr);
  return columns.length ? `on ${columns.join(', ')}` : 'without columns';
}
