import { UsageError } from '../errors.ts';
import { parseCheck, type CheckHint } from './check-hints.ts';
import { defaultColumnSpec } from './default-columns.ts';
import type { Pick } from './distribution.ts';
import type { ColumnSpec, DataModel, RowCount } from './model.ts';
import { streamId } from './prng.ts';
import { drawRowsPerParent, spreadRows } from './row-counts.ts';
import type { ColumnInfo, ConstraintInfo, SchemaSnapshot, TableInfo } from './schema-snapshot.ts';

export interface PlannedColumn {
  name: string;
  spec: ColumnSpec;
  info: ColumnInfo;
}

/** A table whose rows come in runs per parent row (students per school). */
export interface TableGroup {
  parent: string;
  /** The foreign-key column pointing at the parent. */
  via: string;
  /** Rows of parent p are offsets[p] .. offsets[p+1]-1. */
  offsets: Float64Array;
}

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
  /** Things a person should know: CHECK constraints not understood, capped counts. */
  warnings: string[];
}

export interface PlanOptions {
  scale: number;
  seed: number;
}

const INTROSPECTED_PICK: Pick = { kind: 'zipf', s: 0.7 };
const LINK_SKEW: Pick = { kind: 'zipf', s: 0.5 };

/**
 * Resolves a model against the schema the database has: row counts after
 * --scale, per-parent runs, and a generator for every column (the model's
 * override, else one derived from the column's name, type and constraints).
 * Pure: no I/O.
 */
export function planSeed(snapshot: SchemaSnapshot, model: DataModel, options: PlanOptions): SeedPlan {
  const tables = new Map(snapshot.tables.map((table) => [table.name, table]));
  for (const name of Object.keys(model.tables)) {
    if (!tables.has(name)) throw new UsageError(`model "${model.name}" lists table "${name}", which schema "${snapshot.schema}" does not have (tables: ${[...tables.keys()].join(', ') || 'none'})`);
  }
  const warnings: string[] = [];
  const counts = new RowCounter(tables, model, options, warnings);
  const inScope = snapshot.tables.filter((table) => model.tables[table.name] !== undefined || model.defaultRows !== undefined);
  const planned: TablePlan[] = [];
  const emptied: string[] = [];
  for (const table of inScope) {
    const resolved = counts.resolve(table.name);
    if (resolved.rows === 0) {
      emptied.push(table.name);
      continue;
    }
    planned.push({ name: table.name, rows: resolved.rows, info: table, columns: [], ...(resolved.group ? { group: resolved.group } : {}) });
  }
  const rowsOf = (name: string) => (tables.has(name) && (model.tables[name] !== undefined || model.defaultRows !== undefined) ? counts.resolve(name).rows : existingTableRows(name));
  for (const table of planned) table.columns = planColumns(table, model, rowsOf, warnings);
  return { schema: snapshot.schema, tables: planned, emptied, warnings };
}

/** Tables outside the model keep their rows, which the seeder cannot know: refs to them are an error. */
function existingTableRows(name: string): number {
  throw new UsageError(`a seeded table references "${name}", which the model does not seed; add "${name}" to the model's tables (with rows) or override the referencing column`);
}

interface ResolvedCount {
  rows: number;
  group?: TableGroup;
}

class RowCounter {
  private readonly resolved = new Map<string, ResolvedCount>();
  private readonly resolving = new Set<string>();

  constructor(
    private readonly tables: Map<string, TableInfo>,
    private readonly model: DataModel,
    private readonly options: PlanOptions,
    private readonly warnings: string[],
  ) {}

  resolve(name: string): ResolvedCount {
    const done = this.resolved.get(name);
    if (done) return done;
    if (this.resolving.has(name)) throw new UsageError(`model "${this.model.name}": row counts of ${[...this.resolving, name].join(' → ')} depend on each other`);
    this.resolving.add(name);
    const result = this.count(name);
    this.resolving.delete(name);
    this.resolved.set(name, result);
    return result;
  }

  private count(name: string): ResolvedCount {
    const table = this.tables.get(name)!;
    const declared = this.model.tables[name]?.rows ?? this.model.defaultRows ?? 0;
    const rows = typeof declared === 'number' ? this.implicitLinkCount(table, declared) : declared;
    if (typeof rows === 'number') return { rows: scaled(rows, this.options.scale) };
    return this.grouped(table, rows);
  }

  /** A table keyed by (fk, …) with only a row count becomes rows per parent, so no key repeats. */
  private implicitLinkCount(table: TableInfo, rows: number): RowCount {
    if (rows === 0) return 0;
    const key = compositeKeyLeadingWithForeignKey(table);
    if (!key) return rows;
    return { per: key.foreign.refTable!, total: rows, skew: LINK_SKEW, via: key.foreign.columns[0]! };
  }

  private grouped(table: TableInfo, rows: Exclude<RowCount, number>): ResolvedCount {
    if (!this.tables.has(rows.per)) throw new UsageError(`${table.name}.rows.per: no table "${rows.per}" in the schema`);
    if (this.model.tables[rows.per] === undefined && this.model.defaultRows === undefined) {
      throw new UsageError(`${table.name}.rows.per: "${rows.per}" gets no rows from model "${this.model.name}"; add it to the model's tables`);
    }
    const via = rows.via ?? foreignKeyColumnTo(table, rows.per);
    const parentRows = this.resolve(rows.per).rows;
    const maxPerParent = this.maxDistinctPerParent(table, via);
    // Salted by the parent, so every table sized per school agrees on which schools are big.
    const salt = streamId(this.options.seed, rows.per, 'rows');
    const offsets =
      'total' in rows
        ? spreadRows(parentRows, scaled(rows.total, this.options.scale), rows.skew ?? { kind: 'uniform' }, salt, maxPerParent, rows.min ?? 0)
        : drawRowsPerParent(parentRows, rows.each, salt, maxPerParent);
    const total = offsets[offsets.length - 1]!;
    if ('total' in rows && total < scaled(rows.total, this.options.scale)) {
      this.warnings.push(`${table.name}: ${scaled(rows.total, this.options.scale)} rows asked, ${total} fit without repeating a key`);
    }
    return { rows: total, group: { parent: rows.per, via, offsets } };
  }

  /** A link table can give a parent at most as many rows as there are distinct partners. */
  private maxDistinctPerParent(table: TableInfo, via: string): number {
    const key = table.constraints.find((c) => (c.kind === 'primary' || c.kind === 'unique') && c.columns.length > 1 && c.columns.includes(via));
    if (!key) return Infinity;
    let max = Infinity;
    for (const column of key.columns) {
      if (column === via) continue;
      const foreign = foreignKeyOf(table, column);
      if (!foreign?.refTable || !this.tables.has(foreign.refTable)) return Infinity;
      const override = this.model.tables[table.name]?.columns?.[column];
      if (override && override.kind !== 'distinctRef') return Infinity;
      max = Math.min(max, this.resolve(foreign.refTable).rows);
    }
    return max;
  }
}

function scaled(rows: number, scale: number): number {
  if (rows <= 0) return 0;
  return Math.max(1, Math.round(rows * scale));
}

function foreignKeyOf(table: TableInfo, column: string): ConstraintInfo | undefined {
  return table.constraints.find((c) => c.kind === 'foreign' && c.columns.length === 1 && c.columns[0] === column);
}

function foreignKeyColumnTo(table: TableInfo, parent: string): string {
  const candidates = table.constraints.filter((c) => c.kind === 'foreign' && c.refTable === parent && c.columns.length === 1);
  if (candidates.length === 1) return candidates[0]!.columns[0]!;
  throw new UsageError(
    `${table.name}.rows.per "${parent}": ${candidates.length === 0 ? 'no foreign key' : 'several foreign keys'} from ${table.name} to ${parent}; name the column with \`via\``,
  );
}

function compositeKeyLeadingWithForeignKey(table: TableInfo): { key: ConstraintInfo; foreign: ConstraintInfo } | undefined {
  const key = table.constraints.find((c) => c.kind === 'primary' && c.columns.length > 1);
  if (!key) return undefined;
  const foreign = foreignKeyOf(table, key.columns[0]!);
  return foreign ? { key, foreign } : undefined;
}

function planColumns(table: TablePlan, model: DataModel, rowsOf: (name: string) => number, warnings: string[]): PlannedColumn[] {
  const info = table.info;
  const overrides = model.tables[table.name]?.columns ?? {};
  for (const name of Object.keys(overrides)) {
    if (!info.columns.some((c) => c.name === name)) throw new UsageError(`model "${model.name}": ${table.name}.columns.${name}: the table has no such column`);
  }
  const hints: CheckHint[] = [];
  for (const check of info.constraints.filter((c) => c.kind === 'check')) {
    const parsed = parseCheck(check.definition);
    hints.push(...parsed.hints);
    for (const part of parsed.unknown) warnings.push(`${table.name}: CHECK ${check.name} (${part}) is not understood; rows may violate it unless a column override satisfies it`);
  }
  const siblings = info.columns.map((c) => c.name);
  const columns: PlannedColumn[] = [];
  for (const column of info.columns) {
    if (column.generated) continue;
    const spec = overrides[column.name] ?? derivedSpec(table, column, hints, siblings, rowsOf);
    if (!spec) {
      throw new UsageError(
        `${table.name}.${column.name}: rehearse cannot generate values of type ${column.type}; add an override in the model, e.g. columns: { ${column.name}: gen.pattern('…') }`,
      );
    }
    columns.push({ name: column.name, spec, info: column });
  }
  return columns;
}

function derivedSpec(table: TablePlan, column: ColumnInfo, hints: CheckHint[], siblings: string[], rowsOf: (name: string) => number): ColumnSpec | undefined {
  const info = table.info;
  if (table.group?.via === column.name) return { kind: 'parent' };
  const keys = info.constraints.filter((c) => c.kind === 'primary' || c.kind === 'unique');
  const unique = keys.some((k) => k.columns.length === 1 && k.columns[0] === column.name);
  const foreign = info.constraints.find((c) => c.kind === 'foreign' && c.columns.includes(column.name));
  const compositeKey = keys.find((k) => k.columns.length > 1 && k.columns.includes(column.name));
  if (foreign) return foreignSpec(table, column, foreign, Boolean(compositeKey), unique, rowsOf);
  if (compositeKey && !unique) return compositeMemberSpec(table, column, compositeKey);
  return defaultColumnSpec(column, { table: table.name, siblings, hints, unique });
}

function foreignSpec(table: TablePlan, column: ColumnInfo, foreign: ConstraintInfo, inCompositeKey: boolean, unique: boolean, rowsOf: (name: string) => number): ColumnSpec {
  const target = foreign.refTable!;
  const targetColumn = foreign.refColumns![foreign.columns.indexOf(column.name)]!;
  const targetRows = target === table.name ? table.rows : rowsOf(target);
  if (targetRows === 0) {
    if (!column.notNull) return { kind: 'const', value: '', nulls: 1 };
    throw new UsageError(`${table.name}.${column.name} references ${target}, which gets no rows; give ${target} rows or override the column`);
  }
  if ((inCompositeKey && table.group) || unique) return { kind: 'distinctRef', table: target, column: targetColumn };
  const selfReference = target === table.name;
  const spec: ColumnSpec = { kind: 'ref', table: target, column: targetColumn, pick: INTROSPECTED_PICK, ...(foreign.columns.length > 1 ? { group: foreign.name } : {}) };
  if (column.notNull) return spec;
  return { ...spec, nulls: selfReference ? 0.3 : 0.1 };
}

function compositeMemberSpec(table: TablePlan, column: ColumnInfo, key: ConstraintInfo): ColumnSpec | undefined {
  const firstPlain = key.columns.find((name) => !table.info.constraints.some((c) => c.kind === 'foreign' && c.columns.includes(name)));
  if (table.group || firstPlain === column.name) {
    if (/^int[248]$|^numeric$/.test(column.baseType)) return { kind: 'position' };
    if (column.baseType === 'uuid') return { kind: 'uuid' };
    return { kind: 'pattern', pattern: `${column.name.slice(0, 3)}-{row}` };
  }
  return defaultColumnSpec(column, { table: table.name, siblings: [], hints: [], unique: false });
}
