/** The two sides of an A/B rehearsal: A the baseline, B the candidate. */
export type AbSide = 'baseline' | 'candidate';

/**
 * The order of the runs of pair `pair` (1-based): A B, then B A, then A B …
 * (A B B A A B …), so neither side always runs first, on a machine that is
 * still warming up or heating up over the rehearsal.
 */
export function pairOrder(pair: number): [AbSide, AbSide] {
  return pair % 2 === 1 ? ['baseline', 'candidate'] : ['candidate', 'baseline'];
}
