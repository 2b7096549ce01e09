import { loadModule, parseSync } from 'libpg-query';

/**
 * A boolean or scalar SQL expression as the seeder needs to read it: the
 * checks, domain checks and index predicates of a schema, parsed by
 * Postgres' own parser (libpg_query) and reduced to the few node kinds that
 * matter. Casts are dropped (`status::text` is `status`); anything else is
 * kept as `other` so a caller can refuse it by name.
 */
export type Expr =
  | { kind: 'column'; name: string }
  | { kind: 'const'; value: string | number | boolean | null }
  | { kind: 'op'; op: string; left?: Expr; right: Expr }
  | { kind: 'anyOf' | 'allOf'; op: string; left: Expr; right: Expr }
  | { kind: 'in'; negated: boolean; left: Expr; list: Expr[] }
  | { kind: 'between'; negated: boolean; arg: Expr; low: Expr; high: Expr }
  | { kind: 'like'; op: string; caseInsensitive: boolean; left: Expr; right: Expr }
  | { kind: 'and'; args: Expr[] }
  | { kind: 'or'; args: Expr[] }
  | { kind: 'not'; arg: Expr }
  | { kind: 'nullTest'; arg: Expr; isNull: boolean }
  | { kind: 'func'; name: string; args: Expr[] }
  | { kind: 'array'; elements: Expr[] }
  | { kind: 'other'; node: string };

export interface IndexDefinition {
  /** One entry per key: a column, or an expression over columns. */
  keys: Expr[];
  /** The predicate of a partial index. */
  where?: Expr;
}

let loaded: Promise<void> | undefined;

/** Loads the parser (WebAssembly) once; every parse below needs it. */
export function loadSqlParser(): Promise<void> {
  loaded ??= loadModule();
  return loaded;
}

/** The expression of a CHECK definition as pg_get_constraintdef() prints it; `value` (a domain's VALUE) may be renamed. */
export function parseCheckDefinition(definition: string, valueColumn?: string): Expr {
  const body = definition.replace(/^CHECK\s*/i, '').replace(/\s+(NOT VALID|NO INHERIT)\s*$/i, '');
  const statement = firstStatement(`select 1 where ${body}`);
  const expr = toExpr(field(field(statement, 'SelectStmt'), 'whereClause'));
  return valueColumn === undefined ? expr : renameColumn(expr, 'value', valueColumn);
}

/** The keys and predicate of a CREATE INDEX statement as pg_get_indexdef() prints it. */
export function parseIndexDefinition(definition: string): IndexDefinition {
  const index = field(firstStatement(definition), 'IndexStmt');
  const params = (field(index, 'indexParams') as Node[] | undefined) ?? [];
  const keys = params.map((param) => {
    const element = field(param, 'IndexElem');
    const name = field(element, 'name');
    return typeof name === 'string' ? ({ kind: 'column', name } as Expr) : toExpr(field(element, 'expr'));
  });
  const where = field(index, 'whereClause');
  return where === undefined ? { keys } : { keys, where: toExpr(where) };
}

/** Every column a statement names (in column references and index elements), e.g. those of an exclusion constraint. */
export function columnsInDefinition(sql: string): string[] {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node as Node)) {
      if (key === 'ColumnRef') found.add(names(field(value, 'fields')).at(-1)!);
      else if (key === 'IndexElem' && typeof field(value, 'name') === 'string') found.add(field(value, 'name') as string);
      visit(value);
    }
  };
  visit(firstStatement(sql));
  return [...found];
}

/** The columns an expression reads. */
export function columnsOf(expr: Expr): string[] {
  const found = new Set<string>();
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case 'column': found.add(e.name); return;
      case 'op': if (e.left) visit(e.left); visit(e.right); return;
      case 'anyOf': case 'allOf': case 'like': visit(e.left); visit(e.right); return;
      case 'in': visit(e.left); e.list.forEach(visit); return;
      case 'between': visit(e.arg); visit(e.low); visit(e.high); return;
      case 'and': case 'or': e.args.forEach(visit); return;
      case 'not': case 'nullTest': visit(e.arg); return;
      case 'func': e.args.forEach(visit); return;
      case 'array': e.elements.forEach(visit); return;
      default: return;
    }
  };
  visit(expr);
  return [...found];
}

type Node = Record<string, unknown>;

function field(node: unknown, key: string): unknown {
  return node && typeof node === 'object' ? (node as Node)[key] : undefined;
}

function firstStatement(sql: string): Node {
  const parsed = parseSync(sql) as unknown as { stmts: { stmt: Node }[] };
  return parsed.stmts[0]!.stmt;
}

function names(list: unknown): string[] {
  return ((list as Node[] | undefined) ?? []).map((item) => String(field(field(item, 'String'), 'sval') ?? ''));
}

function toExpr(node: unknown): Expr {
  const [kind, body] = Object.entries((node ?? {}) as Node)[0] ?? ['', undefined];
  switch (kind) {
    case 'TypeCast': return toExpr(field(body, 'arg'));
    case 'CollateClause': return toExpr(field(body, 'arg'));
    case 'ColumnRef': return { kind: 'column', name: names(field(body, 'fields')).at(-1)! };
    case 'A_Const': return { kind: 'const', value: constValue(body as Node) };
    case 'A_Expr': return aExpr(body as Node);
    case 'BoolExpr': return boolExpr(body as Node);
    case 'NullTest': return { kind: 'nullTest', arg: toExpr(field(body, 'arg')), isNull: field(body, 'nulltesttype') === 'IS_NULL' };
    case 'FuncCall': return { kind: 'func', name: names(field(body, 'funcname')).at(-1)!.toLowerCase(), args: ((field(body, 'args') as Node[] | undefined) ?? []).map(toExpr) };
    case 'SQLValueFunction': return { kind: 'func', name: String(field(body, 'op')).replace(/^SVFOP_/, '').toLowerCase(), args: [] };
    case 'A_ArrayExpr': return { kind: 'array', elements: ((field(body, 'elements') as Node[] | undefined) ?? []).map(toExpr) };
    default: return { kind: 'other', node: kind || 'empty' };
  }
}

/** protobuf leaves default values out: `{ ival: {} }` is 0, `{ boolval: {} }` is false. */
function constValue(body: Node): string | number | boolean | null {
  if (body.isnull) return null;
  if ('sval' in body) return String(field(body.sval, 'sval') ?? '');
  if ('ival' in body) return Number(field(body.ival, 'ival') ?? 0);
  if ('fval' in body) return Number(field(body.fval, 'fval') ?? 0);
  if ('boolval' in body) return Boolean(field(body.boolval, 'boolval') ?? false);
  if ('bsval' in body) return String(field(body.bsval, 'bsval') ?? '');
  return null;
}

function aExpr(body: Node): Expr {
  const op = names(body.name)[0] ?? '';
  const left = body.lexpr === undefined ? undefined : toExpr(body.lexpr);
  const rightNode = body.rexpr;
  switch (body.kind) {
    case 'AEXPR_OP':
      return left ? { kind: 'op', op, left, right: toExpr(rightNode) } : { kind: 'op', op, right: toExpr(rightNode) };
    case 'AEXPR_OP_ANY':
      return { kind: 'anyOf', op, left: left!, right: toExpr(rightNode) };
    case 'AEXPR_OP_ALL':
      return { kind: 'allOf', op, left: left!, right: toExpr(rightNode) };
    case 'AEXPR_IN':
      return { kind: 'in', negated: op === '<>', left: left!, list: (rightNode as Node[]).map(toExpr) };
    case 'AEXPR_LIKE':
    case 'AEXPR_ILIKE':
      return { kind: 'like', op, caseInsensitive: body.kind === 'AEXPR_ILIKE', left: left!, right: toExpr(rightNode) };
    case 'AEXPR_BETWEEN':
    case 'AEXPR_NOT_BETWEEN':
    case 'AEXPR_BETWEEN_SYM': {
      const [low, high] = (rightNode as Node[]).map(toExpr);
      return { kind: 'between', negated: body.kind === 'AEXPR_NOT_BETWEEN', arg: left!, low: low!, high: high! };
    }
    default:
      return { kind: 'other', node: String(body.kind) };
  }
}

function boolExpr(body: Node): Expr {
  const args = ((body.args as Node[] | undefined) ?? []).map(toExpr);
  if (body.boolop === 'NOT_EXPR') return { kind: 'not', arg: args[0]! };
  return body.boolop === 'OR_EXPR' ? { kind: 'or', args } : { kind: 'and', args };
}

function renameColumn(expr: Expr, from: string, to: string): Expr {
  const r = (e: Expr): Expr => renameColumn(e, from, to);
  switch (expr.kind) {
    case 'column': return expr.name === from ? { kind: 'column', name: to } : expr;
    case 'op': return expr.left ? { ...expr, left: r(expr.left), right: r(expr.right) } : { ...expr, right: r(expr.right) };
    case 'anyOf': case 'allOf': case 'like': return { ...expr, left: r(expr.left), right: r(expr.right) };
    case 'in': return { ...expr, left: r(expr.left), list: expr.list.map(r) };
    case 'between': return { ...expr, arg: r(expr.arg), low: r(expr.low), high: r(expr.high) };
    case 'and': return { kind: 'and', args: expr.args.map(r) };
    case 'or': return { kind: 'or', args: expr.args.map(r) };
    case 'not': case 'nullTest': return { ...expr, arg: r(expr.arg) };
    case 'func': return { ...expr, args: expr.args.map(r) };
    case 'array': return { ...expr, elements: expr.elements.map(r) };
    default: return expr;
  }
}
