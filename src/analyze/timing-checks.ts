import type { RunRecord } from '../run/run-record-schema.ts';
import type { Check, RatioInterval } from './analysis.ts';
import { formatMs, formatPercent, formatRatio } from './format-number.ts';
import { quantileRatioInterval, secondQuantiles, type TimelineQuantile } from './p95-ratio-interval.ts';
import type { PooledPage, PooledSide } from './pool-runs.ts';
import type { Thresholds } from './thresholds.ts';

export interface TimingInputs {
  baseline: PooledSide;
  candidate: PooledSide;
  tolerance: number;
  thresholds: Thresholds;
}

export function describeInterval(interval: RatioInterval): string {
  return `${formatRatio(interval.point)}, ${Math.round(interval.confidence * 100)} % interval ${formatRatio(interval.low)}–${formatRatio(interval.high)}`;
}

/**
 * Per page present on both sides, for p95 and p50: fails only when the whole
 * ratio interval lies above 1 + tolerance with repeats on both sides (one
 * run per side: a warning). The p50 catches a slowdown of most requests that
 * the tail hides; records without per-second p50s are not judged on it.
 */
export function checkTimings({ baseline, candidate, tolerance, thresholds }: TimingInputs): { checks: Check[]; intervals: Map<string, RatioInterval>; p50Intervals: Map<string, RatioInterval> } {
  const checks: Check[] = [];
  const intervals = { p95: new Map<string, RatioInterval>(), p50: new Map<string, RatioInterval>() };
  for (const page of candidate.pages) {
    const before = baseline.pages.find((entry) => entry.page === page.page);
    if (!before) continue;
    for (const quantile of ['p95', 'p50'] as const) {
      const check = quantileCheck({ baseline, candidate, tolerance, thresholds }, page, before, quantile, intervals[quantile]);
      if (check) checks.push(check);
    }
  }
  return { checks, intervals: intervals.p95, p50Intervals: intervals.p50 };
}

function quantileCheck(
  { baseline, candidate, tolerance, thresholds }: TimingInputs,
  page: PooledPage,
  before: PooledPage,
  quantile: TimelineQuantile,
  intervals: Map<string, RatioInterval>,
): Check | null {
  const kind = quantile === 'p95' ? 'p95-ratio' : 'p50-ratio';
  const interval = quantileRatioInterval({
    candidate: candidate.runs as RunRecord[],
    baseline: baseline.runs as RunRecord[],
    page: page.page,
    confidence: thresholds.timingConfidence,
    resamples: thresholds.bootstrapResamples,
    quantile,
  });
  const measured = page.latencyMs[quantile];
  const was = before.latencyMs[quantile];
  const evidence = `${page.page}: ${quantile} ${formatMs(measured)}, baseline ${formatMs(was)}`;
  const base = { id: `${kind}:${page.page}`, kind, page: page.page, queryId: null, fingerprint: null, measured, baseline: was } as const;
  if (!interval) {
    // Older records have no per-second p50: say nothing rather than "not judged" on every page.
    if (quantile === 'p50' && !hasSecondQuantiles(candidate, baseline, page.page, quantile)) return null;
    return { ...base, status: 'pass', sentence: `${evidence} (too few seconds with requests for an interval; not judged)`, limit: null, magnitude: 0 };
  }
  intervals.set(page.page, interval);
  const slower = interval.low > 1 + tolerance;
  const repeated = candidate.runs.length > 1 && baseline.runs.length > 1;
  const status = !slower ? 'pass' : repeated ? 'fail' : 'warn';
  const verdict = {
    pass: `not above the ${formatPercent(tolerance)} tolerance`,
    fail: `above the ${formatPercent(tolerance)} tolerance`,
    warn: `above the ${formatPercent(tolerance)} tolerance within these runs, but one run per side cannot tell a slowdown from machine noise; repeat both sides to judge`,
  }[status];
  return { ...base, status, sentence: `${evidence} (${describeInterval(interval)}, ${verdict})`, limit: was * (1 + tolerance), magnitude: interval.low };
}

function hasSecondQuantiles(candidate: PooledSide, baseline: PooledSide, page: string, quantile: TimelineQuantile): boolean {
  return [...candidate.runs, ...baseline.runs].every((run) => secondQuantiles(run, page, quantile).length > 0);
}
