import { sampleInt, scatter, type Distribution, type Pick } from './distribution.ts';

/**
 * Splits `total` rows over `parents` parents, weighted by `skew`: with a
 * Zipf skew the parent of rank k gets a share ∝ k^-s (power-law sizes, one
 * very large school), ranks scattered over the parents. Only the first
 * `activeShare` of the ranks get rows (most users follow somebody, many
 * nobody). Returns prefix offsets: the rows of parent p are offsets[p] ..
 * offsets[p+1]-1. Exact: the counts add up to `total` unless `maxPerParent`
 * caps them.
 */
export function spreadRows(parents: number, total: number, skew: Pick, salt: number, maxPerParent = Infinity, minPerParent = 0, activeShare = 1): Float64Array {
  const counts = new Float64Array(parents);
  if (parents === 0) return new Float64Array(1);
  const active = Math.max(1, Math.min(parents, Math.round(parents * activeShare)));
  const s = skew.kind === 'zipf' ? skew.s : 0;
  const parentOfRank = (rank: number) => (s === 0 ? rank : scatter(rank, parents, salt));
  let weightSum = 0;
  for (let rank = 0; rank < active; rank++) weightSum += Math.pow(rank + 1, -s);
  const spare = Math.max(0, total - minPerParent * active);
  let assigned = 0;
  for (let rank = 0; rank < active; rank++) {
    const count = Math.min(maxPerParent, minPerParent + Math.floor((spare * Math.pow(rank + 1, -s)) / weightSum));
    counts[parentOfRank(rank)] = count;
    assigned += count;
  }
  for (let step = 0; assigned < total && step < active * 4; step++) {
    const parent = parentOfRank(step % active);
    if (counts[parent]! >= maxPerParent) continue;
    counts[parent]! += 1;
    assigned += 1;
  }
  return prefixOffsets(counts);
}

/** Each parent gets a count drawn from `each` (at least 0, at most maxPerParent). */
export function drawRowsPerParent(parents: number, each: Distribution, stream: number, maxPerParent = Infinity): Float64Array {
  const counts = new Float64Array(parents);
  for (let parent = 0; parent < parents; parent++) counts[parent] = Math.min(maxPerParent, Math.max(0, sampleInt(each, stream, parent)));
  return prefixOffsets(counts);
}

function prefixOffsets(counts: Float64Array): Float64Array {
  const offsets = new Float64Array(counts.length + 1);
  for (let i = 0; i < counts.length; i++) offsets[i + 1] = offsets[i]! + counts[i]!;
  return offsets;
}

/** The parent whose rows include `row`: binary search in prefix offsets. */
export function parentOfRow(offsets: Float64Array, row: number): number {
  let lo = 0;
  let hi = offsets.length - 2;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (offsets[mid]! <= row) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
