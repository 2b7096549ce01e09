import { randomUnit } from './prng.ts';

/**
 * How a number is drawn. Integers are inclusive of min and max.
 * `zipf` is a power law over min..max: min is the most frequent value.
 */
export type Distribution =
  | { kind: 'constant'; value: number }
  | { kind: 'uniform'; min: number; max: number }
  | { kind: 'normal'; mean: number; sd: number; min?: number; max?: number }
  | { kind: 'zipf'; s: number; min: number; max: number };

/**
 * How one of n items (parent rows, enum labels) is picked: uniformly, or
 * skewed so a few are hot (`zipf`, exponent s ≈ 1 is production-like).
 */
export type Pick = { kind: 'uniform' } | { kind: 'zipf'; s: number };

/** A standard normal from two uniforms (Box–Muller). */
function standardNormal(u1: number, u2: number): number {
  return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
}

/**
 * A rank in [0, n) drawn from a bounded power law by inverting the continuous
 * Zipf CDF: O(1) time and memory, no table per n.
 */
export function zipfRank(n: number, s: number, u: number): number {
  if (n <= 1) return 0;
  let x: number;
  if (Math.abs(s - 1) < 1e-9) x = Math.pow(n + 1, u);
  else {
    if (n !== cached.n || s !== cached.s) cached = { n, s, span: Math.pow(n + 1, 1 - s) - 1, inverse: 1 / (1 - s) };
    x = Math.pow(cached.span * u + 1, cached.inverse);
  }
  return Math.min(n - 1, Math.max(0, Math.floor(x) - 1));
}

/** Consecutive rows mostly draw over the same n (a table, or one parent's run). */
let cached = { n: -1, s: 0, span: 0, inverse: 0 };

/**
 * zipfRank for a fixed n and s, its constants computed once: a row that
 * picks from two tables (an article, and that article's author) would
 * otherwise recompute them for every pick, two Math.pow calls each.
 */
export function zipfRanker(n: number, s: number): (u: number) => number {
  if (n <= 1) return () => 0;
  if (Math.abs(s - 1) < 1e-9) return (u) => Math.min(n - 1, Math.max(0, Math.floor(Math.pow(n + 1, u)) - 1));
  const span = Math.pow(n + 1, 1 - s) - 1;
  const inverse = 1 / (1 - s);
  return (u) => Math.min(n - 1, Math.max(0, Math.floor(Math.pow(span * u + 1, inverse)) - 1));
}

/** A real number from a distribution (not rounded). */
export function sampleReal(distribution: Distribution, stream: number, row: number, draw = 0): number {
  switch (distribution.kind) {
    case 'constant':
      return distribution.value;
    case 'uniform':
      return distribution.min + randomUnit(stream, row, draw) * (distribution.max - distribution.min);
    case 'normal': {
      const value = distribution.mean + distribution.sd * standardNormal(randomUnit(stream, row, draw), randomUnit(stream, row, draw + 1));
      return clamp(value, distribution.min ?? -Infinity, distribution.max ?? Infinity);
    }
    case 'zipf':
      return distribution.min + zipfRank(distribution.max - distribution.min + 1, distribution.s, randomUnit(stream, row, draw));
  }
}

/** An integer from a distribution, inclusive bounds. */
export function sampleInt(distribution: Distribution, stream: number, row: number, draw = 0): number {
  if (distribution.kind === 'uniform') {
    const span = Math.floor(distribution.max) - Math.ceil(distribution.min) + 1;
    return Math.ceil(distribution.min) + Math.floor(randomUnit(stream, row, draw) * span);
  }
  const value = Math.round(sampleReal(distribution, stream, row, draw));
  if (distribution.kind === 'normal') return clamp(value, Math.ceil(distribution.min ?? -Infinity), Math.floor(distribution.max ?? Infinity));
  return value;
}

/** The mean of a distribution (used to size tables whose rows come per parent). */
export function meanOf(distribution: Distribution): number {
  switch (distribution.kind) {
    case 'constant':
      return distribution.value;
    case 'uniform':
      return (distribution.min + distribution.max) / 2;
    case 'normal':
      return distribution.mean;
    case 'zipf': {
      const n = distribution.max - distribution.min + 1;
      let weights = 0;
      let weighted = 0;
      for (let k = 1; k <= Math.min(n, 100_000); k++) {
        const w = Math.pow(k, -distribution.s);
        weights += w;
        weighted += w * (k - 1);
      }
      return distribution.min + weighted / weights;
    }
  }
}

/**
 * Scatters ranks over [0, n) with an affine bijection (7919 is prime), so the
 * hot parents of a skewed pick are spread over the table instead of being
 * ids 1, 2, 3.
 */
export function scatter(rank: number, n: number, salt: number): number {
  if (n <= 1) return 0;
  const step = n % 7919 === 0 ? 1 : 7919;
  return (rank * step + (salt % n)) % n;
}

/** An index in [0, n) picked by `pick`. */
export function pickIndex(pick: Pick, n: number, stream: number, row: number, draw = 0): number {
  const u = randomUnit(stream, row, draw);
  if (pick.kind === 'uniform') return Math.floor(u * n);
  return scatter(zipfRank(n, pick.s, u), n, stream);
}

function clamp(value: number, min: number, max: number): number {
  return value < min ? min : value > max ? max : value;
}
