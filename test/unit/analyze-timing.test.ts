import { describe, expect, it } from 'vitest';
import { analyzeRuns } from '../../src/analyze/analyze-runs.ts';
import { p95RatioInterval } from '../../src/analyze/p95-ratio-interval.ts';
import { page, runRecord, timeline } from '../support/run-record-builders.ts';

// A deterministic wobble, so the bootstrap has something to resample.
const wobble = (second: number) => 1 + 0.2 * Math.sin(second * 1.7);

function run(release: string, p95: number, id = release) {
  return runRecord({ id, release, pages: [page('Posts', { p95 })], timeline: timeline([{ page: 'Posts', p95, jitter: wobble }]) });
}

describe('timings with uncertainty', () => {
  it('gives the same interval every time for the same records', () => {
    const input = { candidate: [run('next', 200)], baseline: [run('baseline', 100)], page: 'Posts', confidence: 0.95, resamples: 500 };
    const first = p95RatioInterval(input)!;
    expect(p95RatioInterval(input)).toEqual(first);
    expect(first.point).toBe(2);
    expect(first.low).toBeLessThanOrEqual(2);
    expect(first.high).toBeGreaterThanOrEqual(2);
    expect(first.method).toBe('bootstrap-seconds');
  });

  it('never says DIFFERENT on one run per side, however far apart: a whole run can move that much on a busy machine', () => {
    const analysis = analyzeRuns({ baselines: [run('baseline', 100)], candidates: [run('next', 200)] });
    const check = analysis.checks.find((entry) => entry.kind === 'p95-ratio')!;
    expect(check.status).toBe('warn');
    expect(check.timing).toMatchObject({ verdict: 'NOT SURE', runs: { baseline: 1, candidate: 1 } });
    expect(check.sentence).toMatch(/^Posts: p95 200 ms, baseline 100 ms — NOT SURE \(2×, 95 % interval [\d.]+×–[\d.]+×, one run per side\): one run per side cannot tell a difference over 10.0 % tolerance from machine noise/);
    expect(analysis.verdict).toBe('pass');
  });

  it('only warns, NOT SURE, on a modest slowdown seen with one run per side; fails it when strict', () => {
    const analysis = analyzeRuns({ baselines: [run('baseline', 100)], candidates: [run('next', 120)] });
    const check = analysis.checks.find((entry) => entry.kind === 'p95-ratio')!;
    expect(check.status).toBe('warn');
    expect(check.sentence).toMatch(/^Posts: p95 120 ms, baseline 100 ms — NOT SURE \(1.2×, 95 % interval [\d.]+×–[\d.]+×, one run per side\): one run per side cannot tell a difference over 10.0 % tolerance from machine noise/);
    expect(analysis.verdict).toBe('pass');
    const strict = analyzeRuns({ baselines: [run('baseline', 100)], candidates: [run('next', 120)], strict: true });
    expect(strict.checks.find((entry) => entry.kind === 'p95-ratio')!.status).toBe('fail');
    expect(strict.verdict).toBe('fail');
  });

  it('passes a page that got much faster, reported as an improvement', () => {
    const analysis = analyzeRuns({
      baselines: [run('baseline', 200, 'b1'), run('baseline', 205, 'b2'), run('baseline', 198, 'b3')],
      candidates: [run('next', 100, 'c1'), run('next', 104, 'c2'), run('next', 99, 'c3')],
    });
    const check = analysis.checks.find((entry) => entry.kind === 'p95-ratio')!;
    expect(check.status).toBe('pass');
    expect(check.sentence).toContain('— DIFFERENT (faster, an improvement) (');
    expect(check.sentence).toContain('3 runs per side');
  });

  it('fails when repeats put the whole interval above 1 + tolerance', () => {
    const analysis = analyzeRuns({
      baselines: [run('baseline', 100, 'b1'), run('baseline', 105, 'b2'), run('baseline', 98, 'b3')],
      candidates: [run('next', 200, 'c1'), run('next', 210, 'c2'), run('next', 190, 'c3')],
    });
    const check = analysis.checks.find((entry) => entry.kind === 'p95-ratio')!;
    expect(check.status).toBe('fail');
    expect(analysis.pages[0]!.p95Ratio).toMatchObject({ method: 'repeats' });
    expect(analysis.pages[0]!.p95Ratio!.low).toBeGreaterThan(1.1);
    expect(analysis.verdict).toBe('fail');
  });

  it('passes repeats within the tolerance, and a slowdown under a wider tolerance', () => {
    const baselines = [run('baseline', 100, 'b1'), run('baseline', 104, 'b2')];
    expect(analyzeRuns({ baselines, candidates: [run('next', 103, 'c1'), run('next', 101, 'c2')] }).verdict).toBe('pass');
    expect(analyzeRuns({ baselines, candidates: [run('next', 150, 'c1'), run('next', 160, 'c2')], tolerance: 1 }).verdict).toBe('pass');
  });

  it('does not judge a page with too few seconds of requests', () => {
    const short = (release: string, p95: number) => runRecord({ release, pages: [page('Posts', { p95 })], timeline: timeline([{ page: 'Posts', p95 }], 3) });
    const check = analyzeRuns({ baselines: [short('baseline', 100)], candidates: [short('next', 300)] }).checks.find((entry) => entry.kind === 'p95-ratio')!;
    expect(check.status).toBe('pass');
    expect(check.sentence).toContain('too few seconds with requests for an interval; not judged');
  });

  it('warns on a much slower median though the p95 stayed the same', () => {
    const posts = (release: string, p50: number) => runRecord({ release, pages: [page('Posts', { p95: 300, p50 })], timeline: timeline([{ page: 'Posts', p95: 300, p50, jitter: wobble }]) });
    const analysis = analyzeRuns({ baselines: [posts('baseline', 60)], candidates: [posts('next', 150)] });
    // The unchanged p95 is NOT SURE on one run per side, said, but within the tolerance: not a warning.
    expect(analysis.checks.find((entry) => entry.kind === 'p95-ratio')).toMatchObject({ status: 'pass', timing: { verdict: 'NOT SURE' } });
    const check = analysis.checks.find((entry) => entry.kind === 'p50-ratio')!;
    expect(check).toMatchObject({ id: 'p50-ratio:Posts', status: 'warn', measured: 150, baseline: 60 });
    expect(check.sentence).toMatch(/^Posts: p50 150 ms, baseline 60.0 ms — NOT SURE \(2.5×, 95 % interval [\d.]+×–[\d.]+×, one run per side\)/);
    expect(analysis.pages[0]!.p50Ratio).toMatchObject({ point: 2.5, method: 'bootstrap-seconds' });
    expect(analysis.verdict).toBe('pass');
    expect(analysis.headline).toContain('(1 warning)');
  });

  it('fails a slower median seen in every repeat, from three runs per side', () => {
    const posts = (id: string, release: string, p50: number) => runRecord({ id, release, pages: [page('Posts', { p95: 300, p50 })], timeline: timeline([{ page: 'Posts', p95: 300, p50, jitter: wobble }]) });
    const two = analyzeRuns({ baselines: [posts('b1', 'baseline', 60), posts('b2', 'baseline', 62)], candidates: [posts('c1', 'next', 150), posts('c2', 'next', 155)] });
    expect(two.checks.find((check) => check.kind === 'p50-ratio')).toMatchObject({ status: 'warn', page: 'Posts' });
    const three = analyzeRuns({ baselines: [posts('b1', 'baseline', 60), posts('b2', 'baseline', 62), posts('b3', 'baseline', 59)], candidates: [posts('c1', 'next', 150), posts('c2', 'next', 155), posts('c3', 'next', 148)] });
    expect(three.checks[0]).toMatchObject({ kind: 'p50-ratio', status: 'fail', page: 'Posts' });
  });

  it('does not judge the median of records that kept no per-second p50', () => {
    const analysis = analyzeRuns({ baselines: [run('baseline', 100)], candidates: [run('next', 100)] });
    expect(analysis.checks.filter((entry) => entry.kind === 'p50-ratio')).toEqual([]);
  });
});
