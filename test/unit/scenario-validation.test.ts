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

/** The message a rejected scenario gets (exit 2, as every scenario error). */
function rejected(scenario: Scenario): string {
  try {
    validateScenario(FILE, scenario);
  } catch (error) {
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).exitCode).toBe(2);
    return (error as Error).message;
  }
  throw new Error('expected the scenario to be rejected');
}

function problemsOf(mutate: (scenario: Scenario) => void): string {
  const scenario = valid();
  mutate(scenario);
  return rejected(scenario);
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

  it('rejects a budget on a page whose name has a comma, which k6 cannot filter on', () => {
    const message = problemsOf((s) => {
      s.journeys.parents!.steps[2] = page('Bookings, mine', { path: '/bookings' });
      s.budgets!.pages = { 'Bookings, mine': { p95Ms: 300 } };
    });
    expect(message).toContain('budgets.pages["Bookings, mine"]: a page with a budget cannot have a comma in its name');
  });
});

describe('scenario validation of bodies, headers and captures', () => {
  function api(steps: Scenario['journeys'][string]['steps'], headers?: Record<string, string>): Scenario {
    return defineScenario({
      name: 'api',
      description: 'a JSON API',
      data: { readers: dataset('select email, password from users', ['email', 'password']) },
      journeys: { readers: { data: 'readers', load: steady({ rate: 1, duration: '10s' }), ...(headers ? { headers } : {}), steps } },
    });
  }
  const login = page('Login', { method: 'POST', path: '/api/users/login', body: { user: { email: '{email}', password: '{password}' } }, capture: { token: 'json:user.token' } });
  const list = page('Articles', { path: '/api/articles', capture: { slug: 'json:articles[*].slug' } });

  it('accepts a nested JSON body, headers and templates from earlier captures', () => {
    const scenario = api([login, think(1), list, page('Article', { path: '/api/articles/{slug}', headers: { Authorization: 'Token {token}' } })]);
    expect(validateScenario(FILE, scenario).journeys.readers!.steps).toHaveLength(4);
  });

  it('accepts a journey header naming a capture of a later step', () => {
    expect(() => validateScenario(FILE, api([login, list], { Authorization: 'Token {token}' }))).not.toThrow();
  });

  it('rejects a template naming a capture no earlier step made', () => {
    const message = rejected(api([login, page('Article', { path: '/api/articles/{slug}' }), list]));
    expect(message).toBe(
      'scenarios/x.ts: journeys.readers.steps[1].path: {slug} is not a column of dataset "readers" (columns: email, password) nor captured by an earlier step (captures: token)',
    );
  });

  it("rejects a step using its own capture: it exists only after the step's response", () => {
    const message = rejected(api([page('Login', { method: 'POST', path: '/login/{token}', capture: { token: 'json:token' } })]));
    expect(message).toBe('scenarios/x.ts: journeys.readers.steps[0].path: {token} is not a column of dataset "readers" (columns: email, password)');
  });

  it('rejects unknown names inside a nested body and in headers, naming where', () => {
    const message = rejected(
      api([
        login,
        page('Comment', { method: 'POST', path: '/api/comments', body: { comment: { tags: ['{tag}'] } }, headers: { 'X-Request-Id': '{request}' } }),
      ]),
    );
    expect(message).toContain('journeys.readers.steps[1].body.comment.tags[0]: {tag} is not a column');
    expect(message).toContain('journeys.readers.steps[1].headers["X-Request-Id"]: {request} is not a column');
  });

  it('rejects a journey header naming a capture no step makes', () => {
    expect(rejected(api([login], { Authorization: 'Bearer {jwt}' }))).toBe(
      'scenarios/x.ts: journeys.readers.headers.Authorization: {jwt} is not a column of dataset "readers" (columns: email, password) nor captured by a step of this journey (captures: token)',
    );
  });

  it('rejects a malformed capture source', () => {
    const message = rejected(api([page('Login', { path: '/login', capture: { token: 'json:user..token' } })]));
    expect(message).toContain('journeys.readers.steps[0].capture.token: expected a path of keys joined by "."');
  });

  it('rejects a capture that reuses a column, an earlier capture or a name of the script', () => {
    const message = rejected(
      api([
        page('Login', { path: '/login', capture: { email: 'json:user.email', token: 'json:user.token' } }),
        page('Again', { path: '/again', capture: { token: 'header:x-token', response: 'json:x' } }),
      ]),
    );
    expect(message).toContain('journeys.readers.steps[0].capture.email: "email" is already a column of dataset "readers": give the capture another name');
    expect(message).toContain('journeys.readers.steps[1].capture.token: "token" is already captured by an earlier step');
    expect(message).toContain('journeys.readers.steps[1].capture.response: "response" is a name the generated k6 script uses');
  });

  it('rejects a capture name that is not an identifier', () => {
    expect(rejected(api([page('Login', { path: '/login', capture: { 'the-token': 'json:token' } })]))).toContain(
      'journeys.readers.steps[0].capture["the-token"]: invalid key, expected a name made of letters, digits and _',
    );
  });

  it('rejects a nested form body and a GET with a body', () => {
    const message = rejected(
      api([
        page('Form', { method: 'POST', path: '/form', bodyType: 'form', body: { user: { email: '{email}' } } }),
        page('Get', { path: '/get', body: { q: 'x' } }),
      ]),
    );
    expect(message).toContain('journeys.readers.steps[0].body: a form body is one flat object of text, numbers and booleans');
    expect(message).toContain('journeys.readers.steps[1].body: a GET request sends no body');
  });

  it('rejects a body value JSON cannot hold, naming where it sits', () => {
    const message = rejected(api([page('Dated', { method: 'POST', path: '/dated', body: { event: { when: new Date(0) as unknown as string } } })]));
    expect(message).toBe('scenarios/x.ts: journeys.readers.steps[0].body.event.when: expected a JSON value (text, number, boolean, null, array or object), got a Date');
  });
});
