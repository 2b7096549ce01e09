import { UsageError } from '../errors.ts';
import type { CompileEnv, CompiledColumn, GeneratedTableView } from './compile-column.ts';
import { scatter, type Pick } from './distribution.ts';
import { DistinctPicker, popularRow, popularRows } from './distinct-picks.ts';
import type { ColumnSpec } from './model.ts';
import { randomBelow, randomUnit, streamId } from './prng.ts';
import { parentOfRow } from './row-counts.ts';
import { shapedOffsets } from './histogram-shape.ts';
import { rankAtShare, shapedRanks, type ValueShape } from './shaped-ranks.ts';
import type { RowContext, ValueFn } from './row-context.ts';

/**
 * Foreign keys. A key's value is the index of the target row; it is written
 * as the target's key text (which a sequence key computes without looking
 * the row up).
 */
function keyColumn(target: GeneratedTableView, keyName: string | undefined, value: ValueFn): CompiledColumn {
  const key = keyName ?? primaryKeyOf(target);
  const text = target.keyText(key);
  const write = target.keyWriter(key);
  return { value, text: (raw) => text(raw as number), write: (raw, w) => write(raw as number, w) };
}

function primaryKeyOf(table: GeneratedTableView): string {
  const pk = table.primaryKey();
  if (!pk) throw new UsageError(`${table.name} has no single-column primary key: name the referenced column, e.g. gen.ref('${table.name}', { column: '…' })`);
  return pk;
}

/** The salt that decides which rows of a table are popular, the same for every reference to it. */
function popularitySalt(env: CompileEnv, table: string): number {
  return streamId(env.seed, table, 'popular');
}

export function refTargetOf(table: GeneratedTableView, column: string): string {
  const spec = table.specOf(column);
  if (spec && (spec.kind === 'ref' || spec.kind === 'distinctRef')) return spec.table;
  if (spec && spec.kind === 'parent' && table.group) return table.group.parent;
  throw new UsageError(`${table.name}.${column}: expected a foreign-key column (a ref or the parent column)`);
}

export function parentColumn(keyName: string | undefined, env: CompileEnv): CompiledColumn {
  const group = env.table.group;
  if (!group) throw new UsageError(`${env.table.name}: a "parent" column needs rows given per parent (rows: { per: … })`);
  return keyColumn(env.tableNamed(group.parent), keyName, (ctx) => ctx.group);
}

export function refColumn(spec: Extract<ColumnSpec, { kind: 'ref' }>, env: CompileEnv, stream: number): CompiledColumn {
  const target = env.tableNamed(spec.table);
  const pick = spec.pick ?? { kind: 'uniform' };
  const n = target.rows;
  const groupKey = spec.group;
  const groupStream = groupKey ? streamId(env.seed, env.table.name, groupKey) : stream;
  const salt = popularitySalt(env, spec.table);
  const popular = popularRows(pick, n, salt);
  let choose: (ctx: RowContext, row: number) => number = (_ctx, row) => popular(randomUnit(groupStream, row));
  if (spec.shape) choose = shapedChooser(spec.shape, env.table.rows, n, groupStream, spec.histogram);
  if (spec.within) choose = withinChooser(spec.within, target, pick, env, groupStream, salt);
  const value: ValueFn = groupKey
    ? (ctx, row) => {
        let idx = ctx.picks.get(groupKey);
        if (idx === undefined) ctx.picks.set(groupKey, (idx = choose(ctx, row)));
        return idx;
      }
    : choose;
  return keyColumn(target, spec.column, value);
}

/**
 * A foreign key shaped by the referencing column's statistics: as many
 * distinct parents as production's, the most referenced ones as often (a
 * few parents with most children), in production's physical order. Ranks
 * are spread over the parents in order (by the histogram's shape when the
 * profile has one: production's most referenced keys bunched where
 * production's are), so the order carries over to the keys. NULLs are the
 * spec's `nulls`, so the shape here has none.
 */
function shapedChooser(shape: ValueShape, rows: number, parents: number, stream: number, histogram?: readonly number[]): (ctx: RowContext, row: number) => number {
  const present = Math.max(1e-9, 1 - shape.nulls);
  const distinct = Math.max(1, Math.min(shape.distinct, parents));
  const ranks = shapedRanks({ ...shape, nulls: 0, frequencies: shape.frequencies.map((f) => f / present), distinct }, rows, stream);
  if (histogram) {
    const parentOf = shapedOffsets(histogram, Math.min(shape.frequencies.length, distinct), distinct, parents);
    return (_ctx, row) => parentOf(Math.max(0, ranks(row)));
  }
  return (_ctx, row) => Math.floor((Math.max(0, ranks(row)) * parents) / distinct);
}

/** A uniform draw → a row of `parents`, as often as the shape gives its rank, the ranks spread over the parents in order. */
function shapedRows(shape: ValueShape, parents: number): (u: number) => number {
  const distinct = Math.max(1, Math.min(shape.distinct, parents));
  const rankOf = rankAtShare({ ...shape, distinct });
  return (u) => Math.floor((rankOf(u) * parents) / distinct);
}

/** Table row → a row of `parents`: the shape's ranks laid over the rows (scattered: a run's rows are picked for other parents), so every rank gets its exact share. */
function laidOutRows(shape: ValueShape, rows: number, parents: number, stream: number): (row: number) => number {
  const distinct = Math.max(1, Math.min(shape.distinct, parents));
  const ranks = shapedRanks({ ...shape, distinct, correlation: 0 }, rows, stream);
  return (row) => Math.floor((Math.max(0, ranks(row)) * parents) / distinct);
}

/** Picks a row of `target` under the same `ancestor` row as this row (a teacher of the evening's school). */
function withinChooser(ancestor: string, target: GeneratedTableView, pick: Pick, env: CompileEnv, stream: number, salt: number) {
  if (target.group?.parent !== ancestor) throw new UsageError(`${env.table.name}: ref to ${target.name} within ${ancestor} needs ${target.name} rows given per ${ancestor}`);
  const offsets = target.group.offsets;
  const ancestorOf = ancestorResolver(env, ancestor);
  return (ctx: RowContext, row: number) => {
    const a = ancestorOf(ctx);
    const start = offsets[a]!;
    const count = offsets[a + 1]! - start;
    if (count <= 0) return popularRow(pick, target.rows, salt, randomUnit(stream, row, 3));
    return start + popularRow(pick, count, salt, randomUnit(stream, row));
  };
}

function ancestorResolver(env: CompileEnv, ancestor: string): (ctx: RowContext) => number {
  const chain: GeneratedTableView[] = [];
  let table = env.table;
  while (table.name !== ancestor) {
    if (!table.group) throw new UsageError(`${env.table.name}: "${ancestor}" is not an ancestor through rows given per parent`);
    chain.push(table);
    table = env.tableNamed(table.group.parent);
  }
  // Rows come in runs per parent, so the last answer is almost always the next one.
  let lastGroup = -1;
  let lastAncestor = -1;
  return (ctx) => {
    if (ctx.group === lastGroup) return lastAncestor;
    let idx = ctx.group;
    for (let i = 1; i < chain.length; i++) idx = parentOfRow(chain[i]!.group!.offsets, idx);
    lastGroup = ctx.group;
    lastAncestor = idx;
    return idx;
  };
}

/**
 * The k-th row of a parent's run gets the k-th of its distinct targets, so
 * (parent, target) never repeats; popular targets are picked most, and a
 * table linking to itself never links a row to itself. Without parent runs
 * (a one-to-one key), row r gets a distinct target by an affine bijection.
 */
export function distinctRefColumn(spec: Extract<ColumnSpec, { kind: 'distinctRef' }>, env: CompileEnv, stream: number): CompiledColumn {
  const target = env.tableNamed(spec.table);
  const n = target.rows;
  const pick = spec.pick ?? { kind: 'uniform' };
  const pickStream = spec.group ? streamId(env.seed, env.table.name, spec.group) : stream;
  const salt = popularitySalt(env, spec.table);
  const group = env.table.group;
  if (!group) return keyColumn(target, spec.column, (_ctx, row) => scatter(row, n, pickStream));
  const selfLink = group.parent === spec.table;
  const picker = spec.shape ? new DistinctPicker(n, shapedRows(spec.shape, n), pickStream, laidOutRows(spec.shape, env.table.rows, n, pickStream)) : new DistinctPicker(n, popularRows(pick, n, salt), pickStream);
  let lastGroup = -1;
  let picks: Int32Array<ArrayBufferLike> = new Int32Array(0);
  return keyColumn(target, spec.column, (ctx) => {
    if (ctx.group !== lastGroup) {
      lastGroup = ctx.group;
      picks = picker.picks(ctx.group, ctx.groupEnd - ctx.groupStart, selfLink ? ctx.group : -1, ctx.groupStart);
    }
    return picks[ctx.row - ctx.groupStart]!;
  });
}

/** A value reached through a link table: `take` of a `link` row that belongs to the row `column` points at. */
export function throughColumn(spec: Extract<ColumnSpec, { kind: 'through' }>, env: CompileEnv, stream: number): CompiledColumn {
  const fk = env.table.columnIndex(spec.column);
  const link = env.tableNamed(spec.link);
  const offsets = link.group?.offsets;
  if (!offsets) throw new UsageError(`${env.table.name}.${spec.column}: "through" needs ${spec.link} rows given per parent`);
  const takeIndex = link.columnIndex(spec.take);
  return {
    value: (ctx, row) => {
      const idx = ctx.get(fk);
      if (idx === null) return null;
      const start = offsets[idx as number]!;
      const count = offsets[(idx as number) + 1]! - start;
      if (count <= 0) return link.valueAt(takeIndex, randomBelow(link.rows, stream, row));
      return link.valueAt(takeIndex, start + randomBelow(count, stream, row), idx as number);
    },
    text: (raw) => link.textOf(takeIndex)(raw),
    write: (raw, w) => link.writerOf(takeIndex)(raw, w),
  };
}

/** A column of the row that foreign key `column` points at. */
export function fromParentColumn(spec: Extract<ColumnSpec, { kind: 'fromParent' }>, env: CompileEnv): CompiledColumn {
  const fk = env.table.columnIndex(spec.column);
  const parent = env.tableNamed(refTargetOf(env.table, spec.column));
  const take = parent.columnIndex(spec.take);
  return {
    value: (ctx) => {
      const idx = ctx.get(fk);
      return idx === null ? null : parent.valueAt(take, idx as number);
    },
    text: (raw) => parent.textOf(take)(raw),
    write: (raw, w) => parent.writerOf(take)(raw, w),
  };
}
