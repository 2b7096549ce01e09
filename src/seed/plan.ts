import { planColumns, type PlannedColumn } from './column-plan.ts';
import { checkFeasibility } from './feasibility.ts';
import type { DataModel, TableModel } from './model.ts';
import { validateModel } from './model-schema.ts';
import { PlanIssues } from './plan-issues.ts';
import { RowCounter, type TableGroup } from './row-plan.ts';
import type { SchemaSnapshot, TableInfo } from './schema-snapshot.ts';
import { loadSqlParser } from './sql-expression.ts';
import { tableRules, type TableRules } from './table-rules.ts';
import { planTimeOrder } from './time-order.ts';

export type { PlannedColumn } from './column-plan.ts';
export type { TableGroup } from './row-plan.ts';

export interface TablePlan {
  name: string;
  rows: number;
  info: TableInfo;
  /** Columns in COPY order (generated columns are left to Postgres). */
  columns: PlannedColumn[];
  group?: TableGroup;
}

export interface SeedPlan {
  schema: string;
  /** Tables that get rows. */
  tables: TablePlan[];
  /** Tables the model empties (rows: 0). */
  emptied: string[];
  /** Things a person should know: capped counts, patterns partly checked. */
  warnings: string[];
}

export interface PlanOptions {
  scale: number;
  seed: number;
}

/**
 * Resolves a model against the schema the database has: row counts after
 * --scale, per-parent runs, and a generator for every column (the model's,
 * else one derived from the column's keys, checks, type and name). Every
 * constraint is either satisfied by the plan or refused here, all problems
 * at once, with what to add to the model (SeedRefusedError, exit 2).
 * Pure: no I/O.
 */
export async function planSeed(snapshot: SchemaSnapshot, model: DataModel, options: PlanOptions): Promise<SeedPlan> {
  await loadSqlParser();
  validateModel(`model "${model.name}"`, model);
  const issues = new PlanIssues(model.name);
  const warnings: string[] = [];
  const tables = new Map(snapshot.tables.map((table) => [table.name, table]));
  const declared = declaredTables(model, snapshot, issues);
  issues.throwIfAny();
  const rules = new Map(snapshot.tables.map((table) => [table.name, tableRules(table)]));
  const counter = new RowCounter({ tables, rules, declared, model, scale: options.scale, seed: options.seed, issues, warnings });
  const planned: TablePlan[] = [];
  const emptied: string[] = [];
  for (const table of snapshot.tables.filter((t) => counter.inScope(t.name))) {
    const resolved = counter.resolve(table.name);
    if (resolved.rows === 0) emptied.push(table.name);
    else planned.push({ name: table.name, rows: resolved.rows, info: table, columns: [], ...(resolved.group ? { group: resolved.group } : {}) });
  }
  const rowsOf = (name: string) => (tables.has(name) && counter.inScope(name) ? counter.resolve(name).rows : undefined);
  const time = planTimeOrder(planned.map((table) => table.info));
  for (const table of planned) {
    const overrides = declared.get(table.name)?.columns ?? {};
    const tableRules = rules.get(table.name)!;
    refuseUnsupported(table.name, tableRules, overrides, issues);
    table.columns = planColumns({ table, rules: tableRules, overrides, stats: declared.get(table.name)?.stats ?? {}, rowsOf, time, issues, warnings });
    checkFeasibility(table, table.columns, tableRules, overrides, rowsOf, issues);
  }
  issues.throwIfAny();
  return { schema: snapshot.schema, tables: planned, emptied, warnings };
}

/** The model's tables keyed like the snapshot (`public.users` is `users` when public is the model's schema). */
function declaredTables(model: DataModel, snapshot: SchemaSnapshot, issues: PlanIssues): Map<string, TableModel> {
  const names = new Set(snapshot.tables.map((t) => t.name));
  const declared = new Map<string, TableModel>();
  for (const [key, table] of Object.entries(model.tables)) {
    const name = key.startsWith(`${snapshot.schema}.`) && !names.has(key) ? key.slice(snapshot.schema.length + 1) : key;
    if (names.has(name)) {
      declared.set(name, table);
      continue;
    }
    const listed = [...names].sort().slice(0, 12).join(', ') + (names.size > 12 ? ', …' : '');
    issues.add({
      table: key,
      problem: `the model lists this table, which the database does not have (tables: ${listed || 'none'})`,
      fix: `name a table of the schema; tables outside "${snapshot.schema}" are written schema.table`,
    });
  }
  return declared;
}

/** Exclusion constraints, unreadable checks and expression keys, unless the model generates every column they read. */
function refuseUnsupported(table: string, rules: TableRules, overrides: Readonly<Record<string, unknown>>, issues: PlanIssues): void {
  for (const refusal of rules.refusals) {
    if (refusal.columns.length > 0 && refusal.columns.every((column) => overrides[column] !== undefined)) continue;
    const columns = refusal.columns.length ? refusal.columns.join(', ') : 'its columns';
    issues.add({
      table,
      ...(refusal.columns.length === 1 ? { column: refusal.columns[0]! } : {}),
      constraint: `${refusal.source}: ${refusal.definition}`,
      problem: refusal.reason,
      fix: `add generators for ${columns} in the model (tables['${table}'].columns) that satisfy it, or give ${table} rows: 0`,
    });
  }
}
