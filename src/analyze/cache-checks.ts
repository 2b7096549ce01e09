import type { RunRecord } from '../run/run-record-schema.ts';
import type { Check } from './analysis.ts';
import { summarizeCacheServer } from './cache-server-summary.ts';
import { formatRatio } from './format-number.ts';
import { median } from './statistics.ts';
import { exceeds, type Thresholds } from './thresholds.ts';

/** `budgets.cache` of the config: what the cache server (`services.redis`) may use during the load. */
export interface CacheBudget {
  /** Its busiest interval's CPU, % of one core (Redis runs commands on one thread). */
  maxCpuPercent?: number;
}

export interface CacheCheckInputs {
  candidates: readonly RunRecord[];
  baselines: readonly RunRecord[];
  thresholds: Thresholds;
  budget?: CacheBudget;
}

const subject = { page: null, queryId: null, fingerprint: null } as const;

/** The cache server's CPU at its busiest interval, % of one core, the median over repeats; null when no run measured it. */
export function cacheCpuPercentAtPeak(runs: readonly RunRecord[]): number | null {
  const peaks = runs.flatMap((run) => {
    const summary = summarizeCacheServer(run.cacheServer);
    return summary ? [summary.peakCpuCores * 100] : [];
  });
  return peaks.length === 0 ? null : median(peaks);
}

const percent = (value: number) => `${value.toFixed(1)} %`;

/**
 * "cache CPU 71.0 % at peak, baseline 9.0 %": the cache server's CPU at its
 * busiest interval against the baseline's (ratio and increase, as counter
 * checks), and against `budgets.cache.maxCpuPercent`. A cache change that
 * turns shared keys into per-user ones, or large values into many small
 * commands, overloads the cache server before the database notices.
 * Nothing is checked where the cache server was not measured; a budget
 * that could not be checked is said in a note.
 */
export function checkCacheServer(inputs: CacheCheckInputs): { checks: Check[]; notes: string[] } {
  const value = cacheCpuPercentAtPeak(inputs.candidates);
  const maxCpuPercent = inputs.budget?.maxCpuPercent;
  if (value === null) {
    const notes = maxCpuPercent === undefined ? [] : ['budgets.cache.maxCpuPercent was not checked: the run did not measure a cache server (services.redis).'];
    return { checks: [], notes };
  }
  const checks: Check[] = [];
  const baseline = inputs.baselines.length > 0 ? cacheCpuPercentAtPeak(inputs.baselines) : null;
  if (baseline !== null) checks.push(regressionCheck(value, baseline, inputs.thresholds.cacheCpuPercentAtPeak));
  if (maxCpuPercent !== undefined) checks.push(budgetCheck(value, maxCpuPercent));
  return { checks, notes: [] };
}

function regressionCheck(value: number, baseline: number, limit: Thresholds['cacheCpuPercentAtPeak']): Check {
  const ratio = baseline === 0 ? (value === 0 ? 1 : Number.POSITIVE_INFINITY) : value / baseline;
  return {
    ...subject,
    id: 'cache-cpu:cache server',
    kind: 'cache-cpu',
    status: exceeds(value, baseline, limit) ? 'fail' : 'pass',
    sentence: `Cache server: CPU ${percent(value)} of a core at peak, baseline ${percent(baseline)} (${formatRatio(ratio)})`,
    measured: value,
    baseline,
    limit: Math.max(baseline * limit.ratio, baseline + limit.increase),
    magnitude: ratio,
  };
}

function budgetCheck(value: number, limit: number): Check {
  const over = value > limit;
  return {
    ...subject,
    id: 'budget-cache-cpu:cache server',
    kind: 'budget-cache-cpu',
    status: over ? 'fail' : 'pass',
    sentence: `Cache server: CPU ${percent(value)} of a core at peak ${over ? 'is over' : 'is within'} its ${percent(limit)} budget (config budgets.cache.maxCpuPercent)`,
    measured: value,
    baseline: null,
    limit,
    magnitude: value / limit,
  };
}
