import { describe, expect, it } from 'vitest';
import { analyzeRuns } from '../../src/analyze/analyze-runs.ts';
import { RunRecordError } from '../../src/errors.ts';
import type { RunRecord } from '../../src/run/run-record.ts';
import { page, runRecord } from '../support/run-record-builders.ts';

const budgets = { scenario: { Login: { p95Ms: 1500 } } };

function incomplete(record: RunRecord, stage: string, message: string, status: 'incomplete' | 'interrupted' = 'incomplete'): RunRecord {
  return { ...record, status, failure: { stage, message } };
}

describe('the gate passes only what it measured', () => {
  it('fails a report with no check at all, saying nothing was checked', () => {
    const analysis = analyzeRuns({ candidates: [runRecord({ pages: [page('Login')] })] });
    expect(analysis.verdict).toBe('fail');
    expect(analysis.checks).toEqual([]);
    expect(analysis.headline).toBe('FAIL — parents-evening-login-spike: baseline: nothing was checked (no baseline, no budgets in the scenario or the config), so nothing can pass');
  });

  it('fails an incomplete candidate, with the failed stage in the headline, even when its budgets pass', () => {
    const run = incomplete(runRecord({ id: 'cand', pages: [page('Login', { p95: 40 })] }), 'probe', 'HTTP 500 from /bookings');
    const analysis = analyzeRuns({ candidates: [run], budgets });
    expect(analysis.verdict).toBe('fail');
    expect(analysis.checks[0]).toMatchObject({ id: 'run-status:cand', kind: 'run-status', status: 'fail' });
    expect(analysis.headline).toBe(
      'FAIL — parents-evening-login-spike: baseline: candidate run cand is incomplete (probe: HTTP 500 from /bookings): a run that did not finish cannot pass; 1 of 3 checks failed',
    );
  });

  it('fails an interrupted baseline that has results', () => {
    const base = incomplete(runRecord({ id: 'base', pages: [page('Login')] }), 'load', 'interrupted by SIGINT during load', 'interrupted');
    const analysis = analyzeRuns({ candidates: [runRecord({ id: 'cand', release: 'pr', pages: [page('Login')] })], baselines: [base], budgets });
    expect(analysis.verdict).toBe('fail');
    expect(analysis.checks.filter((check) => check.status === 'fail').map((check) => check.sentence)).toEqual([
      'baseline run base is interrupted (load: interrupted by SIGINT during load): a run that did not finish cannot pass',
    ]);
  });

  it.each([
    ['the same run on both sides', () => [runRecord({ id: 'a' })], () => [runRecord({ id: 'a' })], /Run a is given as both the baseline and the candidate/],
    ['one run twice as a candidate', () => [runRecord({ id: 'a' }), runRecord({ id: 'a' })], () => [], /Run a is given twice as a candidate/],
    ['a baseline that measured nothing', () => [runRecord({ id: 'a' })], () => [incomplete({ ...runRecord({ id: 'b' }), pages: [] }, 'database', 'initdb failed')], /Baseline run b measured nothing to compare with: it is incomplete \(database: initdb failed\)/],
  ])('refuses %s as unusable input (exit 2)', (_, candidates, baselines, message) => {
    const attempt = () => analyzeRuns({ candidates: candidates(), baselines: baselines() });
    expect(attempt).toThrow(RunRecordError);
    expect(attempt).toThrow(message);
  });

  it("checks the scenario's overall budget, and fails every page over it, when every request failed", () => {
    const pages = [page('Login', { requests: 50, errors: 50, p95: 3 }), page('Search', { requests: 50, errors: 50, p95: 2 })];
    const run = { ...runRecord({ id: 'third-party', pages }), k6: { exitCode: 99, thresholdsFailed: true } };
    const totals = { ...run.totals!, requests: 100, errors: 100, errorRate: 1 };
    const analysis = analyzeRuns({ candidates: [{ ...run, totals }], budgets: { overall: { errorRate: 0.01 } } });
    expect(analysis.verdict).toBe('fail');
    expect(analysis.checks.map((check) => [check.id, check.status])).toEqual([
      ['budget-error-rate:overall', 'fail'],
      ['k6-thresholds:third-party', 'fail'],
    ]);
    expect(analysis.checks[0]!.sentence).toBe('overall: error rate 100.0 % is over its 1.0 % budget (scenario, overall)');
    expect(analysis.pages.map((row) => [row.page, row.verdict])).toEqual([
      ['Login', 'fail'],
      ['Search', 'fail'],
    ]);
  });

  it("fails on k6's own threshold failure even when the recomputed budgets pass", () => {
    const run = { ...runRecord({ id: 'k6-says-no', pages: [page('Login', { p95: 40 })] }), k6: { exitCode: 99, thresholdsFailed: true } };
    const analysis = analyzeRuns({ candidates: [run], budgets });
    expect(analysis.verdict).toBe('fail');
    expect(analysis.checks.map((check) => [check.kind, check.status])).toEqual([
      ['k6-thresholds', 'fail'],
      ['budget-p95', 'pass'],
    ]);
  });

  it("names each threshold k6 found broken, on its page, so that page never shows pass", () => {
    const k6 = { exitCode: 99, thresholdsFailed: true, failedThresholds: [{ metric: 'http_req_duration{page:Login}', threshold: 'p(95)<1500' }, { metric: 'http_req_failed', threshold: 'rate<=0.01' }] };
    const run = { ...runRecord({ id: 'r', pages: [page('Login', { p95: 1490 }), page('Posts')] }), k6 };
    const analysis = analyzeRuns({ candidates: [run], budgets });
    expect(analysis.checks.filter((check) => check.kind === 'k6-thresholds').map((check) => [check.page, check.sentence])).toEqual([
      ['Login', 'Login: k6 found its threshold http_req_duration{page:Login} p(95)<1500 broken in run r'],
      [null, 'overall: k6 found its threshold http_req_failed rate<=0.01 broken in run r'],
    ]);
    expect(analysis.pages.map((row) => [row.page, row.verdict])).toEqual([
      ['Login', 'fail'],
      ['Posts', 'pass'],
    ]);
  });

  it('fails a page the scenario budgets but the run never measured', () => {
    const analysis = analyzeRuns({ candidates: [runRecord({ id: 'r', pages: [page('Login')] })], budgets: { scenario: { Login: { p95Ms: 1500 }, Posts: { errorRate: 0.01 } } } });
    expect(analysis.verdict).toBe('fail');
    expect(analysis.checks[0]).toMatchObject({ id: 'budget-unmeasured:Posts', status: 'fail', sentence: 'Posts: no request was measured, so its budget (scenario) could not be checked' });
  });

  it('fails an overall budget when the run read no sample at all', () => {
    const run = { ...runRecord({ id: 'empty', pages: [] }), totals: null };
    const analysis = analyzeRuns({ candidates: [run], budgets: { overall: { p95Ms: 500 } } });
    expect(analysis.checks.map((check) => [check.id, check.status])).toEqual([
      ['budget-unmeasured:overall', 'fail'],
      ['k6-thresholds:empty', 'pass'],
    ]);
  });
});
