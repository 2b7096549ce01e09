/**
 * A counter-based PRNG: every draw is a pure function of (stream, row, draw),
 * so any value of any row can be recomputed on demand (a foreign key can ask
 * for its parent's `starts_at` without storing it) and tables can be
 * generated in any order, in parallel, with identical results.
 */

/** A 32-bit avalanche mix (lowbias32 by Chris Wellons). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** A stream id from a seed and names, e.g. streamId(42, 'teachers', 'email'). */
export function streamId(seed: number, ...names: string[]): number {
  let h = mix32(seed ^ 0x9e3779b9);
  for (const name of names) {
    for (let i = 0; i < name.length; i++) h = mix32(h ^ name.charCodeAt(i)) + 0x632be5ab;
    h = mix32(h ^ 0x5bd1e995);
  }
  return h >>> 0;
}

/** Uniform 32-bit integer for a row; `draw` separates several draws in one row. */
export function randomU32(stream: number, row: number, draw = 0): number {
  const hi = row > 0xffffffff ? Math.floor(row / 0x100000000) : 0;
  // The second stream xor keeps rows of different streams that collide after the first mix apart.
  return mix32((mix32(stream ^ row) + hi + Math.imul(draw + 1, 0x9e3779b9)) ^ stream);
}

/** Uniform in [0, 1). */
export function randomUnit(stream: number, row: number, draw = 0): number {
  return randomU32(stream, row, draw) / 0x100000000;
}

/** Uniform integer in [0, n). */
export function randomBelow(n: number, stream: number, row: number, draw = 0): number {
  if (n <= 0x100000000) return Math.floor(randomUnit(stream, row, draw) * n);
  const fine = randomUnit(stream, row, draw) + randomUnit(stream, row, draw + 1000) / 0x100000000;
  return Math.min(n - 1, Math.floor(fine * n));
}
