import type { ColumnPlanState } from './column-plan-state.ts';
import type { ColumnSpec, ColumnStats } from './model.ts';
import { fittedDistinct } from './distinct-estimate.ts';
import { shapedOffsets } from './histogram-shape.ts';
import { canProfile } from './profiled-values.ts';
import type { ColumnInfo } from './schema-snapshot.ts';
import { keepsValuesTogether, type ValueShape } from './shaped-ranks.ts';

/** Generators whose values only need to look like the column: a profile may replace them by its shape. */
const REPLACEABLE = new Set<ColumnSpec['kind']>(['int', 'float', 'bool', 'choice', 'text', 'fake', 'pattern', 'regex', 'timestamp', 'date', 'time', 'uuid', 'json']);
/** Integer columns with up to this many distinct values take them from their generator's range. */
const MAX_SPREAD = 10_000;
/** Lists of values this long are matched to the most common values by trying every order. */
const MAX_PERMUTED = 7;

/**
 * Shapes the derived generators of a table by production's statistics: a
 * plain value column gets `profiled` values (its NULL share, distinct
 * count, most-common frequencies, width and physical order); a foreign key
 * picks its parents with the referencing column's skew; a listed column
 * (an enum, a CHECK … IN) is weighted by the frequencies; keys, unique and
 * checked columns keep their generators and take the NULL share only. The
 * model's own generators are never touched.
 */
export function applyProfile(state: ColumnPlanState): void {
  for (const [name, stats] of Object.entries(state.inputs.stats)) {
    const column = state.columnInfo(name);
    if (!column) {
      state.problem(name, undefined, 'the profile has statistics for a column the table does not have', `seed a database with production's schema (columns here: ${state.info.columns.map((c) => c.name).join(', ')}), or capture the profile again`);
      continue;
    }
    const spec = state.specs.get(name);
    if (!spec || column.generated || !state.derived.has(name)) continue;
    if (!column.notNull) state.nullsDecided.add(name);
    state.specs.set(name, shapedSpec(state, column, spec, stats));
  }
}

function shapedSpec(state: ColumnPlanState, column: ColumnInfo, spec: ColumnSpec, stats: ColumnStats): ColumnSpec {
  const nulls = column.notNull ? 0 : stats.nullFrac;
  const parents = spec.kind === 'ref' || spec.kind === 'distinctRef' ? state.inputs.rowsOf(spec.table) : undefined;
  // A link table's partner side is laid out scattered whatever production's order (its rows run by the other side).
  const shape = valueShape(spec.kind === 'distinctRef' ? { ...stats, correlation: 0 } : stats, state.table.rows, nulls, parents);
  const unique = state.unique.has(column.name);
  // The partner side of a link table: distinct per parent run, drawn by production's shape instead of a guessed skew.
  if (spec.kind === 'distinctRef') return unique || !state.table.group ? { ...spec, nulls } : { ...spec, shape, nulls };
  if (spec.kind === 'ref') return spec.within || spec.group || unique ? { ...spec, nulls } : { ...spec, shape, nulls, ...(stats.histogramShape ? { histogram: stats.histogramShape } : {}) };
  const rules = state.valueRules(column.name);
  if (unique || !(REPLACEABLE.has(spec.kind) || isOnlyRealism(spec))) return { ...spec, nulls };
  if (spec.kind === 'choice' && (column.enumLabels || rules.some((r) => r.kind === 'oneOf'))) {
    const values = listedByFrequency(spec.values, shape, stats);
    return { kind: 'profiled', shape: { ...shape, distinct: Math.min(shape.distinct, values.length) }, values, nulls: 0 };
  }
  const spread = spreadIntegers(spec, shape.distinct, stats.histogramShape, rules.length > 0);
  if (spread) return { kind: 'profiled', shape: { ...shape, distinct: spread.length }, values: spread, nulls: 0 };
  // The column's own generator knows its checks: its values, one per rank, keep them.
  if (rules.length > 0 || !canProfile(column)) return spec.kind === 'after' ? { ...spec, nulls } : { kind: 'profiled', shape, pool: spec, nulls: 0 };
  return { kind: 'profiled', shape, width: stats.avgWidth, common: commonBoolean(spec, stats), nulls: 0, ...(stats.histogramShape ? { histogram: stats.histogramShape } : {}) };
}

/**
 * Integers its generator draws from a range (narrowed to the checks), spread
 * over it in order, by the histogram's shape when the profile has one: one
 * per distinct value, as many as fit. A range only guessed (no check) that
 * cannot hold the distinct count gives way to the profiled values' own range.
 */
function spreadIntegers(spec: ColumnSpec, distinct: number, histogram: readonly number[] | undefined, checked: boolean): number[] | undefined {
  if (spec.kind !== 'int' || (spec.dist.kind !== 'uniform' && spec.dist.kind !== 'zipf')) return undefined;
  const min = Math.ceil(spec.dist.min);
  const span = Math.floor(spec.dist.max) - min + 1;
  if (span < 1 || distinct > MAX_SPREAD || (distinct > span && !checked)) return undefined;
  const count = Math.min(distinct, span);
  if (histogram) {
    const offset = shapedOffsets(histogram, 0, count, span);
    return Array.from({ length: count }, (_, k) => min + offset(k));
  }
  return Array.from({ length: count }, (_, k) => min + Math.floor((k * span) / count));
}

/** A time after a parent row's (an order after its customer signed up): realism no constraint asks for, so production's order wins. */
function isOnlyRealism(spec: ColumnSpec): boolean {
  return spec.kind === 'after' && [spec.column].flat().every((base) => base.includes('.'));
}

/**
 * n_distinct < 0 is a share of the rows, so it grows with --scale; a count
 * does not. Never fewer than the most common values listed, never more than
 * the non-NULL rows (or `most`, a foreign key's parents). n_distinct is
 * ANALYZE's estimate, not a count: when the profile says how production
 * was sampled, the count seeded is the one whose estimate comes out as
 * production's (see distinct-estimate.ts).
 */
export function valueShape(stats: ColumnStats, rows: number, nulls: number, most = Infinity): ValueShape {
  const present = Math.max(1, Math.floor(rows * (1 - nulls)));
  const counted = stats.nDistinct < 0 ? -stats.nDistinct * rows : stats.nDistinct;
  const estimated = Math.min(present, most, Math.max(1, stats.mcvFrequencies.length, Math.round(counted)));
  const shape = { distinct: estimated, frequencies: stats.mcvFrequencies, nulls, correlation: stats.correlation ?? 0 };
  if (!stats.sample) return shape;
  const common = shape.frequencies.map((f) => f / Math.max(1e-9, 1 - nulls));
  const distinct = fittedDistinct({ ...stats.sample, tableRows: rows, nulls, together: keepsValuesTogether(shape), common, target: estimated, most: Math.min(present, most) });
  return { ...shape, distinct };
}

/**
 * The listed values (an enum, a CHECK … IN) in rank order, most common
 * first. Which value is which: the profile's own values when it has them,
 * else the order whose average width comes closest to production's.
 */
export function listedByFrequency(values: readonly (string | number | boolean)[], shape: ValueShape, stats: Pick<ColumnStats, 'avgWidth' | 'mcvValues'>): (string | number | boolean)[] {
  const present = Math.max(1e-9, 1 - shape.nulls);
  const common = shape.frequencies.slice(0, values.length).map((f) => f / present);
  const used = Math.min(values.length, Math.max(common.length, shape.distinct));
  const rest = Math.max(0, 1 - common.reduce((a, b) => a + b, 0));
  return valueOrder(values, rankShares(common, used, rest), stats).map((i) => values[i]!);
}

/** The share of each rank: the common ones', then the rest split evenly up to `used`, then none. */
function rankShares(common: readonly number[], used: number, rest: number): number[] {
  const share = used > common.length ? rest / (used - common.length) : 0;
  return Array.from({ length: Math.max(used, common.length) }, (_, i) => (i < common.length ? common[i]! : share));
}

/** Value indexes in rank order (most common first). */
function valueOrder(values: readonly (string | number | boolean)[], ranked: readonly number[], stats: Pick<ColumnStats, 'avgWidth' | 'mcvValues'>): number[] {
  const texts = values.map(String);
  const listed = stats.mcvValues?.map((v) => texts.indexOf(v ?? '')).filter((i) => i >= 0) ?? [];
  const identity = [...listed, ...texts.map((_, i) => i).filter((i) => !listed.includes(i))];
  if (listed.length || values.length > MAX_PERMUTED) return identity;
  // A short text is stored with a one-byte header, which avg_width counts.
  const width = (order: readonly number[]) => ranked.reduce((sum, share, rank) => sum + share * (Buffer.byteLength(texts[order[rank]!]!) + 1), 0);
  let best = identity;
  let bestError = Math.abs(width(identity) - stats.avgWidth);
  for (const order of permutations(identity)) {
    const error = Math.abs(width(order) - stats.avgWidth);
    if (error < bestError - 1e-9) [best, bestError] = [order, error];
  }
  return best;
}

function* permutations(items: readonly number[]): Generator<number[]> {
  if (items.length <= 1) {
    yield [...items];
    return;
  }
  for (let i = 0; i < items.length; i++) {
    const rest = [...items.slice(0, i), ...items.slice(i + 1)];
    for (const tail of permutations(rest)) yield [items[i]!, ...tail];
  }
}

/** Production's most common value when the profile holds values, else the side the column's generator leaned to. */
function commonBoolean(spec: ColumnSpec, stats: ColumnStats): boolean {
  const first = stats.mcvValues?.[0];
  if (first === 't' || first === 'f') return first === 't';
  return spec.kind === 'bool' ? (spec.p ?? 0.5) >= 0.5 : true;
}
