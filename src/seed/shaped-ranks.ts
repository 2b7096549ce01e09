/**
 * A column's values as production's statistics describe them, without the
 * values: which rank (0 = the most common value) each row holds, so that the
 * NULL share, the number of distinct values, the most common values'
 * frequencies and the physical order (correlation) come out as in the
 * profile. Ranks are laid out by a bijection of the rows, not drawn, so the
 * counts are exact: a column of 50 000 distinct values in 50 000 rows gets
 * all 50 000, where independent draws would reach only 63 %.
 */
export interface ValueShape {
  /** Distinct non-NULL values (already scaled to the seeded rows). */
  distinct: number;
  /** Shares of all rows (NULLs included) of the most common values, most common first. */
  frequencies: readonly number[];
  /** Share of rows that are NULL. */
  nulls: number;
  /** Physical order of values against row position, -1..1, as pg_stats.correlation. */
  correlation: number;
}

/** A rank in [0, distinct) per row, or -1 for NULL. */
export type RankFn = (row: number) => number;

/** Step 0 stands for a step of about 0.618 × the block (the golden ratio): rows scattered with no order left. */
const SCATTER = 0;

export function shapedRanks(shape: ValueShape, rows: number, salt: number): RankFn {
  const n = Math.max(1, rows);
  const nulls = Math.min(1, Math.max(0, shape.nulls));
  const order = valueOrderCorrelation(shape.correlation, tieShare(shape, nulls));
  const layout = orderLayout(Math.abs(order), n);
  const reverse = order < 0;
  const rankOf = rankByShare(shape, nulls);
  return (row) => {
    const position = layout(row, salt);
    const u = ((reverse ? n - 1 - position : position) + 0.5) / n;
    if (u < nulls) return -1;
    return rankOf((u - nulls) / (1 - nulls));
  };
}

/**
 * ANALYZE breaks ties between equal values by their position, so a column
 * of few values shows a correlation of about S = Σ share² even when its
 * values are placed at random: observed ≈ S + c × (1 − S). The order laid
 * out is the c that gives production's observed correlation.
 */
function valueOrderCorrelation(observed: number, ties: number): number {
  if (ties >= 0.999) return 0;
  return Math.max(-1, Math.min(1, (observed - ties) / (1 - ties)));
}

/** Σ share² over the non-NULL values: the common ones', then the rest's equal shares. */
function tieShare(shape: ValueShape, nulls: number): number {
  const present = Math.max(1e-9, 1 - nulls);
  const common = shape.frequencies.map((f) => Math.min(1, f / present));
  const restCount = Math.max(0, Math.floor(shape.distinct) - common.length);
  const rest = Math.max(0, 1 - common.reduce((a, b) => a + b, 0));
  return common.reduce((sum, p) => sum + p * p, 0) + (restCount ? (rest * rest) / restCount : 0);
}

/** The rank at share `v` (0..1) of the non-NULL rows: a draw by the shape's frequencies, for picks that are drawn, not laid out. */
export function rankAtShare(shape: ValueShape): (v: number) => number {
  return rankByShare(shape, Math.min(1, Math.max(0, shape.nulls)));
}

/**
 * The inverse CDF over ranks: the most common values take their
 * frequencies (as shares of the non-NULL rows), the other distinct values
 * share the rest equally.
 */
function rankByShare(shape: ValueShape, nulls: number): (v: number) => number {
  const present = Math.max(1e-9, 1 - nulls);
  const cumulative: number[] = [];
  let sum = 0;
  for (const f of shape.frequencies) {
    if (sum >= 1) break;
    sum = Math.min(1, sum + f / present);
    cumulative.push(sum);
  }
  const common = cumulative.length;
  const rest = Math.max(0, Math.floor(shape.distinct) - common);
  const restShare = 1 - sum;
  const last = Math.max(0, common + rest - 1);
  return (v) => {
    if (v < sum || rest === 0) {
      let lo = 0;
      let hi = common - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid]! > v) hi = mid;
        else lo = mid + 1;
      }
      return Math.min(lo, last);
    }
    return Math.min(last, common + Math.floor(((v - sum) / restShare) * rest));
  };
}

/**
 * A bijection of [0, n) whose correlation with the identity is about `c`:
 * `blocks` contiguous blocks keep the coarse order (1 − 1/B² of it), and
 * inside each block k ascending runs are interleaved
 * (correlation 1/k), giving 1 − (1 − 1/k)/B² overall. The pair closest to
 * `c` is used.
 */
function orderLayout(c: number, n: number): (row: number, salt: number) => number {
  const { blocks, step } = layoutFor(c);
  if (step === 1) return (row) => row;
  return (row, salt) => {
    const block = Math.floor((row * blocks) / n);
    const start = Math.floor((block * n) / blocks);
    const size = Math.floor(((block + 1) * n) / blocks) - start;
    return start + affine(row - start, size, step, salt);
  };
}

/** The blocks and the step inside them that come closest to correlation `c` (one block of step 1: rows in value order). */
function layoutFor(c: number): { blocks: number; step: number } {
  if (c >= 0.999) return { blocks: 1, step: 1 };
  let best = { blocks: 1, step: SCATTER, error: Math.abs(c) };
  for (let blocks = 1; blocks <= 32; blocks++) {
    for (const step of [1, 2, 3, 4, 5, 6, 8, 10, 12, 16, 20, 25, 32, 50, SCATTER]) {
      const reach = 1 - (1 - (step === SCATTER ? 0 : 1 / step)) / (blocks * blocks);
      if (Math.abs(reach - c) < best.error) best = { blocks, step, error: Math.abs(reach - c) };
    }
  }
  return best;
}

/**
 * Whether the rows of one value lie next to each other (a step of 1 keeps
 * rows in value order inside each block), which ANALYZE's block sample
 * sees as fewer values (see distinct-estimate.ts).
 */
export function keepsValuesTogether(shape: ValueShape): boolean {
  const nulls = Math.min(1, Math.max(0, shape.nulls));
  return layoutFor(Math.abs(valueOrderCorrelation(shape.correlation, tieShare(shape, nulls)))).step === 1;
}

function affine(offset: number, size: number, step: number, salt: number): number {
  if (size <= 1) return 0;
  if (step !== SCATTER) return interleave(offset, size, step);
  let k = Math.round(size * 0.6180339887);
  while (gcd(k, size) !== 1) k++;
  return (k * offset + salt) % size;
}

/**
 * Position → value for k ascending runs (0, k, 2k …, then 1, k+1 …): a
 * bijection for any size, the first size mod k runs one longer.
 */
function interleave(offset: number, size: number, k: number): number {
  if (k <= 1) return offset;
  const q = Math.floor(size / k);
  const r = size % k;
  const long = r * (q + 1);
  if (offset < long) return (offset % (q + 1)) * k + Math.floor(offset / (q + 1));
  const rest = offset - long;
  return (rest % q) * k + r + Math.floor(rest / q);
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}
