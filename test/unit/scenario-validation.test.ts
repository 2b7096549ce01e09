import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.ts';
import { dataset, defineScenario, page, think, type Scenario } from '../../src/scenario/define-scenario.ts';
import { spike, steady } from '../../src/scenario/load-shapes.ts';
import { validateScenario } from '../../src/scenario/load-scenario.ts';

const FILE = 'scenarios/x.ts';

function valid(): Scenario {
  return defineScenario({
    name: 'x',
    description: 'a scenario',
    data: { parents: dataset('select email, password, evening_id from t', ['email', 'password', 'evening_id']) },
    journeys: {
      parents: {
        data: 'parents',
        load: spike({ from: 1, peak: 10, rampUp: '30s', hold: '1m', rampDown: '10s' }),
        steps: [
          page('Login', { method: 'POST', path: '/login', body: { email: '{email}', password: '{password}' } }),
          think([1, 2]),
          page('My Bookings', { path: '/bookings?evening={evening_id}' }),
        ],
      },
    },
    budgets: { pages: { 'My Bookings': { p95Ms: 300 } } },
  });
}

function problemsOf(mutate: (scenario: Scenario) => void): string {
  const scenario = valid();
  mutate(scenario);
  try {
    validateScenario(FILE, scenario);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('expected the scenario to be rejected');
}

describe('scenario validation', () => {
  it('accepts a valid scenario', () => {
    expect(validateScenario(FILE, valid()).name).toBe('x');
  });

  it('rejects a budget for a page no journey visits', () => {
    const message = problemsOf((s) => (s.budgets!.pages = { 'My Bookingz': { p95Ms: 1 } }));
    expect(message).toBe('scenarios/x.ts: budgets.pages["My Bookingz"]: unknown page (pages: Login, My Bookings)');
  });

  it('rejects a path parameter with no data column', () => {
    const message = problemsOf((s) => (s.journeys.parents!.steps[2] = page('My Bookings', { path: '/evenings/{evening}/video' })));
    expect(message).toBe('scenarios/x.ts: journeys.parents.steps[2].path: {evening} is not a column of dataset "parents" (columns: email, password, evening_id)');
  });

  it('rejects a body template with no data column', () => {
    const message = problemsOf((s) => (s.journeys.parents!.steps[0] = page('Login', { method: 'POST', path: '/login', body: { email: '{mail}' } })));
    expect(message).toContain('journeys.parents.steps[0].body.email: {mail} is not a column');
  });

  it('rejects a negative rate', () => {
    const message = problemsOf((s) => (s.journeys.parents!.load = spike({ from: -1, peak: 10, rampUp: '1s', hold: '1s', rampDown: '1s' })));
    expect(message).toBe('scenarios/x.ts: journeys.parents.load.from: expected >= 0, got -1');
  });

  it('rejects a zero steady rate and a malformed duration', () => {
    const message = problemsOf((s) => (s.journeys.parents!.load = steady({ rate: 0, duration: '5 minutes' })));
    expect(message).toContain('journeys.parents.load.rate: expected > 0, got 0');
    expect(message).toContain('journeys.parents.load.duration: expected a duration such as "30s"');
  });

  it('rejects a journey on an unknown dataset', () => {
    expect(problemsOf((s) => (s.journeys.parents!.data = 'teachers'))).toContain('journeys.parents.data: unknown dataset "teachers" (datasets: parents)');
  });

  it('rejects a spike whose start is above its peak', () => {
    expect(problemsOf((s) => (s.journeys.parents!.load = spike({ from: 20, peak: 10, rampUp: '1s', hold: '1s', rampDown: '1s' })))).toContain(
      'journeys.parents.load.from: expected <= peak (10), got 20',
    );
  });

  it('rejects an unknown key and a relative path', () => {
    const message = problemsOf((s) => {
      (s as unknown as Record<string, unknown>).thresholds = {};
      s.journeys.parents!.steps[2] = page('My Bookings', { path: 'bookings' });
    });
    expect(message).toContain('scenarios/x.ts: thresholds: unknown key');
    expect(message).toContain('journeys.parents.steps[2].path: expected a string starting with "/", got "bookings"');
  });

  it('rejects a journey name that cannot be a k6 function', () => {
    const message = problemsOf((s) => {
      s.journeys['the parents'] = s.journeys.parents!;
      delete s.journeys.parents;
    });
    expect(message).toContain('journeys["the parents"]: invalid key');
  });
});
