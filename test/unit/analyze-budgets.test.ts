import { describe, expect, it } from 'vitest';
import { analyzeRuns } from '../../src/analyze/analyze-runs.ts';
import { resolvePageBudget } from '../../src/analyze/budget-checks.ts';
import { fingerprintQuery } from '../../src/collect/query-fingerprint.ts';
import { RunRecordError } from '../../src/errors.ts';
import { queryBudgetRules } from '../../src/report/query-budget-rules.ts';
import { page, profile, runRecord, statement, timeline } from '../support/run-record-builders.ts';

const FEED = 'select * from posts where school_id = $1 order by created_at desc limit $2';
const SESSION = 'select * from sessions where token = $1';

describe('budgets', () => {
  it('takes each limit from the config page, then the config "*", then the scenario', () => {
    const budget = resolvePageBudget('Posts', { scenario: { Posts: { p95Ms: 300, errorRate: 0.01 } }, config: { '*': { errorRate: 0.05, p99Ms: 900 }, Posts: { p95Ms: 250 } } });
    expect(budget).toEqual({ limits: { p95Ms: 250, errorRate: 0.05, p99Ms: 900 }, source: { p95Ms: 'config', errorRate: 'config', p99Ms: 'config' } });
    expect(resolvePageBudget('Login', { scenario: { Posts: { p95Ms: 300 } } })).toBeNull();
  });

  it('fails a page over its p95 budget and passes one within, without a baseline', () => {
    const record = runRecord({ pages: [page('Posts', { p95: 420 }), page('Login', { p95: 80 })] });
    const analysis = analyzeRuns({ candidates: [record], budgets: { scenario: { Posts: { p95Ms: 300 }, Login: { p95Ms: 1500 } } } });
    expect(analysis.verdict).toBe('fail');
    expect(analysis.checks.map((check) => [check.id, check.status])).toEqual([
      ['budget-p95:Posts', 'fail'],
      ['budget-p95:Login', 'pass'],
      [`k6-thresholds:${record.id}`, 'pass'],
    ]);
    expect(analysis.checks[0]!.sentence).toBe('Posts: p95 420 ms is over its 300 ms budget (scenario)');
    expect(analysis.pages.find((row) => row.page === 'Posts')!.verdict).toBe('fail');
  });

  it('fails an error-rate budget before latency budgets', () => {
    const record = runRecord({ pages: [page('Posts', { p95: 420, requests: 100, errors: 5 })] });
    const analysis = analyzeRuns({ candidates: [record], budgets: { config: { '*': { errorRate: 0.01, p95Ms: 100 } } } });
    expect(analysis.checks.map((check) => check.kind)).toEqual(['budget-error-rate', 'budget-p95']);
    expect(analysis.checks[0]!.sentence).toBe('Posts: error rate 5.0 % is over its 1.0 % budget (config)');
  });
});

describe('page budgets on the query profile', () => {
  it('checks queries and response bytes per request against the probe, and says when a run has no profile', () => {
    const record = runRecord({
      pages: [page('Posts'), page('Login')],
      profiles: [profile('Posts', [{ name: 'a1', query: SESSION, callsPerRequest: 1 }, { name: 'f1', query: FEED, callsPerRequest: 2 }], 10, 40_960)],
    });
    const analysis = analyzeRuns({ candidates: [record], budgets: { config: { Posts: { queriesPerRequest: 2, responseBytes: 65_536 }, Login: { queriesPerRequest: 5 } } } });
    expect(analysis.checks.map((check) => [check.id, check.status])).toEqual([
      ['budget-queries-per-request:Posts', 'fail'],
      ['budget-response-bytes:Posts', 'pass'],
    ]);
    expect(analysis.checks[0]!.sentence).toBe('Posts: queries per request 3 is over its 2 budget (config)');
    expect(analysis.checks[1]!.sentence).toBe('Posts: response body per request 40.0 KiB is within its 64.0 KiB budget (config)');
    expect(analysis.notes).toContain('Login: the queriesPerRequest budget was not checked: the run has no query profile measuring it for this page.');
  });
});

describe('query budgets', () => {
  const statements = [statement('a1', SESSION, { calls: 400, totalMs: 40 }), statement('f1', FEED, { calls: 100, totalMs: 900, blocksPerCall: 180, rows: 2000 })];
  const record = runRecord({ scenario: 'posts-feed-burst', pages: [page('Posts', { requests: 200 })], statements, profiles: [profile('Posts', [{ name: 'f1', query: FEED, callsPerRequest: 0.5 }])] });

  it('matches `*`, a query id and SQL text (by fingerprint), the named query over `*`, field by field', async () => {
    const rules = await queryBudgetRules({ '*': { meanMs: 5, blocksPerCall: 100 }, 'f1000000': { meanMs: 20 }, [SESSION.toUpperCase()]: { callsPerRequest: 1 } });
    expect(rules.map((rule) => rule.match)).toEqual([null, 'f1000000', (await fingerprintQuery(SESSION)).fingerprint]);
    const analysis = analyzeRuns({ candidates: [record], budgets: { queries: rules } });
    expect(analysis.checks.map((check) => [check.id, check.status, check.measured])).toEqual([
      ['budget-query-blocks:f1000000', 'fail', 180],
      ['budget-query-blocks:a1000000', 'pass', 10],
      ['budget-query-mean:f1000000', 'pass', 9],
      ['budget-query-mean:a1000000', 'pass', 0.1],
    ]);
    expect(analysis.checks[0]!.sentence).toBe(
      'Posts: query f1000000 — shared buffers per call 180 is over its 100 budget (budgets.queries["*"]): select * from posts where school_id = $1 order by created_at desc limit $2',
    );
    expect(analysis.checks[2]!.sentence).toContain('mean time 9.00 ms is within its 20.0 ms budget (budgets.queries["f1000000"])');
    expect(analysis.queries.compared.find((row) => row.id === 'f1000000')!.budget).toEqual({ meanMs: 20, blocksPerCall: 100 });
    expect(analysis.notes).toEqual([`budgets.queries[${JSON.stringify(SESSION.toUpperCase())}] matched no query of the run, so it was not checked (a query's id is in the queries table).`]);
  });

  it('fails a query over its calls-per-request budget (an N+1 caught without a baseline)', async () => {
    const analysis = analyzeRuns({ candidates: [record], budgets: { queries: await queryBudgetRules({ a1000000: { callsPerRequest: 1 } }) } });
    expect(analysis.verdict).toBe('fail');
    expect(analysis.checks[0]).toMatchObject({ id: 'budget-query-calls:a1000000', status: 'fail', measured: 2, limit: 1, queryId: 'a1000000' });
    expect(analysis.checks[0]!.sentence).toBe('query a1000000 — calls per request of the load 2 is over its 1 budget (budgets.queries["a1000000"]): select * from sessions where token = $1');
  });
});

describe('refusing comparisons that would mislead', () => {
  it('refuses a baseline from a different scenario', () => {
    const candidate = runRecord({ id: 'cand', scenario: 'posts-feed-burst' });
    const baseline = runRecord({ id: 'base', scenario: 'parents-evening-login-spike' });
    expect(() => analyzeRuns({ candidates: [candidate], baselines: [baseline] })).toThrow(RunRecordError);
    expect(() => analyzeRuns({ candidates: [candidate], baselines: [baseline] })).toThrow(
      'Baseline run base is from scenario "parents-evening-login-spike", but candidate cand is from scenario "posts-feed-burst": a baseline must be a run of the same scenario.',
    );
  });

  it('judges a p95 budget on its interval: NOT SURE (a warning, a failure when strict) when the limit lies inside it', () => {
    const wobble = (second: number) => 1 + 0.3 * Math.sin(second * 1.7);
    const noisy = (p95: number) => runRecord({ pages: [page('Posts', { p95 })], timeline: timeline([{ page: 'Posts', p95, jitter: wobble }]) });
    const budgets = { scenario: { Posts: { p95Ms: 500 } } };
    const check = (p95: number, strict = false) => analyzeRuns({ candidates: [noisy(p95)], budgets, strict, k6Thresholds: false }).checks.find((entry) => entry.kind === 'budget-p95')!;
    expect(check(510)).toMatchObject({ status: 'warn' });
    expect(check(510).sentence).toMatch(/^Posts: p95 510 ms \(95 % interval \d+ ms–\d+ ms\) is NOT SURE against its 500 ms budget \(scenario\): the limit lies inside the interval; repeat the run to judge$/);
    expect(check(510, true).status).toBe('fail');
    expect(check(900).status).toBe('fail');
    expect(check(300).status).toBe('pass');
  });
});
