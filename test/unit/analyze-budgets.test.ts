import { describe, expect, it } from 'vitest';
import { analyzeRuns } from '../../src/analyze/analyze-runs.ts';
import { resolvePageBudget } from '../../src/analyze/budget-checks.ts';
import { RunRecordError } from '../../src/errors.ts';
import { page, runRecord } from '../support/run-record-builders.ts';

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

describe('refusing comparisons that would mislead', () => {
  it('refuses a baseline from a different scenario', () => {
    const candidate = runRecord({ id: 'cand', scenario: 'posts-feed-burst' });
    const baseline = runRecord({ id: 'base', scenario: 'parents-evening-login-spike' });
    expect(() => analyzeRuns({ candidates: [candidate], baselines: [baseline] })).toThrow(RunRecordError);
    expect(() => analyzeRuns({ candidates: [candidate], baselines: [baseline] })).toThrow(
      'Baseline run base is from scenario "parents-evening-login-spike", but candidate cand is from scenario "posts-feed-burst": a baseline must be a run of the same scenario.',
    );
  });
});
