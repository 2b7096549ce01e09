import { describe, expect, it } from 'vitest';
import { expectedDistinctEstimate, fittedDistinct, tailGroups } from '../../src/seed/distinct-estimate.ts';

/** A large table as ANALYZE meets it at the default target: 30,000 rows from 30,000 of 50,000 pages. */
const LARGE = { tableRows: 3_000_000, nulls: 0, sampleRows: 30_000, rowsPerPage: 60 };

describe('the distinct count ANALYZE will estimate', () => {
  it('is the true count for even values scattered over the table', () => {
    for (const rows of [4, 75, 300]) {
      const estimate = expectedDistinctEstimate([{ rows, count: 3_000_000 / rows }], { ...LARGE, together: false });
      expect(estimate / (3_000_000 / rows), `${rows} rows a value`).toBeCloseTo(1, 2);
    }
  });

  it('is the exact count when ANALYZE reads every row', () => {
    expect(expectedDistinctEstimate(tailGroups([0.5], 1000, 20_000), { tableRows: 20_000, nulls: 0, sampleRows: 30_000, rowsPerPage: 100, together: true })).toBeCloseTo(1000, 6);
  });

  it('falls short when common values take most of the sample, or a value\'s rows share a page', () => {
    const even = expectedDistinctEstimate(tailGroups([], 40_000, 3_000_000), { ...LARGE, together: false });
    const headed = expectedDistinctEstimate(tailGroups(Array(100).fill(0.005), 40_000, 3_000_000), { ...LARGE, together: false });
    const together = expectedDistinctEstimate(tailGroups([], 750_000, 3_000_000), { ...LARGE, together: true });
    expect(even).toBeCloseTo(40_000, -2);
    expect(headed).toBeLessThan(40_000 * 0.85);
    expect(together).toBeLessThan(750_000 * 0.8);
  });

  it('leaves out the NULLs, as ANALYZE does', () => {
    const estimate = expectedDistinctEstimate(tailGroups([], 10_000, 1_500_000), { ...LARGE, nulls: 0.5, together: false });
    expect(estimate).toBeCloseTo(10_000, -2);
  });
});

describe('the distinct count to seed', () => {
  it('is the one whose expected estimate is the target, never below it and never above the most', () => {
    const common = Array(100).fill(0.003);
    const inputs = { ...LARGE, together: true, common, target: 39_000, most: 120_000 };
    const distinct = fittedDistinct(inputs);
    expect(distinct).toBeGreaterThan(39_000);
    expect(expectedDistinctEstimate(tailGroups(common, distinct, 3_000_000), inputs) / 39_000).toBeCloseTo(1, 2);
    expect(fittedDistinct({ ...inputs, most: 40_000 })).toBe(40_000);
    // Even values scattered: the estimate is the count already, so (near enough) the target itself.
    expect(fittedDistinct({ ...inputs, together: false, common: [] }) / 39_000).toBeCloseTo(1, 2);
  });

  it('splits a fractional share of rows into whole rows', () => {
    expect(tailGroups([0.5], 5, 10)).toEqual([{ rows: 5, count: 1 }, { rows: 1, count: 3 }, { rows: 2, count: 1 }]);
  });
});
