/**
 * How k6 splits one load between runners: each runner runs one
 * `--execution-segment` of the same `--execution-segment-sequence`, and k6
 * gives each segment its share of every scenario's VUs and arrivals (rounded
 * so the shares add up to the whole).
 */
export interface ExecutionSegments {
  /** `--execution-segment-sequence`, e.g. `0,1/3,2/3,1`. */
  sequence: string;
  /** One `--execution-segment` per runner, e.g. `1/3:2/3`. */
  segments: string[];
}

/**
 * Equal segments for `runners` runners.
 *
 * @example
 * planExecutionSegments(2) // { sequence: '0,1/2,1', segments: ['0:1/2', '1/2:1'] }
 */
export function planExecutionSegments(runners: number): ExecutionSegments {
  if (!Number.isInteger(runners) || runners < 1) throw new RangeError(`runners must be a whole number of at least 1, got ${runners}`);
  const points = Array.from({ length: runners + 1 }, (_, index) => fraction(index, runners));
  return { sequence: points.join(','), segments: points.slice(0, -1).map((point, index) => `${point}:${points[index + 1]}`) };
}

/** k6's rational notation, reduced: 0, 1, 1/2 (not 2/4). */
function fraction(numerator: number, denominator: number): string {
  if (numerator === 0) return '0';
  if (numerator === denominator) return '1';
  const divisor = greatestCommonDivisor(numerator, denominator);
  return `${numerator / divisor}/${denominator / divisor}`;
}

function greatestCommonDivisor(a: number, b: number): number {
  return b === 0 ? a : greatestCommonDivisor(b, a % b);
}
