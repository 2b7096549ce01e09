import { describe, expect, it } from 'vitest';
import { shapeDistance, shapedOffsets, shapePosition } from '../../src/seed/histogram-shape.ts';

/** Production's order dates: most in the last tenth of the range. */
const RECENT = [0, 0.5, 0.8, 0.9, 0.95, 1];

describe('a histogram shape turned back into values', () => {
  it('places a quantile between the bounds around it', () => {
    expect(shapePosition([0, 0.1, 1], 0)).toBe(0);
    expect(shapePosition([0, 0.1, 1], 0.25)).toBeCloseTo(0.05);
    expect(shapePosition([0, 0.1, 1], 0.5)).toBeCloseTo(0.1);
    expect(shapePosition([0, 0.1, 1], 1)).toBe(1);
  });

  it('gives every rank its own offset, in rank order, inside the span, the common ranks first', () => {
    for (const [common, distinct, span] of [[0, 1000, 100_000], [10, 1000, 1010], [3, 7_000_000, 10_000_000], [0, 50, 50]] as const) {
      const offset = shapedOffsets(RECENT, common, distinct, span);
      let previous = -1;
      for (let rank = 0; rank < distinct; rank += Math.max(1, Math.floor(distinct / 5000))) {
        const value = offset(rank);
        expect(value, `rank ${rank} of ${distinct} in ${span}`).toBeGreaterThan(previous);
        expect(Number.isInteger(value)).toBe(true);
        previous = value;
      }
      expect(offset(distinct - 1)).toBeLessThan(span);
      for (let rank = 0; rank < common; rank++) expect(offset(rank)).toBe(rank);
    }
  });

  it('spreads the values as the shape says when there is room, and one step per rank when there is none', () => {
    const offset = shapedOffsets(RECENT, 0, 1001, 1_000_000);
    const seeded = [0, 200, 400, 600, 800, 1000].map((rank) => offset(rank) / offset(1000));
    expect(shapeDistance(seeded, RECENT)).toBeLessThan(0.01);
    expect(shapedOffsets(RECENT, 0, 100, 100)(42)).toBe(42);
  });

  it('measures how far apart two shapes are, whatever their number of bounds', () => {
    expect(shapeDistance([0, 1], [0, 0.5, 1])).toBe(0);
    expect(shapeDistance(RECENT, [0, 1])).toBeCloseTo(0.4); // at the 40th percentile: 0.8 of the range against 0.4
  });
});
