import { describe, expect, it } from 'vitest';
import { parseDuration, formatDuration } from '../../src/scenario/duration.ts';
import { Code, formatLiteral, stringLiteral } from '../../src/scenario/js-literal.ts';
import { breakpoint, rampingVus, spike, steady } from '../../src/scenario/load-shapes.ts';
import { dataset, defineScenario, page, think } from '../../src/scenario/define-scenario.ts';
import { expectedJourneySeconds, integerRates, planExecutor, planScript, planSteps, statusChecksFromFailures } from '../../src/scenario/plan-script.ts';
import { emitScript, templateExpression } from '../../src/scenario/emit-script.ts';

const none = { time: 1, rate: 1 };

describe('load shapes become k6 executors', () => {
  it('maps a spike onto ramping-arrival-rate: up, hold, down', () => {
    expect(planExecutor(spike({ from: 1, peak: 50, rampUp: '1m', hold: '3m', rampDown: '30s' }), 'journey_parents', none)).toEqual({
      executor: 'ramping-arrival-rate',
      exec: 'journey_parents',
      startRate: 1,
      timeUnit: '1s',
      preAllocatedVUs: 75,
      maxVUs: 500,
      stages: [
        { duration: '60s', target: 50 },
        { duration: '180s', target: 50 },
        { duration: '30s', target: 0 },
      ],
    });
  });

  it("allocates a journey's VUs up front for the time each arrival holds one: think times plus an allowance per request", () => {
    const journey = { data: 'parents', load: spike({ from: 0.5, peak: 16, rampUp: '45s', hold: '60s', rampDown: '15s' }), steps: [page('Login', { path: '/login' }), think([1, 3]), page('My Bookings', { path: '/bookings' }), think([2, 5]), page('Video call', { path: '/call' })] };
    expect(expectedJourneySeconds(journey)).toBe(7);
    // The demo: 16 × 0.35 = 5.6 arrivals/s for 7 s, with a 1.5 margin.
    expect(planExecutor(journey.load, 'j', { time: 1, rate: 0.35, journeySeconds: 7 })).toMatchObject({ preAllocatedVUs: 59, maxVUs: 118 });
  });

  it("caps the VUs allocated up front at the journey's own maxVUs and at its share of the ceiling", () => {
    expect(planExecutor(steady({ rate: 2, duration: '20s', maxVUs: 1 }), 'j', { time: 1, rate: 1, journeySeconds: 4 })).toMatchObject({ preAllocatedVUs: 1, maxVUs: 1 });
    expect(planExecutor(steady({ rate: 10, duration: '20s' }), 'j', { time: 1, rate: 1, journeySeconds: 10, vuShare: 40 })).toMatchObject({ preAllocatedVUs: 40, maxVUs: 40 });
  });

  it('maps steady onto constant-arrival-rate, per minute when the rate is fractional', () => {
    expect(planExecutor(steady({ rate: 0.5, duration: '2m', maxVUs: 7 }), 'j', none)).toMatchObject({ executor: 'constant-arrival-rate', rate: 30, timeUnit: '1m', duration: '120s', maxVUs: 7 });
  });

  it('maps a breakpoint onto one rising stage', () => {
    expect(planExecutor(breakpoint({ from: 1, to: 100, duration: '10m' }), 'j', none)).toMatchObject({ startRate: 1, stages: [{ duration: '600s', target: 100 }] });
  });

  it('compresses time and scales rates for a quick run', () => {
    const plan = planExecutor(spike({ from: 2, peak: 40, rampUp: '40s', hold: '40s', rampDown: '20s' }), 'j', { time: 0.1, rate: 0.25 });
    expect(plan).toMatchObject({ startRate: 30, timeUnit: '1m', stages: [{ duration: '4s', target: 600 }, { duration: '4s', target: 600 }, { duration: '2s', target: 0 }] });
  });

  it('keeps ramping VUs whole and at least one', () => {
    expect(planExecutor(rampingVus({ startVUs: 0, stages: [{ duration: '10s', target: 3 }] }), 'j', { time: 1, rate: 0.1 })).toMatchObject({ startVUs: 0, stages: [{ target: 1 }] });
  });

  it('expresses rates as whole arrivals per time unit', () => {
    expect(integerRates([1, 50]).timeUnit).toBe('1s');
    const perMinute = integerRates([0.125, 4]);
    expect(perMinute.timeUnit).toBe('1m');
    expect([perMinute.perUnit(0.125), perMinute.perUnit(4), perMinute.perUnit(0)]).toEqual([8, 240, 0]);
  });
});

describe('script building blocks', () => {
  it('parses and formats k6 durations', () => {
    expect(parseDuration('1m30s')).toBe(90);
    expect(parseDuration('500ms')).toBe(0.5);
    expect(formatDuration(90)).toBe('90s');
    expect(formatDuration(3.75)).toBe('3750ms');
    expect(() => parseDuration('soon')).toThrow('not a duration');
  });

  it('turns a template into an expression without pasting data into code', () => {
    expect(templateExpression('/evenings/{evening_id}/video', true)).toBe('"/evenings/" + encodeURIComponent(row.evening_id) + "/video"');
    expect(templateExpression('say "hi" {name}', false)).toBe('"say \\"hi\\" " + row.name');
  });

  it('writes literals the way a person would', () => {
    expect(formatLiteral({ a: 1, 'b c': ['x'] })).toBe('{ a: 1, "b c": ["x"] }');
    expect(formatLiteral({ Authorization: new Code('"Token " + token'), n: null })).toBe('{ Authorization: "Token " + token, n: null }');
    expect(formatLiteral({ 'it\'s': 'say "hi"' }, '', "'")).toBe(`{ 'it\\'s': 'say "hi"' }`);
  });

  it('writes any text as a single-quoted literal that reads back the same', () => {
    for (const text of ["it's", 'say "hi"', 'back\\slash"', 'line\nbreak', '\u2028']) {
      expect(new Function(`return ${stringLiteral(text, "'")};`)()).toBe(text);
    }
  });
});

describe('status checks', () => {
  const journey = (steps: ReturnType<typeof page>[]) => ({ steps: planSteps({ data: 'visitors', load: steady({ rate: 1, duration: '10s' }), steps }) });

  it('are counted from http_req_failed for a page whose steps expect the same statuses and follow no redirect', () => {
    const derived = statusChecksFromFailures([
      journey([page('Home', { path: '/' }), page('Login', { path: '/login', method: 'POST', expect: [200, 302] })]),
      journey([page('Home', { path: '/?again' })]),
    ]);
    expect(derived).toEqual({ Home: 'Home: status 200', Login: 'Login: status 200 or 302' });
  });

  it('stay in the script where the name tag cannot tell the requests apart, or a redirect hop would count as a request', () => {
    const derived = statusChecksFromFailures([
      journey([page('Home', { path: '/' }), page('Portal', { path: '/portal', followRedirects: true })]),
      journey([page('Home', { path: '/', expect: 204 })]),
    ]);
    expect(derived).toEqual({});
  });

  it('leave no check() in the script for a derived page, and keep its body checks', () => {
    const scenario = defineScenario({
      name: 'checks',
      description: 'one derived page, one with a body check, one followed',
      data: { visitors: dataset('select email from visitors', ['email']) },
      journeys: {
        visitors: {
          data: 'visitors',
          load: steady({ rate: 1, duration: '10s' }),
          steps: [page('Home', { path: '/' }), page('Feed', { path: '/feed', checks: [{ name: 'has posts', contains: 'post' }] }), page('Portal', { path: '/portal', followRedirects: true })],
        },
      },
    });
    const plan = planScript(scenario, 'checks.ts');
    expect(plan.statusChecks).toEqual({ Home: 'Home: status 200', Feed: 'Feed: status 200' });
    const script = emitScript(plan, 'test');
    expect(script).not.toContain('"Home: status 200"');
    expect(script).not.toContain('"Feed: status 200"');
    expect(script).toContain('"Feed: has posts"');
    expect(script).toContain('"Portal: status 200": (r) => r.status === 200');
    expect(script.match(/check\(response/g)).toHaveLength(2);
  });
});
