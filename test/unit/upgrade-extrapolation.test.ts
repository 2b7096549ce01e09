import { describe, expect, it } from 'vitest';
import { formatClock } from '../../src/analyze/format-number.ts';
import { extrapolateDowntime } from '../../src/upgrade/extrapolate-downtime.ts';

describe('the upgrade downtime at production size', () => {
  it('scales data, keys, indexes and foreign keys with the rows, and says so with the measured rate', () => {
    const steps = [
      { name: 'schema', seconds: 0.5 },
      { name: 'data', seconds: 2 },
      { name: 'sequences', seconds: 0.1 },
      { name: 'keys and indexes', seconds: 1 },
      { name: 'foreign keys', seconds: 0.5 },
      { name: 'analyze', seconds: 0.4 },
    ] as const;
    const estimate = extrapolateDowntime(steps, [{ rows: 700_000 }, { rows: 60_000 }], 4_200_000_000);
    expect(estimate.rowsPerSecond).toBe(380_000);
    expect(estimate.factor).toBeCloseTo(5526.3, 1);
    expect(estimate.untilOpenSeconds).toBeCloseTo(0.6 + 3.5 * 5526.3, 0);
    expect(estimate.sentence).toBe(
      '4,200,000,000 rows at the measured 380,000 rows/s: about 5 h 22 min until the new server opens (data 3 h 04 min, keys and indexes 1 h 32 min, foreign keys 46 min 03 s), then 0.4 s of ANALYZE without statistics',
    );
    expect(estimate.model).toContain('at most 30,000 per table');
  });

  it('grows ANALYZE with the rows it samples only: at most 30,000 per table', () => {
    const estimate = extrapolateDowntime([{ name: 'analyze', seconds: 1 }], [{ rows: 10_000 }, { rows: 10_000 }], 2_000_000);
    // Each table read whole now (10,000 rows); at production ANALYZE samples 30,000 of its 1,000,000.
    expect(estimate.steps).toEqual([{ name: 'analyze', seconds: 3 }]);
  });

  it('says wall-clock lengths as a person does', () => {
    expect([formatClock(4.25), formatClock(42), formatClock(725), formatClock(11_100)]).toEqual(['4.3 s', '42 s', '12 min 05 s', '3 h 05 min']);
  });
});
