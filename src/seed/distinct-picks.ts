import { scatter, zipfRank, zipfRanker, type Pick } from './distribution.ts';
import { randomBelow, randomUnit } from './prng.ts';

/**
 * Which rows of a table are popular is a property of the table, not of one
 * reference to it: the article most favourited is also the most commented.
 * A Zipf rank is turned into a row by one affine scatter per target table
 * (so the hot rows are spread over the table, not ids 1, 2, 3).
 */
export function popularRow(pick: Pick, n: number, targetSalt: number, u: number): number {
  if (pick.kind === 'uniform') return Math.floor(u * n);
  return scatter(zipfRank(n, pick.s, u), n, targetSalt);
}

/** popularRow for a table of a fixed size, its constants computed once. */
export function popularRows(pick: Pick, n: number, targetSalt: number): (u: number) => number {
  if (pick.kind === 'uniform') return (u) => Math.floor(u * n);
  const rank = zipfRanker(n, pick.s);
  return (u) => scatter(rank(u), n, targetSalt);
}

/** Up to this many picks a linear scan beats a Set. */
const SMALL = 24;

/**
 * `count` different rows of a table of `n` rows for one parent (the
 * followees of one follower, the products of one order), popular rows most
 * often, never `exclude` (a user does not follow themselves). A pure
 * function of (stream, parent): draws by `pick` and skips repeats, then,
 * when the popular rows are used up, takes the next free rows in order.
 * With `laidOut` (a profile's shape laid over the table's rows), the k-th
 * pick of a run starting at table row r is first tried as laidOut(r + k):
 * exact shares instead of draws, so as many values as the shape holds.
 * Reuses its buffers: the picks of one parent are read while the next is
 * drawn only by the caller that holds them.
 */
export class DistinctPicker {
  private buffer = new Int32Array(SMALL);
  private readonly seen = new Set<number>();
  /** `popular` turns a uniform draw into a row: popularRows for a skew, or a profile's shape. */
  constructor(
    private readonly n: number,
    private readonly popular: (u: number) => number,
    private readonly stream: number,
    private readonly laidOut?: (row: number) => number,
  ) {}

  /** The picks of `parent`, valid until the next call. (No closures here: tsx names every one it creates, per call.) */
  picks(parent: number, count: number, exclude = -1, firstRow = 0): Int32Array {
    if (this.buffer.length < count) this.buffer = new Int32Array(count * 2);
    const picked = this.buffer;
    const large = count > SMALL;
    if (large) this.seen.clear();
    let length = 0;
    const attempts = count * 4 + 8;
    for (let draw = 0; length < count && draw < attempts; draw++) {
      const row = this.laidOut && draw < count ? this.laidOut(firstRow + draw) : this.popular(randomUnit(this.stream, parent, draw));
      if (row === exclude || this.taken(row, length, large)) continue;
      picked[length++] = row;
      if (large) this.seen.add(row);
    }
    if (length < count) {
      const start = randomBelow(this.n, this.stream, parent, attempts);
      for (let k = 0; length < count && k < this.n; k++) {
        const row = (start + k) % this.n;
        if (row === exclude || this.taken(row, length, large)) continue;
        picked[length++] = row;
        if (large) this.seen.add(row);
      }
    }
    return picked.subarray(0, length);
  }

  private taken(row: number, length: number, large: boolean): boolean {
    if (large) return this.seen.has(row);
    const picked = this.buffer;
    for (let i = 0; i < length; i++) if (picked[i] === row) return true;
    return false;
  }
}
