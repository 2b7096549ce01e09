/**
 * A profile's histogram shape (pg_stats.histogram_bounds placed on [0, 1],
 * see profile/capture-profile.ts) turned back into values. The bounds split
 * the rows that are not most-common values into equal shares, so where the
 * k-th of m bounds falls says how far along the range that quantile lies:
 * production's order dates bunched in the last month, amounts mostly small.
 */

/** Where the q-th quantile (0..1) of the rows falls on [0, 1], by linear interpolation between the bounds. */
export function shapePosition(shape: readonly number[], q: number): number {
  if (shape.length < 2) return q;
  const x = Math.min(1, Math.max(0, q)) * (shape.length - 1);
  const i = Math.min(Math.floor(x), shape.length - 2);
  return shape[i]! + (x - i) * (shape[i + 1]! - shape[i]!);
}

/** Above this many values a table of offsets costs too much memory: the offsets are computed per rank instead. */
const MAX_TABULATED = 5_000_000;

/**
 * Rank → offset in [0, span), strictly increasing, so distinct ranks stay
 * distinct values and values sort like ranks (the physical order ranks
 * carry is kept). The `common` most-common ranks take the first offsets;
 * each other rank goes where the shape puts its quantile, moved just enough
 * that every value stays distinct and fits. With no room to spare
 * (span = distinct) the offsets are the ranks.
 *
 * @example
 * const offset = shapedOffsets([0, 0.01, 0.05, 0.2, 1], 2, 100, 10_000);
 * offset(2); // 2: the first value after the common ones
 * offset(99); // 9_999: the last
 */
export function shapedOffsets(shape: readonly number[], common: number, distinct: number, span: number): (rank: number) => number {
  const room = Math.max(0, Math.floor(span) - distinct);
  const rest = distinct - common;
  if (room === 0 || rest <= 0) return (rank) => rank;
  const last = rest + room - 1;
  const quantile = (j: number) => (rest > 1 ? j / (rest - 1) : 0);
  const placed = rest <= MAX_TABULATED ? tabulated(rest, last, (j) => Math.round(shapePosition(shape, quantile(j)) * last)) : undefined;
  // Too many to tabulate: one step per rank plus the room spread by the shape, which is close when the room is large.
  const offset = placed ? (j: number) => placed[j]! : (j: number) => j + Math.floor(shapePosition(shape, quantile(j)) * room);
  return (rank) => (rank < common ? rank : common + offset(rank - common));
}

/**
 * Offsets 0..last for `count` values, each as near its wanted place as
 * keeping them strictly increasing allows: pushed up past the one before,
 * then pulled down under the one after (and under last).
 */
function tabulated(count: number, last: number, wanted: (j: number) => number): Float64Array {
  const offsets = new Float64Array(count);
  let previous = -1;
  for (let j = 0; j < count; j++) previous = offsets[j] = Math.max(previous + 1, wanted(j));
  let next = last + 1;
  for (let j = count - 1; j >= 0; j--) next = offsets[j] = Math.min(next - 1, offsets[j]!);
  return offsets;
}

/**
 * How far apart two shapes are: the largest gap between their positions at
 * the same quantile (0 = alike, 1 = opposite ends), over 101 quantiles, so
 * shapes of different bound counts compare.
 */
export function shapeDistance(a: readonly number[], b: readonly number[]): number {
  let largest = 0;
  for (let k = 0; k <= 100; k++) largest = Math.max(largest, Math.abs(shapePosition(a, k / 100) - shapePosition(b, k / 100)));
  return largest;
}
