import type { MigrationFinding } from './release-event-schema.ts';
import type { MigrationStatementSource } from './migration-sql.ts';

type Node = Record<string, unknown>;

/**
 * The static check of a release's migration SQL, in the spirit of squawk and
 * strong_migrations: statements that take a long ACCESS EXCLUSIVE (or SHARE)
 * lock on a table the app reads, or rewrite it, while the load runs. Each
 * finding is later shown beside what the statement measurably cost.
 *
 * @example
 * lintMigration(await splitMigration('002.sql', 'create index i on posts (school_id);'));
 * // [{ rule: 'create-index-not-concurrently', relation: 'posts', … }]
 */
export function lintMigration(statements: readonly MigrationStatementSource[]): MigrationFinding[] {
  const findings: MigrationFinding[] = [];
  for (const statement of statements) {
    for (const rule of STATEMENT_RULES) {
      const found = rule(statement.node);
      if (found) findings.push({ file: statement.file, index: statement.index, ...found });
    }
  }
  return [...findings, ...missingLockTimeout(statements)];
}

type Finding = Pick<MigrationFinding, 'rule' | 'relation' | 'message'>;
type StatementRule = (node: Node) => Finding | undefined;

const VOLATILE_FUNCTIONS = new Set(['random', 'gen_random_uuid', 'uuid_generate_v4', 'clock_timestamp', 'timeofday', 'nextval']);

function createIndexNotConcurrently(node: Node): Finding | undefined {
  const index = child(node, 'IndexStmt');
  if (!index || index.concurrent === true) return undefined;
  const relation = relationName(index);
  return { rule: 'create-index-not-concurrently', relation, message: `CREATE INDEX without CONCURRENTLY blocks every write to ${relation} while the index builds` };
}

function alterTableRule(check: (command: Node, relation: string) => Finding | undefined): StatementRule {
  return (node) => {
    const alter = child(node, 'AlterTableStmt');
    if (!alter) return undefined;
    const relation = relationName(alter);
    for (const entry of list(alter.cmds)) {
      const found = check(child(entry, 'AlterTableCmd') ?? {}, relation);
      if (found) return found;
    }
    return undefined;
  };
}

const constraintWithoutNotValid = alterTableRule((command, relation) => {
  if (command.subtype !== 'AT_AddConstraint') return undefined;
  const constraint = child(command.def as Node, 'Constraint');
  if (!constraint || constraint.skip_validation === true) return undefined;
  if (constraint.contype === 'CONSTR_FOREIGN') {
    return { rule: 'foreign-key-without-not-valid', relation, message: `a foreign key without NOT VALID checks every row of ${relation} under a SHARE ROW EXCLUSIVE lock (writes wait)` };
  }
  if (constraint.contype === 'CONSTR_CHECK') {
    return { rule: 'check-without-not-valid', relation, message: `a CHECK constraint without NOT VALID scans ${relation} under an ACCESS EXCLUSIVE lock (reads and writes wait)` };
  }
  return undefined;
});

const setNotNull = alterTableRule((command, relation) =>
  command.subtype === 'AT_SetNotNull'
    ? { rule: 'set-not-null', relation, message: `SET NOT NULL on ${relation}.${String(command.name)} scans the table under an ACCESS EXCLUSIVE lock (add a NOT VALID CHECK, validate it, then set)` }
    : undefined,
);

const columnTypeChange = alterTableRule((command, relation) =>
  command.subtype === 'AT_AlterColumnType'
    ? { rule: 'column-type-change', relation, message: `changing the type of ${relation}.${String(command.name)} rewrites the table under an ACCESS EXCLUSIVE lock (reads and writes wait)` }
    : undefined,
);

const volatileDefault = alterTableRule((command, relation) => {
  if (command.subtype !== 'AT_AddColumn') return undefined;
  const column = child(command.def as Node, 'ColumnDef');
  const volatile = list(column?.constraints)
    .map((entry) => child(entry, 'Constraint'))
    .find((constraint) => constraint?.contype === 'CONSTR_DEFAULT' && isVolatileCall(constraint.raw_expr as Node | undefined));
  if (!volatile) return undefined;
  return { rule: 'volatile-default', relation, message: `adding ${relation}.${String(column?.colname)} with a volatile default rewrites the table under an ACCESS EXCLUSIVE lock` };
});

const STATEMENT_RULES: readonly StatementRule[] = [createIndexNotConcurrently, constraintWithoutNotValid, setNotNull, columnTypeChange, volatileDefault];

/**
 * A file that alters or locks a table without `SET lock_timeout`: while its
 * statement waits for a lock (behind a long read), every request on that
 * table queues behind it, even when the change itself is instant.
 */
function missingLockTimeout(statements: readonly MigrationStatementSource[]): MigrationFinding[] {
  const lockingFiles = [...new Set(statements.filter((statement) => takesTableLock(statement.node)).map((statement) => statement.file))];
  const unguarded = lockingFiles.filter((file) => !statements.some((statement) => statement.file === file && setsLockTimeout(statement.node)));
  return unguarded.map((file) => ({ rule: 'no-lock-timeout', file, index: 0, relation: null, message: `${file} takes table locks without SET lock_timeout: a lock it waits for queues every later request on that table behind it` }));
}

const TABLE_LOCKING = ['AlterTableStmt', 'RenameStmt', 'DropStmt'];

function takesTableLock(node: Node): boolean {
  const index = child(node, 'IndexStmt');
  if (index) return index.concurrent !== true;
  return TABLE_LOCKING.some((kind) => child(node, kind) !== undefined);
}

function setsLockTimeout(node: Node): boolean {
  const set = child(node, 'VariableSetStmt');
  return set?.name === 'lock_timeout';
}

function isVolatileCall(expr: Node | undefined): boolean {
  const call = expr && child(expr, 'FuncCall');
  if (!call) return false;
  const name = list(call.funcname).map((part) => String(child(part, 'String')?.sval ?? '')).at(-1) ?? '';
  return VOLATILE_FUNCTIONS.has(name.toLowerCase());
}

function relationName(statement: Node): string {
  const relation = statement.relation as Node | undefined;
  const schema = relation?.schemaname ? `${String(relation.schemaname)}.` : '';
  return `${schema}${String(relation?.relname ?? '?')}`;
}

function child(node: Node | undefined, key: string): Node | undefined {
  const value = node?.[key];
  return value && typeof value === 'object' ? (value as Node) : undefined;
}

function list(value: unknown): Node[] {
  return Array.isArray(value) ? (value as Node[]) : [];
}
