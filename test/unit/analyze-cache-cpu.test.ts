import { describe, expect, it } from 'vitest';
import { analyzeRuns } from '../../src/analyze/analyze-runs.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import { ConfigError } from '../../src/errors.ts';
import type { RunRecord } from '../../src/run/run-record-schema.ts';
import { runRecord } from '../support/run-record-builders.ts';

/** A run whose cache server was busy `cores` at each second (its peak is the highest). */
function withCache(id: string, cores: number[]): RunRecord {
  const record = runRecord({ id });
  const samples = cores.map((cpuCores, second) => ({ time: 1_700_000_000_000 + second * 1000, commands: { get: 100 }, hits: 90, misses: 10, inputBytes: 0, outputBytes: 0, usedMemoryBytes: 1_000_000, connectedClients: 3, cpuCores }));
  return { ...record, cacheServer: { source: 'started', notMeasured: null, intervalMs: 1000, samples, failures: { count: 0, last: null } } };
}

const cacheChecks = (analysis: ReturnType<typeof analyzeRuns>) => analysis.checks.filter((check) => check.kind === 'cache-cpu' || check.kind === 'budget-cache-cpu');

describe('the cache server’s CPU at peak', () => {
  it('fails against the baseline when it grew past both the ratio and the increase', () => {
    const analysis = analyzeRuns({ baselines: [withCache('base', [0.05, 0.09, 0.07])], candidates: [withCache('cand', [0.2, 0.71, 0.5])], k6Thresholds: false });
    const [check] = cacheChecks(analysis);
    expect(check).toMatchObject({ id: 'cache-cpu:cache server', status: 'fail', measured: 71, baseline: 9 });
    expect(check!.sentence).toBe('Cache server: CPU 71.0 % of a core at peak, baseline 9.0 % (7.89×)');
    expect(analysis.verdict).toBe('fail');
  });

  it('passes a difference inside what two runs of one release differ by', () => {
    // Twice the baseline, but 3 points: a busier second of an idle server, not a release.
    const analysis = analyzeRuns({ baselines: [withCache('base', [0.03])], candidates: [withCache('cand', [0.06])], k6Thresholds: false });
    expect(cacheChecks(analysis).map((check) => check.status)).toEqual(['pass']);
  });

  it('checks budgets.cache.maxCpuPercent without a baseline', () => {
    const over = analyzeRuns({ candidates: [withCache('cand', [0.4, 0.71])], budgets: { cache: { maxCpuPercent: 50 } }, k6Thresholds: false });
    expect(cacheChecks(over).map((check) => [check.kind, check.status, check.sentence])).toEqual([
      ['budget-cache-cpu', 'fail', 'Cache server: CPU 71.0 % of a core at peak is over its 50.0 % budget (config budgets.cache.maxCpuPercent)'],
    ]);
    const within = analyzeRuns({ candidates: [withCache('cand', [0.2])], budgets: { cache: { maxCpuPercent: 50 } }, k6Thresholds: false });
    expect(cacheChecks(within).map((check) => check.status)).toEqual(['pass']);
  });

  it('judges nothing where the cache server was not measured, and says a budget was not checked', () => {
    const analysis = analyzeRuns({ baselines: [withCache('base', [0.1])], candidates: [runRecord({ id: 'cand' })], budgets: { cache: { maxCpuPercent: 50 } }, k6Thresholds: false });
    expect(cacheChecks(analysis)).toEqual([]);
    expect(analysis.notes).toContain('budgets.cache.maxCpuPercent was not checked: the run did not measure a cache server (services.redis).');
  });

  it('takes budgets.cache from the config, and refuses anything but a positive percentage, naming the path', () => {
    expect(validateConfig('rehearse.config.ts', { budgets: { cache: { maxCpuPercent: 60 } } }).budgets.cache).toEqual({ maxCpuPercent: 60 });
    for (const cache of [{ maxCpuPercent: 0 }, { maxCpu: 60 }]) {
      expect(() => validateConfig('rehearse.config.ts', { budgets: { cache } })).toThrow(ConfigError);
      expect(() => validateConfig('rehearse.config.ts', { budgets: { cache } })).toThrow(/budgets\.cache/);
    }
  });
});
