import { scatter, zipfRank, type Pick } from './distribution.ts';
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

/** Up to this many picks a linear scan beats a Set. */
const SMALL = 24;

/**
 * `count` different rows of a table of `n` rows for one parent (the
 * followees of one follower, the products of one order), popular rows most
 * often, never `exclude` (a user does not follow themselves). A pure
 * function of (stream, parent): draws by `pick` and skips repeats, then,
 * when the popular rows are used up, takes the next free rows in order.
 */
export function distinctPicks(n: number, count: number, pick: Pick, stream: number, targetSalt: number, parent: number, exclude = -1): number[] {
  const picked: number[] = [];
  const seen = count > SMALL ? new Set<number>() : undefined;
  const has = (row: number) => (seen ? seen.has(row) : picked.includes(row));
  const add = (row: number) => {
    picked.push(row);
    seen?.add(row);
  };
  const attempts = count * 4 + 8;
  for (let draw = 0; picked.length < count && draw < attempts; draw++) {
    const row = popularRow(pick, n, targetSalt, randomUnit(stream, parent, draw));
    if (row !== exclude && !has(row)) add(row);
  }
  const start = randomBelow(n, stream, parent, attempts);
  for (let k = 0; picked.length < count && k < n; k++) {
    const row = (start + k) % n;
    if (row !== exclude && !has(row)) add(row);
  }
  return picked;
}
