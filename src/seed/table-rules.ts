import { rulesOfCheck, type Rule, type ValueRule } from './check-rules.ts';
import type { TableInfo } from './schema-snapshot.ts';
import { columnsInDefinition, columnsOf, parseCheckDefinition, parseIndexDefinition, type Expr } from './sql-expression.ts';

/** A set of columns no two rows may share: a primary key, a UNIQUE constraint, or a unique index. */
export interface UniqueKey {
  name: string;
  columns: string[];
  primary: boolean;
  /** The predicate of a partial unique index: only the rows it holds for must differ. */
  where?: Expr;
  /** Keyed by lower()/upper() of a column: values must differ whatever their case. */
  caseInsensitive?: boolean;
}

/** Something in a table's definition rehearse cannot satisfy by itself. */
export interface Refusal {
  /** The constraint, index or domain. */
  source: string;
  definition: string;
  columns: string[];
  reason: string;
}

export interface SourcedRule<R> {
  rule: R;
  /** Constraint (or domain constraint) the rule comes from, for messages. */
  source: string;
}

/** What a table's constraints and its columns' domains ask of generated rows. */
export interface TableRules {
  values: Map<string, SourcedRule<ValueRule>[]>;
  compares: SourcedRule<Extract<Rule, { kind: 'compare' }>>[];
  nulls: SourcedRule<Extract<Rule, { kind: 'nulls' }>>[];
  uniqueKeys: UniqueKey[];
  refusals: Refusal[];
}

const CASE_FUNCTIONS = new Set(['lower', 'upper']);
const TRANSPARENT_KEY_FUNCTIONS = new Set(['btrim', 'trim', 'ltrim', 'rtrim']);

/** Reads every CHECK, domain check, key and unique index of a table into rules. Needs loadSqlParser(). */
export function tableRules(table: TableInfo): TableRules {
  const rules: TableRules = { values: new Map(), compares: [], nulls: [], uniqueKeys: [], refusals: [] };
  for (const constraint of table.constraints) {
    switch (constraint.kind) {
      case 'check':
        addCheck(rules, parseCheckDefinition(constraint.definition), constraint.name, constraint.definition);
        break;
      case 'primary':
      case 'unique':
        rules.uniqueKeys.push({ name: constraint.name, columns: constraint.columns, primary: constraint.kind === 'primary' });
        break;
      case 'exclusion':
        rules.refusals.push({
          source: constraint.name,
          definition: constraint.definition,
          columns: columnsInDefinition(`alter table t add ${constraint.definition}`),
          reason: 'exclusion constraints are not generated for (rows that must not overlap)',
        });
        break;
      default:
        break;
    }
  }
  for (const column of table.columns) {
    for (const check of column.domainChecks ?? []) {
      const source = `${check.name} of domain ${check.domain}`;
      if (column.isArray) {
        rules.refusals.push({ source, definition: check.definition, columns: [column.name], reason: 'the checks of a domain used as an array element are not generated for' });
        continue;
      }
      addCheck(rules, parseCheckDefinition(check.definition, column.name), source, check.definition);
    }
  }
  for (const index of table.indexes) if (index.unique) addUniqueIndex(rules, index.name, index.definition);
  return rules;
}

function addCheck(rules: TableRules, expr: Expr, source: string, definition: string): void {
  const parsed = rulesOfCheck(expr);
  for (const rule of parsed.rules) {
    if (rule.kind === 'value') {
      const list = rules.values.get(rule.column) ?? [];
      list.push({ rule: rule.rule, source });
      rules.values.set(rule.column, list);
    } else if (rule.kind === 'compare') rules.compares.push({ rule, source });
    else rules.nulls.push({ rule, source });
  }
  for (const part of parsed.unsupported) rules.refusals.push({ source, definition, columns: part.columns, reason: `it uses ${part.reason}, which rehearse does not generate values for` });
}

/** A unique index on columns, on lower()/upper()/trim() of columns, optionally partial. */
function addUniqueIndex(rules: TableRules, name: string, definition: string): void {
  const parsed = parseIndexDefinition(definition);
  const columns: string[] = [];
  let caseInsensitive = false;
  for (const key of parsed.keys) {
    const column = keyColumn(key);
    if (!column) {
      rules.refusals.push({ source: name, definition, columns: columnsOf(key), reason: 'its key is an expression rehearse cannot keep distinct' });
      return;
    }
    columns.push(column.name);
    caseInsensitive ||= column.caseInsensitive;
  }
  rules.uniqueKeys.push({ name, columns, primary: false, ...(parsed.where ? { where: parsed.where } : {}), ...(caseInsensitive ? { caseInsensitive } : {}) });
}

function keyColumn(expr: Expr): { name: string; caseInsensitive: boolean } | undefined {
  if (expr.kind === 'column') return { name: expr.name, caseInsensitive: false };
  if (expr.kind !== 'func' || expr.args.length !== 1) return undefined;
  const inner = keyColumn(expr.args[0]!);
  if (!inner) return undefined;
  if (CASE_FUNCTIONS.has(expr.name)) return { name: inner.name, caseInsensitive: true };
  if (TRANSPARENT_KEY_FUNCTIONS.has(expr.name)) return inner;
  return undefined;
}
