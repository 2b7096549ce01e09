/**
 * What ANALYZE will estimate as a column's number of distinct values, worked
 * out before a single row is written, so the seeder can choose how many
 * values to make for the estimate to come out as production's.
 *
 * ANALYZE does not count: it samples 300 × statistics target rows (in two
 * stages: that many blocks at most, then rows from them) and extrapolates
 * with the Haas–Stokes estimator from d, the values it saw, and f1, those it
 * saw once: n·d / (n − f1 + f1·n/N). The estimate is only as large as the
 * true count when the values are even and the rows scattered; a head of
 * common values takes sample rows without adding singletons, and a value's
 * rows packed into one block are seen together or not at all. Both pull the
 * estimate below the true count, so a column holding exactly production's
 * estimated count lands lower than production (appointments.teacher_id at
 * scale 1: 31 k for 39 k).
 */

/** How production's ANALYZE sampled a table. */
export interface AnalyzeSample {
  /** Rows ANALYZE samples: 300 × default_statistics_target. */
  sampleRows: number;
  /** Rows per heap page (reltuples / relpages). */
  rowsPerPage: number;
}

/** `count` values of `rows` rows each (rows may be fractional: an average). */
export interface ValueGroup {
  rows: number;
  count: number;
}

export interface EstimateInputs extends AnalyzeSample {
  /** All rows of the table, NULLs included. */
  tableRows: number;
  /** Share of the rows that are NULL (not sampled as values). */
  nulls: number;
  /** Whether a value's rows lie next to each other (sorted), rather than scattered over the table. */
  together: boolean;
}

/**
 * The estimate ANALYZE is expected to make for a column whose non-NULL rows
 * hold `groups`: d and f1 by their expectations under its two-stage sample
 * (every row of a chosen block equally likely), then its estimator and clamps.
 *
 * @example
 * // 10,000 values of 300 rows, scattered over 3 M rows: ANALYZE sees them all.
 * expectedDistinctEstimate([{ rows: 300, count: 10_000 }], { tableRows: 3e6, nulls: 0, together: false, sampleRows: 30_000, rowsPerPage: 60 }); // ≈ 10_000
 */
export function expectedDistinctEstimate(groups: readonly ValueGroup[], inputs: EstimateInputs): number {
  const rows = Math.max(1, inputs.tableRows);
  const present = rows * (1 - inputs.nulls);
  const perPage = Math.max(1, inputs.rowsPerPage);
  const pages = Math.max(1, Math.ceil(rows / perPage));
  const blocks = Math.min(pages, inputs.sampleRows);
  const blockShare = blocks / pages;
  const rowShare = Math.min(1, inputs.sampleRows / (blocks * perPage));
  const sampled = Math.min(inputs.sampleRows, rows) * (1 - inputs.nulls);
  let seen = 0;
  let once = 0;
  for (const group of groups) {
    if (group.count <= 0 || group.rows <= 0) continue;
    const spans = inputs.together ? 1 + (group.rows - 1) / perPage : group.rows;
    const perBlock = group.rows / spans;
    const missedInBlock = 1 - blockShare + blockShare * (1 - rowShare) ** perBlock;
    const onceInBlock = blockShare * perBlock * rowShare * (1 - rowShare) ** (perBlock - 1);
    seen += group.count * (1 - missedInBlock ** spans);
    once += group.count * spans * onceInBlock * missedInBlock ** (spans - 1);
  }
  if (sampled <= 0 || seen <= 0) return 0;
  const denominator = sampled - once + (once * sampled) / present;
  const estimate = denominator > 0 ? (sampled * seen) / denominator : present;
  return Math.min(present, Math.max(seen, estimate));
}

/** The shape a fit works on: the most common values' shares of the non-NULL rows, then `distinct` in all. */
export interface TailInputs extends EstimateInputs {
  /** Shares of the non-NULL rows of the most common values. */
  common: readonly number[];
  /** The estimate to reach (production's, scaled). */
  target: number;
  /** The most values the column can hold (its non-NULL rows, the parents of a foreign key). */
  most: number;
}

/**
 * How many distinct values to seed (the common ones, then the rest with
 * equal shares) for ANALYZE's estimate to come out at `target`: never fewer
 * than the target, never more than `most`. The estimate grows with the
 * count, so a bisection finds it; where even `most` stays short, `most`.
 */
export function fittedDistinct(inputs: TailInputs): number {
  const low = Math.max(1, Math.round(inputs.target));
  const high = Math.max(low, Math.floor(inputs.most));
  const estimate = (distinct: number) => expectedDistinctEstimate(tailGroups(inputs.common, distinct, inputs.tableRows * (1 - inputs.nulls)), inputs);
  if (high === low || estimate(low) >= inputs.target) return low;
  if (estimate(high) <= inputs.target) return high;
  let [lo, hi] = [low, high];
  while (hi - lo > Math.max(1, lo * 0.001)) {
    const mid = Math.floor((lo + hi) / 2);
    if (estimate(mid) < inputs.target) lo = mid;
    else hi = mid;
  }
  return hi;
}

/**
 * The common values one by one, then `distinct − common` values sharing the
 * rest of the rows equally, as whole rows: some one row more than others
 * (1.2 rows a value is four values of one row for each of two).
 */
export function tailGroups(common: readonly number[], distinct: number, presentRows: number): ValueGroup[] {
  const head = common.slice(0, distinct);
  const rest = Math.max(0, 1 - head.reduce((a, b) => a + b, 0));
  const tail = distinct - head.length;
  const groups = head.map((share) => ({ rows: share * presentRows, count: 1 }));
  if (tail <= 0 || rest <= 0) return groups;
  const each = (rest * presentRows) / tail;
  const fewer = Math.floor(each);
  const more = Math.round((each - fewer) * tail);
  groups.push({ rows: fewer, count: tail - more }, { rows: fewer + 1, count: more });
  return groups;
}
