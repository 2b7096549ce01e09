import { describe, expect, it } from 'vitest';
import { vuCeilingFrom, loadShapeFlags } from '../../src/cli/flag-values.ts';
import { ScenarioError, UsageError } from '../../src/errors.ts';
import { dataset, defineScenario, page, type Scenario } from '../../src/scenario/define-scenario.ts';
import { machineVuCeiling, rampingVus, spike, steady, type LoadShape } from '../../src/scenario/load-shapes.ts';
import { validateScenario } from '../../src/scenario/load-scenario.ts';
import { planScript } from '../../src/scenario/plan-script.ts';
import { rejection } from '../support/rejection.ts';

const FILE = 'scenarios/x.ts';
const CEILING = { vus: 2_000, source: 'the test ceiling' };

function scenarioWith(load: LoadShape): Scenario {
  return defineScenario({
    name: 'x',
    description: 'a scenario',
    data: { users: dataset('select email from t', ['email']) },
    journeys: { users: { data: 'users', load, steps: [page('Home', { path: '/' })] } },
  });
}

describe('load validation, before anything starts', () => {
  it('refuses more VUs than the ceiling, naming the journey, the ceiling and what to do', () => {
    const error = rejection(() => planScript(scenarioWith(steady({ rate: 100_000, duration: '1m' })), FILE, { vuCeiling: CEILING }));
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).exitCode).toBe(2);
    expect(error.message).toBe(
      'scenarios/x.ts: journeys.users.load: needs up to 100,000 VUs (100,000 allocated up front), over the 2,000 of the test ceiling: lower the rate (or --rate-scale), or raise the ceiling with --max-vus / REHEARSE_MAX_VUS if the machine can take it',
    );
  });

  it('refuses a rate scaled a billion times', () => {
    const error = rejection(() => planScript(scenarioWith(spike({ from: 1, peak: 10, rampUp: '10s', hold: '10s', rampDown: '10s' })), FILE, { rateScale: 1e9, vuCeiling: CEILING }));
    expect(error.message).toMatch(/journeys\.users\.load: needs up to 10,000,000,000 VUs/);
  });

  it('keeps the default VUs within the ceiling instead of ten seconds of arrivals', () => {
    const plan = planScript(scenarioWith(steady({ rate: 1_500, duration: '1m' })), FILE, { vuCeiling: CEILING });
    expect(plan.options.scenarios.users).toMatchObject({ preAllocatedVUs: 2_000, maxVUs: 2_000 });
  });

  it('counts looping users against the ceiling too', () => {
    expect(rejection(() => planScript(scenarioWith(rampingVus({ startVUs: 0, stages: [{ duration: '1m', target: 5_000 }] })), FILE, { vuCeiling: CEILING })).message).toMatch(/needs up to 5,000 VUs/);
  });

  it('derives the ceiling from memory: half of it at 4 MiB per VU, overridable by flag or environment', () => {
    expect(machineVuCeiling(8 * 2 ** 30).vus).toBe(1_024);
    expect(vuCeilingFrom(undefined, { REHEARSE_MAX_VUS: '5000' })).toEqual({ vus: 5_000, source: 'the ceiling set by REHEARSE_MAX_VUS' });
    expect(vuCeilingFrom('300', { REHEARSE_MAX_VUS: '5000' })).toEqual({ vus: 300, source: 'the ceiling set by --max-vus' });
    expect(() => vuCeilingFrom('lots')).toThrow('--max-vus: expected a whole number > 0, got "lots"');
  });

  it.each([
    ['a zero steady duration', steady({ rate: 5, duration: '0s' }), 'scenarios/x.ts: journeys.users.load.duration: expected a duration of at least 1s (k6\'s shortest constant load), got "0s"'],
    ['a steady load shorter than k6 runs one', steady({ rate: 5, duration: '500ms' }), 'scenarios/x.ts: journeys.users.load.duration: expected a duration of at least 1s (k6\'s shortest constant load), got "500ms"'],
    ['a spike of zero length', spike({ from: 1, peak: 5, rampUp: '0s', hold: '0ms', rampDown: '0s' }), 'scenarios/x.ts: journeys.users.load: expected a load that lasts longer than 0s, got "0s" + "0ms" + "0s"'],
  ])('refuses %s with the scenario', (_, load, message) => {
    const error = rejection(() => validateScenario(FILE, scenarioWith(load)));
    expect(error).toBeInstanceOf(ScenarioError);
    expect(error.message).toBe(message);
  });

  it('refuses a constant load that --duration makes shorter than k6 accepts', () => {
    const error = rejection(() => planScript(scenarioWith(steady({ rate: 5, duration: '1m' })), FILE, { durationSeconds: 0.5, vuCeiling: CEILING }));
    expect(error.message).toBe('scenarios/x.ts: journeys.users.load: lasts 500ms once stretched by --duration; k6 runs a constant load for at least 1s: give a longer --duration');
  });

  it('refuses --duration 0s, and never writes NaN when a valid load is stretched', () => {
    expect(() => loadShapeFlags({ duration: '0s' })).toThrow(UsageError);
    expect(() => loadShapeFlags({ duration: '0s' })).toThrow('--duration: expected a duration > 0 such as "30s" or "2m", got "0s"');
    const plan = planScript(scenarioWith(spike({ from: 1, peak: 5, rampUp: '0s', hold: '10s', rampDown: '0s' })), FILE, { durationSeconds: 3, vuCeiling: CEILING });
    expect(JSON.stringify(plan.options)).not.toMatch(/NaN|Infinity/);
  });
});
