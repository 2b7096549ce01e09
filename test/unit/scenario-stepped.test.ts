import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.ts';
import { dataset, defineScenario, page, think, type Scenario } from '../../src/scenario/define-scenario.ts';
import { stepped, stepRates, type LoadShape } from '../../src/scenario/load-shapes.ts';
import { validateScenario } from '../../src/scenario/load-scenario.ts';
import { planScript } from '../../src/scenario/plan-script.ts';
import { plannedScenarios } from '../../src/scenario/planned-scenarios.ts';
import { rejection } from '../support/rejection.ts';

const FILE = 'scenarios/x.ts';
const CEILING = { vus: 2_000, source: 'the test ceiling' };

function scenarioWith(load: LoadShape): Scenario {
  return defineScenario({
    name: 'x',
    description: 'a scenario',
    data: { parents: dataset('select email from t', ['email']) },
    journeys: { parents: { data: 'parents', load, steps: [page('Home', { path: '/' }), think(1)] } },
    budgets: { pages: { Home: { p95Ms: 300 } } },
  });
}

describe('a stepped load', () => {
  it('spaces its plateaus evenly from `from` to `to`', () => {
    expect(stepRates({ from: 2, to: 16, steps: 8 })).toEqual([2, 4, 6, 8, 10, 12, 14, 16]);
    expect(stepRates({ from: 1, to: 2, steps: 3 })).toEqual([1, 1.5, 2]);
  });

  it('plans a warm-up and a measured k6 scenario per plateau, one after the other', () => {
    const plan = planScript(scenarioWith(stepped({ from: 4, to: 12, steps: 3, hold: '20s', warmup: '5s' })), FILE, { vuCeiling: CEILING });
    expect(Object.keys(plan.options.scenarios)).toEqual(['parents_s01_warmup', 'parents_s01', 'parents_s02_warmup', 'parents_s02', 'parents_s03_warmup', 'parents_s03']);
    expect(plan.options.scenarios.parents_s02).toEqual({
      executor: 'constant-arrival-rate',
      exec: 'journey_parents',
      rate: 8,
      timeUnit: '1s',
      duration: '20s',
      startTime: '30s',
      gracefulStop: '5s',
      // 8/s × 1.5 s per pass (1 s think, 0.5 s for the request) × 1.5 margin in flight up front (the journey's own sizing).
      preAllocatedVUs: 18,
      maxVUs: 80,
    });
    expect(plan.options.scenarios.parents_s02_warmup).toMatchObject({ rate: 8, duration: '5s', startTime: '25s' });
    expect(plan.plateaus?.parents_s02).toEqual({ step: 1, warmup: false });
    expect(plan.plateaus?.parents_s02_warmup).toEqual({ step: 1, warmup: true });
    expect(plannedScenarios(plan).filter((entry) => entry.step === 1)).toEqual([
      { scenario: 'parents_s02_warmup', journey: 'parents', step: 1, warmup: true, offeredRate: 8, plannedArrivals: 40, preAllocatedVUs: 18, maxVUs: 80, startSeconds: 25, durationSeconds: 5 },
      { scenario: 'parents_s02', journey: 'parents', step: 1, warmup: false, offeredRate: 8, plannedArrivals: 160, preAllocatedVUs: 18, maxVUs: 80, startSeconds: 30, durationSeconds: 20 },
    ]);
  });

  it('gives k6 no thresholds: budgets are judged per plateau, not over a load meant to break them', () => {
    expect(planScript(scenarioWith(stepped({ from: 1, to: 5, steps: 2, hold: '10s' })), FILE, { vuCeiling: CEILING }).options.thresholds).toEqual({});
  });

  it('warms up for a quarter of the hold by default, and not at all with 0s', () => {
    const byDefault = planScript(scenarioWith(stepped({ from: 1, to: 5, steps: 2, hold: '20s' })), FILE, { vuCeiling: CEILING });
    expect(byDefault.options.scenarios.parents_s01_warmup).toMatchObject({ duration: '5s', startTime: '0s' });
    const none = planScript(scenarioWith(stepped({ from: 1, to: 5, steps: 2, hold: '20s', warmup: '0s' })), FILE, { vuCeiling: CEILING });
    expect(Object.keys(none.options.scenarios)).toEqual(['parents_s01', 'parents_s02']);
    expect(none.options.scenarios.parents_s02).toMatchObject({ startTime: '20s' });
  });

  it('compresses plateaus with --duration and scales their rates with --rate-scale', () => {
    const plan = planScript(scenarioWith(stepped({ from: 10, to: 20, steps: 2, hold: '30s', warmup: '10s' })), FILE, { durationSeconds: 40, rateScale: 0.5, vuCeiling: CEILING });
    expect(plan.options.scenarios.parents_s02).toMatchObject({ rate: 10, duration: '15s', startTime: '25s' });
  });

  it('checks VUs against the ceiling as two overlapping plateaus, not as all of them at once', () => {
    // 8 plateaus up to 50/s: 113 + 98 VUs up front at most at once (not the sum over 16 scenarios), maxVUs at half the ceiling.
    const plan = planScript(scenarioWith(stepped({ from: 1, to: 50, steps: 8, hold: '10s' })), FILE, { vuCeiling: { vus: 400, source: 'the test ceiling' } });
    expect(plan.options.scenarios.parents_s08).toMatchObject({ preAllocatedVUs: 113, maxVUs: 200 });
    const error = rejection(() => planScript(scenarioWith(stepped({ from: 2, to: 300, steps: 4, hold: '10s' })), FILE, { vuCeiling: { vus: 400, source: 'the test ceiling' } }));
    expect(error.message).toMatch(/journeys\.parents\.load: needs up to .* VUs/);
  });

  it.each([
    ['from not below to', stepped({ from: 20, to: 10, steps: 4, hold: '10s' }), 'scenarios/x.ts: journeys.parents.load.from: expected < to (10), got 20'],
    ['a warm-up shorter than k6 runs one', stepped({ from: 1, to: 10, steps: 4, hold: '10s', warmup: '200ms' }), 'scenarios/x.ts: journeys.parents.load.warmup: expected "0s" (no warm-up) or at least 1s (k6\'s shortest constant load), got "200ms"'],
    ['a hold of zero', stepped({ from: 1, to: 10, steps: 4, hold: '0s' }), 'scenarios/x.ts: journeys.parents.load.hold: expected a duration of at least 1s (k6\'s shortest constant load), got "0s"'],
  ])('refuses %s with the scenario file and the field', (_, load, message) => {
    const error = rejection(() => validateScenario(FILE, scenarioWith(load)));
    expect(error).toBeInstanceOf(ScenarioError);
    expect(error.message).toBe(message);
  });

  it('refuses a single step, naming the field', () => {
    const error = rejection(() => validateScenario(FILE, scenarioWith(stepped({ from: 1, to: 10, steps: 1, hold: '10s' }))));
    expect(error.message).toBe('scenarios/x.ts: journeys.parents.load.steps: expected >= 2, got 1');
  });
});
