import { describe, expect, it } from 'vitest';
import { analyzeCapacity, capacityBudgets } from '../../src/analyze/capacity.ts';
import { capacityChange, checkCapacityChange } from '../../src/analyze/capacity-checks.ts';
import { measureSteps } from '../../src/analyze/capacity-steps.ts';
import { analyzeRuns } from '../../src/analyze/analyze-runs.ts';
import { renderCsv } from '../../src/report/render-csv.ts';
import { renderMarkdownText } from '../../src/report/render-markdown.ts';
import type { PlannedScenario, RunRecord, ScenarioResult, TimelinePoint } from '../../src/run/run-record-schema.ts';
import { capacityLoad, expectedPeaks } from '../../src/scenario/capacity-load.ts';
import { dataset, defineScenario, page as pageStep, think } from '../../src/scenario/define-scenario.ts';
import { spike, steady, vus } from '../../src/scenario/load-shapes.ts';
import { context, page, profile, runRecord, START } from '../support/run-record-builders.ts';

/** My Bookings' p95 per step: it crosses its 500 ms budget between the third (30/s) and the fourth (40/s) step. */
const BOOKINGS_P95 = [120, 180, 300, 900];
const RATES = [10, 20, 30, 40];
const WARMUP = 2;
const HOLD = 6;

function plateau(step: number, warmup: boolean): PlannedScenario {
  const start = step * (WARMUP + HOLD) + (warmup ? 0 : WARMUP);
  const seconds = warmup ? WARMUP : HOLD;
  return { scenario: `parents_s0${step + 1}${warmup ? '_warmup' : ''}`, journey: 'parents', step, warmup, offeredRate: RATES[step]!, plannedArrivals: RATES[step]! * seconds, preAllocatedVUs: 10, maxVUs: 100, startSeconds: start, durationSeconds: seconds };
}

const secondOf = (step: number, warmup: boolean, offset: number) => START + (step * (WARMUP + HOLD) + (warmup ? 0 : WARMUP) + offset) * 1000;

function result(step: number, warmup: boolean, droppedAtTop: number): ScenarioResult {
  const requests = RATES[step]! * (warmup ? WARMUP : HOLD);
  // A warm-up that was slow and dropped arrivals: it must not count.
  const p95 = warmup ? 5_000 : BOOKINGS_P95[step]!;
  return {
    scenario: plateau(step, warmup).scenario,
    iterations: requests,
    dropped: warmup ? 7 : step === 3 ? droppedAtTop : 0,
    pages: [page('My Bookings', { requests, p95, p50: p95 / 3 }), page('Login', { requests, p95: 80 })],
    firstSampleAt: secondOf(step, warmup, 0),
    // A plateau's last iterations finish during the next warm-up: two seconds past its hold.
    lastSampleAt: secondOf(step, warmup, (warmup ? WARMUP : HOLD) + 1),
  };
}

function steppedRecord(overrides: Partial<RunRecord['context']> = {}, droppedAtTop = 0): RunRecord {
  const base = runRecord({ scenario: 'breakpoint', pages: [page('My Bookings', { requests: 600 }), page('Login', { requests: 600 })], profiles: [profile('My Bookings', [{ name: 'b1', query: 'select 1', callsPerRequest: 3 }]), profile('Login', [{ name: 'l1', query: 'select 2', callsPerRequest: 1 }])] });
  const steps = [0, 1, 2, 3];
  const plan = steps.flatMap((step) => [plateau(step, true), plateau(step, false)]);
  const points = (pageName: string): TimelinePoint[] =>
    steps.flatMap((step) =>
      Array.from({ length: WARMUP + HOLD }, (_, offset) => {
        const warm = offset < WARMUP;
        const p95 = pageName === 'Login' ? 80 : warm ? 5_000 : BOOKINGS_P95[step]! * (0.9 + (offset % 3) * 0.1);
        return { time: START + (step * (WARMUP + HOLD) + offset) * 1000, requests: RATES[step]!, errors: 0, p95, p50: p95 / 3 };
      }),
    );
  return {
    ...base,
    context: context({
      scenario: { name: 'breakpoint', file: 'scenarios/breakpoint.ts', budgets: { pages: { 'My Bookings': { p95Ms: 500 } }, overall: { errorRate: 0.02 } } },
      capacity: { expectedPeak: 16, peaks: { parents: 16 }, source: 'config' },
      ...overrides,
    }),
    timeline: { bucketSeconds: 1, all: points('My Bookings'), pages: [{ page: 'My Bookings', points: points('My Bookings') }, { page: 'Login', points: points('Login') }] },
    activity: {
      intervalMs: 1000,
      samples: points('Login').map((point, index) => ({ time: point.time + 200, connections: 10, active: 2 + Math.floor(index / 8), idleInTransaction: 0, waiting: Math.floor(index / 8), waitEvents: (index >= 24 ? { 'LWLock:BufferContent': 3 } : {}) as Record<string, number>, longestRunningMs: null, longestRunningQuery: null })),
      failures: { count: 0, last: null },
    },
    cpu: { intervalMs: 1000, measured: ['app', 'postgres', 'k6'], notMeasured: {}, samples: points('Login').map((point, index) => ({ time: point.time + 500, cores: { app: 0.2 + index * 0.02, postgres: 0.1 + index * 0.05, k6: 0.05 } })), failures: { count: 0, last: null } },
    load: { plan, scenarios: plan.map((entry) => result(entry.step!, entry.warmup, droppedAtTop)), vusAllocated: 40, vusActive: 30 },
  };
}

describe('capacity steps from a run record', () => {
  it('measures each plateau from its own k6 scenario, leaving the warm-up out', () => {
    const steps = measureSteps(steppedRecord({}, 1));
    expect(steps.map((step) => step.measure.offered)).toEqual(RATES);
    expect(steps.map((step) => step.measure.pages['My Bookings']!.p95)).toEqual(BOOKINGS_P95);
    expect(steps.map((step) => step.measure.dropped)).toEqual([0, 0, 0, 1]);
    expect(steps[3]!.measure.achieved).toBeCloseTo((40 * HOLD - 1) / HOLD);
    // The measured window: the hold's seconds only, not the warm-up before it nor the stragglers after it.
    expect(steps[1]!.measure.seconds.map((second) => second.time)).toEqual(Array.from({ length: HOLD }, (_, offset) => secondOf(1, false, offset)));
    expect(steps[1]!.measure.seconds.every((second) => second.pages['My Bookings']!.p95 < 5_000)).toBe(true);
  });

  it('averages database sessions and CPU over the plateau window', () => {
    const [, second] = measureSteps(steppedRecord());
    expect(second!.load.db.samples).toBe(HOLD);
    expect(second!.load.db.peakWaiting).toBe(1);
    // Seconds 10–15 of the run (step 2's hold): 0.1 + 0.05 × 12.5 on average.
    expect(second!.load.cpu.postgres).toBeCloseTo(0.725);
  });

  it('turns the scenario budgets into the budgets capacity judges', () => {
    expect(capacityBudgets(steppedRecord())).toEqual([
      { page: 'My Bookings', metric: 'p95', limit: 500 },
      { page: null, metric: 'errorRate', limit: 0.02 },
    ]);
  });
});

describe('capacity analysis', () => {
  it('names the budget that broke, the rate, the headroom and what the database did at that step', () => {
    const capacity = analyzeCapacity(steppedRecord())!;
    expect(capacity.bound).toBe('within');
    expect(capacity.firstFailing).toBe(3);
    expect(capacity.capacity).toBeGreaterThan(30);
    expect(capacity.capacity).toBeLessThan(40);
    expect(capacity.verdict).toBe('pass');
    expect(capacity.sentence).toMatch(/^Headroom 2\.\d+× the expected peak of 16 arrivals\/s .*: My Bookings p95 crosses its 500 ms budget at 3\d(\.\d)? arrivals\/s \(900 ms at 40 arrivals\/s\); at that step Postgres used \d\.\d and the app \d\.\d of 2 cores, and up to 3 connections waited on Postgres \(mostly LWLock:BufferContent\)\.$/);
    expect(capacity.pageCosts[0]).toMatchObject({ page: 'My Bookings', requestShare: 0.5 });
    expect(capacity.pageCosts[0]!.share).toBeCloseTo(0.75);
    expect(capacity.usl).toEqual({ poor: true, reason: 'only 4 points (needs 6)' });
  });

  it('fails below the expected peak, and leaves whole-load budgets to the plateaus', () => {
    const record = steppedRecord({ capacity: { expectedPeak: 50, peaks: { parents: 50 }, source: 'config' } });
    const analysis = analyzeRuns({ candidates: [record], budgets: { scenario: { 'My Bookings': { p95Ms: 50 } } } });
    expect(analysis.verdict).toBe('fail');
    expect(analysis.checks.map((check) => check.kind)).not.toContain('budget-p95');
    expect(analysis.checks[0]).toMatchObject({ kind: 'capacity-headroom', status: 'fail' });
    expect(analysis.headline).toMatch(/^FAIL — breakpoint: .*Headroom 0\.\d+× the expected peak of 50 arrivals\/s/);
    expect(renderMarkdownText(analysis)).toContain('### Capacity');
    const csv = renderCsv(analysis).find((file) => file.name === 'capacity.csv')!;
    expect(csv.text.split('\n')[0]).toMatch(/^step,offered_arrivals_per_second,achieved_arrivals_per_second/);
    expect(csv.text.trim().split('\n')).toHaveLength(1 + 4 * 2);
  });

  it('puts the capacity at the last step that held when the next one dropped arrivals, naming the page that slowed most', () => {
    const capacity = analyzeCapacity(steppedRecord({}, 5))!;
    expect(capacity.capacity).toBe(30);
    expect(capacity.sentence).toMatch(/: the load was not delivered at 40 arrivals\/s \(.*5 arrivals dropped\); My Bookings slowed most, p95 300 ms → 900 ms; at that step/);
  });

  it('does not trust a capacity measured while other work kept the machine busy at a deciding step', () => {
    const record = steppedRecord();
    // Another job took 0.8 of a core through the second step's hold: that step decided the capacity (it held).
    const [from, to] = [secondOf(1, false, 0), secondOf(1, false, HOLD - 1)];
    const samples = record.cpu!.samples.map((sample) => ({ ...sample, cores: { ...sample.cores, others: sample.time >= from && sample.time <= to + 999 ? 0.8 : 0.05 } }));
    const capacity = analyzeCapacity({ ...record, cpu: { ...record.cpu!, measured: [...record.cpu!.measured, 'others'], samples } })!;
    expect(capacity.busySteps).toEqual([{ index: 1, offered: RATES[1], otherCores: expect.closeTo(0.8, 5) }]);
    expect(capacity.verdict).toBe('unknown');
    expect(capacity.sentence).toMatch(/\. Not trusted: processes rehearse did not start took up to 0\.8 cores the app, Postgres and k6 were waiting for during the 2\d arrivals\/s step — measure again on a quiet machine\.$/);
    // The same other work after the first failing step changes nothing: those steps did not decide.
    const late = samples.map((sample) => ({ ...sample, cores: { ...sample.cores, others: 0.05 } }));
    expect(analyzeCapacity({ ...record, cpu: { ...record.cpu!, measured: [...record.cpu!.measured, 'others'], samples: late } })!).toMatchObject({ busySteps: [], verdict: 'pass' });
  });

  it('is absent for a run whose load was not stepped', () => {
    expect(analyzeCapacity(runRecord())).toBeNull();
    expect(analyzeRuns({ candidates: [runRecord()] }).capacity).toBeNull();
  });
});

describe('capacity as a regression', () => {
  const summary = (capacity: number, low: number, high: number) => ({ ...analyzeCapacity(steppedRecord())!, capacity, interval: { low, high }, bound: 'within' as const });

  it('says the change with a conservative interval from both runs', () => {
    const change = capacityChange(summary(38, 36, 40), summary(17, 16, 18))!;
    expect(change.sentence).toBe('capacity 38 → 17 arrivals/s, −55 % (95 %: −60 % to −50 %)');
    expect(checkCapacityChange(change, 0.1).status).toBe('fail');
  });

  it('judges two capacity runs by the change of capacity, not by whole-load percentiles', () => {
    const analysis = analyzeRuns({ baselines: [{ ...steppedRecord(), id: 'base' }], candidates: [{ ...steppedRecord(), id: 'cand' }] });
    expect(analysis.capacityChange?.sentence).toMatch(/^capacity 33\.3 → 33\.3 arrivals\/s, [+−]0 %/);
    expect(analysis.checks.find((check) => check.kind === 'capacity-change')?.status).toBe('pass');
    expect(analysis.checks.map((check) => check.kind)).not.toContain('p95-ratio');
  });

  it('leaves the end open on the side whose every step held', () => {
    const held = { ...summary(48, 0, 0), interval: null, bound: 'at-least' as const };
    const change = capacityChange(summary(16, 15, 17), held)!;
    expect(change.sentence).toBe('capacity 16 → ≥ 48 arrivals/s, +200 % (at least +182 %: the candidate held every step)');
    expect(change.high).toBeNull();
    expect(checkCapacityChange(change, 0.1).status).toBe('pass');
    // A baseline that held every step at 48/s and a candidate that broke near 16/s: a drop beyond doubt.
    const dropped = capacityChange(held, summary(16, 15, 17))!;
    expect(dropped.sentence).toBe('capacity ≥ 48 → 16 arrivals/s, −67 % (at most −65 %: the baseline held every step)');
    expect(checkCapacityChange(dropped, 0.1).status).toBe('fail');
  });

  it('passes a drop that the intervals cannot tell from noise', () => {
    const change = capacityChange(summary(38, 30, 44), summary(34, 28, 40))!;
    expect(change.high).toBeGreaterThan(-0.1);
    expect(checkCapacityChange(change, 0.1).status).toBe('pass');
  });
});

describe('the load of a capacity run', () => {
  const scenario = defineScenario({
    name: 'evening',
    description: 'two journeys',
    data: { users: dataset('select email from t', ['email']) },
    journeys: {
      parents: { data: 'users', load: spike({ from: 1, peak: 16, rampUp: '10s', hold: '10s', rampDown: '5s' }), steps: [pageStep('Home', { path: '/' }), think(1)] },
      teachers: { data: 'users', load: steady({ rate: 4, duration: '1m' }), steps: [pageStep('Home', { path: '/' })] },
    },
  });

  it("climbs from a quarter of the expected peak to three times it, each journey keeping its share", () => {
    const load = capacityLoad(scenario, undefined);
    expect(load.capacity).toEqual({ expectedPeak: 20, peaks: { parents: 16, teachers: 4 }, source: 'scenario' });
    expect(load.rates).toEqual([5, 12.857, 20.714, 28.571, 36.429, 44.286, 52.143, 60]);
    expect(load.scenario.journeys.parents!.load).toEqual({ kind: 'stepped', from: 4, to: 48, steps: 8, hold: '30s', warmup: '10s' });
    expect(load.scenario.journeys.teachers!.load).toMatchObject({ from: 1, to: 12 });
  });

  it("takes the config's peaks over the scenario's, and refuses a config that names only some journeys", () => {
    expect(capacityLoad(scenario, { parents: 30, teachers: 10 }, { from: 8, to: 80, steps: 4, hold: '6s', warmup: '2s' }).scenario.journeys.teachers!.load).toEqual({ kind: 'stepped', from: 2, to: 20, steps: 4, hold: '6s', warmup: '2s' });
    expect(() => expectedPeaks(scenario, { parents: 30 })).toThrow('capacity.peak: names parents but not teachers of scenario evening');
  });

  it('refuses a journey that loops VUs, saying to set its peak', () => {
    const looping = { ...scenario, journeys: { parents: { ...scenario.journeys.parents!, load: vus({ vus: 5, duration: '1m' }) } } };
    expect(() => capacityLoad(looping, undefined)).toThrow('evening: journeys.parents.load: loops VUs (vus) instead of starting arrivals, so it has no peak rate: set capacity.peak.parents (arrivals/s) in the config');
    expect(() => capacityLoad(scenario, undefined, { from: 30, to: 10 })).toThrow('--from: expected a first step below the last (10 arrivals/s), got 30');
  });
});
