/**
 * The two-sided Mann-Whitney U test of two small samples (a run's p95 per
 * repeat): exact when no value repeats, else the normal approximation with
 * the tie correction and a continuity correction. A rank test because a
 * run's p95 is skewed by the odd slow run, which a t-test would weigh.
 */
export function mannWhitneyPValue(a: readonly number[], b: readonly number[]): number {
  if (a.length === 0 || b.length === 0) return 1;
  const { u, ties } = uStatistic(a, b);
  return ties ? normalPValue(u, a.length, b.length, ties) : exactPValue(u, a.length, b.length);
}

/** The smallest two-sided p-value the exact test can give for these sizes: every value of one side beyond every value of the other. */
export function smallestPValue(n: number, m: number): number {
  return Math.min(1, 2 / binomial(n + m, n));
}

/** U of `a` (pairs where a's value is larger, ties counting half), and Σ(t³ − t) over groups of tied values (0: none). */
function uStatistic(a: readonly number[], b: readonly number[]): { u: number; ties: number } {
  const all = [...a.map((value) => ({ value, first: true })), ...b.map((value) => ({ value, first: false }))].sort((x, y) => x.value - y.value);
  let rankSum = 0;
  let ties = 0;
  for (let start = 0; start < all.length; ) {
    let end = start;
    while (end + 1 < all.length && all[end + 1]!.value === all[start]!.value) end += 1;
    const rank = (start + end) / 2 + 1;
    const size = end - start + 1;
    ties += size ** 3 - size;
    for (let index = start; index <= end; index += 1) if (all[index]!.first) rankSum += rank;
    start = end + 1;
  }
  return { u: rankSum - (a.length * (a.length + 1)) / 2, ties };
}

/** P(U ≤ u) and P(U ≥ u) from the exact null distribution (counts of rank arrangements), doubled. */
function exactPValue(u: number, n: number, m: number): number {
  const counts = uCounts(n, m);
  const total = counts.reduce((sum, count) => sum + count, 0);
  const below = counts.slice(0, Math.floor(u) + 1).reduce((sum, count) => sum + count, 0) / total;
  const above = counts.slice(Math.ceil(u)).reduce((sum, count) => sum + count, 0) / total;
  return Math.min(1, 2 * Math.min(below, above));
}

/** How many arrangements of n and m values give each U = 0 … n·m (the recurrence f(n, m) = f(n − 1, m) shifted by m + f(n, m − 1)). */
function uCounts(n: number, m: number): number[] {
  let table: number[][] = Array.from({ length: m + 1 }, () => [1]);
  for (let i = 1; i <= n; i += 1) {
    const next: number[][] = [[1]];
    for (let j = 1; j <= m; j += 1) {
      const counts = new Array<number>(i * j + 1).fill(0);
      table[j]!.forEach((count, k) => (counts[k + j]! += count));
      next[j - 1]!.forEach((count, k) => (counts[k]! += count));
      next.push(counts);
    }
    table = next;
  }
  return table[m]!;
}

function normalPValue(u: number, n: number, m: number, ties: number): number {
  const total = n + m;
  const variance = ((n * m) / 12) * (total + 1 - ties / (total * (total - 1)));
  if (variance <= 0) return 1;
  const distance = Math.max(0, Math.abs(u - (n * m) / 2) - 0.5);
  return Math.min(1, 2 * upperNormalTail(distance / Math.sqrt(variance)));
}

/** P(Z > z) for a standard normal (Abramowitz–Stegun 7.1.26 on erfc, error < 1.5e-7). */
function upperNormalTail(z: number): number {
  const x = z / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return (poly * Math.exp(-x * x)) / 2;
}

function binomial(n: number, k: number): number {
  let result = 1;
  for (let i = 1; i <= k; i += 1) result = (result * (n - k + i)) / i;
  return result;
}
