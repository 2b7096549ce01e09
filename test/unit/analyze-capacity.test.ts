import { describe, expect, it } from 'vitest';
import { headroom, judgeSteps, measureCapacity, type CapacityBudget, type StepMeasure } from '../../src/analyze/capacity-rule.ts';
import { seededRandom } from '../../src/analyze/statistics.ts';

interface PageLoad {
  p95: number;
  p99?: number;
  requests?: number;
  errors?: number;
}

interface StepShape {
  achieved?: number;
  dropped?: number;
  seconds?: number;
  /** Relative spread of the per-second p95s and request counts around the step's values (0: every second alike). */
  noise?: number;
}

/** A measured plateau whose per-second timeline agrees with its histograms; `noise` wobbles the seconds, seeded by the step. */
function step(index: number, offered: number, pages: Record<string, PageLoad>, shape: StepShape = {}): StepMeasure {
  const secondsCount = shape.seconds ?? 30;
  const random = seededRandom(1000 + index);
  const wobble = () => 1 + (shape.noise ?? 0) * (random() * 2 - 1);
  const seconds = Array.from({ length: secondsCount }, (_, second) => ({
    time: Date.UTC(2026, 10, 30) + (index * secondsCount + second) * 1000,
    pages: Object.fromEntries(
      Object.entries(pages).map(([name, load]) => {
        const requests = load.requests ?? offered * secondsCount;
        const errors = load.errors ?? 0;
        const share = (n: number) => Math.round((n * (second + 1)) / secondsCount) - Math.round((n * second) / secondsCount);
        return [name, { requests: Math.max(1, Math.round(share(requests) * wobble())), errors: share(errors), p50: load.p95 / 2, p95: load.p95 * wobble() }];
      }),
    ),
  }));
  const planned = offered * secondsCount;
  const dropped = shape.dropped ?? 0;
  return {
    index,
    offered,
    achieved: shape.achieved ?? (planned - dropped) / secondsCount,
    planned,
    dropped,
    pages: Object.fromEntries(
      Object.entries(pages).map(([name, load]) => [name, { requests: load.requests ?? planned, errors: load.errors ?? 0, p50: load.p95 / 2, p95: load.p95, p99: load.p99 ?? load.p95 * 1.5 }]),
    ),
    seconds,
  };
}

const feedP95: CapacityBudget = { page: 'Feed', metric: 'p95', limit: 300 };

/** Feed's p95 rises with the offered rate: 100, 150, 250, 400, 700 ms at 10…50 arrivals/s. */
function rising(noise = 0): StepMeasure[] {
  return [100, 150, 250, 400, 700].map((p95, index) => step(index, (index + 1) * 10, { Feed: { p95 } }, { noise }));
}

describe('judging the steps of a stepped load', () => {
  it('holds a step within every budget that delivered what was offered', () => {
    const [verdict] = judgeSteps([step(0, 10, { Feed: { p95: 120 }, Login: { p95: 80 } })], [feedP95, { page: 'Login', metric: 'errorRate', limit: 0.01 }]);
    expect(verdict).toEqual({ index: 0, holds: true, broken: [], notDelivered: null });
  });

  it('breaks a page budget on that page only, with the value measured', () => {
    const steps = [step(0, 10, { Feed: { p95: 320 }, Login: { p95: 900 } })];
    const [verdict] = judgeSteps(steps, [feedP95, { page: 'Feed', metric: 'p99', limit: 500 }]);
    expect(verdict!.holds).toBe(false);
    expect(verdict!.broken).toEqual([{ budget: feedP95, value: 320 }]);
    expect(verdict!.notDelivered).toBeNull();
  });

  it('judges a budget over every request on the slowest page and on all errors over all requests', () => {
    const steps = [step(0, 10, { Feed: { p95: 120, requests: 900, errors: 0 }, Login: { p95: 450, requests: 100, errors: 30 } })];
    const everyRequest: CapacityBudget[] = [
      { page: null, metric: 'p95', limit: 400 },
      { page: null, metric: 'errorRate', limit: 0.02 },
    ];
    expect(judgeSteps(steps, everyRequest)[0]!.broken).toEqual([
      { budget: everyRequest[0], value: 450 },
      { budget: everyRequest[1], value: 0.03 },
    ]);
  });

  it('does not judge a page budget at a step where the page had no request', () => {
    const [verdict] = judgeSteps([step(0, 10, { Login: { p95: 80 } })], [feedP95]);
    expect(verdict!.holds).toBe(true);
  });

  it('fails a step that achieved less than 95 % of the offered rate, and holds one within it', () => {
    const verdicts = judgeSteps([step(0, 30, { Feed: { p95: 100 } }, { achieved: 28.1 }), step(1, 30, { Feed: { p95: 100 } }, { achieved: 28.6 })], [feedP95]);
    expect(verdicts[0]).toMatchObject({ holds: false, broken: [], notDelivered: 'achieved 28.1 of 30 arrivals/s (-6.3 %)' });
    expect(verdicts[1]).toMatchObject({ holds: true, notDelivered: null });
    expect(judgeSteps([step(0, 30, { Feed: { p95: 100 } }, { achieved: 28.6 })], [feedP95], { achievedTolerance: 0.04 })[0]!.holds).toBe(false);
  });

  it('fails a step that dropped arrivals, even with the rate delivered', () => {
    const [dropped, both] = judgeSteps(
      [step(0, 30, { Feed: { p95: 100 } }, { dropped: 12, achieved: 29.6 }), step(1, 30, { Feed: { p95: 100 } }, { dropped: 90, achieved: 27 })],
      [feedP95],
    );
    expect(dropped).toMatchObject({ holds: false, notDelivered: '12 arrivals dropped' });
    expect(both!.notDelivered).toBe('achieved 27 of 30 arrivals/s (-10.0 %), 90 arrivals dropped');
  });
});

describe('capacity from a stepped load', () => {
  it('interpolates where the broken budget crosses its limit between the last holding and the first failing step', () => {
    const result = measureCapacity(rising(), [feedP95]);
    // 250 ms at 30/s, 400 ms at 40/s: 300 ms a third of the way, at 33.3/s.
    expect(result.capacity).toBeCloseTo(30 + 10 / 3, 10);
    expect(result).toMatchObject({ bound: 'within', lastHolding: 2, firstFailing: 3, firstBroken: { budget: feedP95, value: 400, step: 3 } });
    expect(result.steps.map((verdict) => verdict.holds)).toEqual([true, true, true, false, false]);
  });

  it('interpolates a delivery failure on achieved/offered crossing 95 %', () => {
    const steps = [step(0, 20, { Feed: { p95: 100 } }), step(1, 30, { Feed: { p95: 100 } }, { achieved: 27 })];
    const result = measureCapacity(steps, [feedP95]);
    // Shortfall 0 at 20/s, 10 % at 30/s: 5 % half-way.
    expect(result.capacity).toBeCloseTo(25, 10);
    expect(result.firstBroken).toEqual({ notDelivered: 'achieved 27 of 30 arrivals/s (-10.0 %)', step: 1 });
  });

  it('puts the capacity at the last holding step when the first failing one dropped arrivals', () => {
    const steps = [step(0, 20, { Feed: { p95: 100 } }), step(1, 30, { Feed: { p95: 100 } }, { dropped: 3, achieved: 29.9 })];
    expect(measureCapacity(steps, [feedP95])).toMatchObject({ capacity: 20, bound: 'within', firstBroken: { notDelivered: '3 arrivals dropped', step: 1 } });
  });

  it('takes the earliest crossing when several budgets break at the first failing step', () => {
    const steps = [step(0, 10, { Feed: { p95: 250, errors: 0 } }), step(1, 20, { Feed: { p95: 310, errors: 9 } })];
    const errors: CapacityBudget = { page: 'Feed', metric: 'errorRate', limit: 0.01 };
    // p95 crosses 300 at 10 + 50/60 × 10 = 18.3/s; the error rate (0 → 9 of 600 = 1.5 %) crosses 1 % at 16.7/s.
    const result = measureCapacity(steps, [feedP95, errors]);
    expect(result.capacity).toBeCloseTo(10 + (10 * 2) / 3, 10);
    expect(result.firstBroken).toEqual({ budget: errors, value: 0.015, step: 1 });
    expect(result.steps[1]!.broken).toHaveLength(2);
  });

  it('judges a p99 budget on the steps p99', () => {
    const steps = [step(0, 10, { Feed: { p95: 200, p99: 400 } }), step(1, 20, { Feed: { p95: 300, p99: 800 } })];
    const result = measureCapacity(steps, [{ page: 'Feed', metric: 'p99', limit: 500 }]);
    expect(result.capacity).toBeCloseTo(12.5, 10);
    expect(result.interval).not.toBeNull();
  });

  it('follows the slowest page for a latency budget over every request', () => {
    const steps = [step(0, 10, { Feed: { p95: 200 }, Login: { p95: 100 } }, { noise: 0.1 }), step(1, 20, { Feed: { p95: 250 }, Login: { p95: 500 } }, { noise: 0.1 })];
    const everyRequest: CapacityBudget = { page: null, metric: 'p95', limit: 300 };
    // The slowest page goes from 200 ms (Feed) to 500 ms (Login): 300 ms a third of the way.
    const result = measureCapacity(steps, [everyRequest], { resamples: 500 });
    expect(result.capacity).toBeCloseTo(10 + 10 / 3, 10);
    expect(result.firstBroken).toEqual({ budget: everyRequest, value: 500, step: 1 });
    expect(result.interval!.low).toBeLessThan(result.capacity!);
    expect(result.interval!.high).toBeGreaterThan(result.capacity!);
  });

  it('stops at the first failing step, whatever steps above it do', () => {
    const steps = [step(0, 10, { Feed: { p95: 100 } }), step(1, 20, { Feed: { p95: 400 } }), step(2, 30, { Feed: { p95: 200 } })];
    expect(measureCapacity(steps, [feedP95])).toMatchObject({ lastHolding: 0, firstFailing: 1, bound: 'within' });
  });

  it('gives at least the highest step when no step broke, with no interval', () => {
    const steps = [step(0, 10, { Feed: { p95: 100 } }), step(1, 20, { Feed: { p95: 150 } })];
    expect(measureCapacity(steps, [feedP95])).toMatchObject({ capacity: 20, interval: null, bound: 'at-least', lastHolding: 1, firstFailing: null, firstBroken: null });
  });

  it('gives no capacity when the first step already broke, and says what broke', () => {
    const steps = [step(0, 10, { Feed: { p95: 350 } }), step(1, 20, { Feed: { p95: 500 } })];
    expect(measureCapacity(steps, [feedP95])).toMatchObject({
      capacity: null,
      interval: null,
      bound: 'below-first-step',
      lastHolding: null,
      firstFailing: 0,
      firstBroken: { budget: feedP95, value: 350, step: 0 },
    });
  });
});

describe('the capacity interval', () => {
  it('gives the same interval every time for the same steps and seed', () => {
    const first = measureCapacity(rising(0.3), [feedP95], { resamples: 400 });
    expect(measureCapacity(rising(0.3), [feedP95], { resamples: 400 })).toEqual(first);
    expect(measureCapacity(rising(0.3), [feedP95], { resamples: 400, seed: 99 }).interval).not.toEqual(first.interval);
  });

  it('collapses onto the capacity when every second of both steps is alike', () => {
    const result = measureCapacity(rising(), [feedP95], { resamples: 200 });
    expect(result.interval!.low).toBeCloseTo(result.capacity!, 10);
    expect(result.interval!.high).toBeCloseTo(result.capacity!, 10);
  });

  it('is narrow for steady seconds, wider for noisy ones, and stays between the bracketing steps', () => {
    const width = (noise: number) => {
      const { capacity, interval } = measureCapacity(rising(noise), [feedP95], { resamples: 1000 });
      expect(interval!.low).toBeLessThanOrEqual(capacity!);
      expect(interval!.high).toBeGreaterThanOrEqual(capacity!);
      expect(interval!.low).toBeGreaterThanOrEqual(30);
      expect(interval!.high).toBeLessThanOrEqual(40);
      return interval!.high - interval!.low;
    };
    const steady = width(0.05);
    const noisy = width(0.5);
    expect(steady).toBeLessThan(1);
    expect(noisy).toBeGreaterThan(2 * steady);
  });

  it('bootstraps error rates and delivery from the seconds too', () => {
    const errors: CapacityBudget = { page: 'Feed', metric: 'errorRate', limit: 0.01 };
    const steps = [step(0, 10, { Feed: { p95: 100, errors: 1 } }, { noise: 0.3 }), step(1, 20, { Feed: { p95: 100, errors: 12 } }, { noise: 0.3 })];
    const byErrors = measureCapacity(steps, [errors], { resamples: 500 });
    expect(byErrors.interval!.high).toBeGreaterThan(byErrors.interval!.low);
    const delivery = [step(0, 20, { Feed: { p95: 100 } }, { noise: 0.3 }), step(1, 30, { Feed: { p95: 100 } }, { achieved: 27, noise: 0.3 })];
    const byDelivery = measureCapacity(delivery, [feedP95], { resamples: 500 });
    expect(byDelivery.interval!.low).toBeLessThan(25);
    expect(byDelivery.interval!.high).toBeGreaterThan(25);
  });

  it('has none when a bracketing step kept no seconds', () => {
    const steps = rising();
    steps[3] = { ...steps[3]!, seconds: [] };
    expect(measureCapacity(steps, [feedP95]).interval).toBeNull();
  });
});

describe('headroom over the expected peak', () => {
  const result = measureCapacity(rising(0.3), [feedP95], { resamples: 400 });

  it('is the capacity over the peak, interval included', () => {
    const room = headroom(result, 10)!;
    expect(room.ratio).toBeCloseTo(result.capacity! / 10, 10);
    expect(room.low).toBeCloseTo(result.interval!.low / 10, 10);
    expect(room.high).toBeCloseTo(result.interval!.high / 10, 10);
    expect(room.ratio).toBeGreaterThan(1);
  });

  it('is below 1 when the peak is above capacity', () => {
    expect(headroom(result, 50)!.ratio).toBeLessThan(1);
  });

  it('has no interval for an at-least capacity, and no headroom without a capacity', () => {
    const held = measureCapacity([step(0, 10, { Feed: { p95: 100 } })], [feedP95]);
    expect(headroom(held, 4)).toEqual({ ratio: 2.5, low: null, high: null });
    const broke = measureCapacity([step(0, 10, { Feed: { p95: 900 } })], [feedP95]);
    expect(headroom(broke, 4)).toBeNull();
  });
});
