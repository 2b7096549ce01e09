import type { RunRecord } from '../run/run-record-schema.ts';
import type { Check, RatioInterval } from './analysis.ts';
import { formatMs, formatPercent, formatRatio } from './format-number.ts';
import { p95RatioInterval } from './p95-ratio-interval.ts';
import type { PooledSide } from './pool-runs.ts';
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

/** Per page present on both sides: fails only when the whole p95-ratio interval lies above 1 + tolerance. */
export function checkTimings({ baseline, candidate, tolerance, thresholds }: TimingInputs): { checks: Check[]; intervals: Map<string, RatioInterval> } {
  const checks: Check[] = [];
  const intervals = new Map<string, RatioInterval>();
  for (const page of candidate.pages) {
    const before = baseline.pages.find((entry) => entry.page === page.page);
    if (!before) continue;
    const interval = p95RatioInterval({
      candidate: candidate.runs as RunRecord[],
      baseline: baseline.runs as RunRecord[],
      page: page.page,
      confidence: thresholds.timingConfidence,
      resamples: thresholds.bootstrapResamples,
    });
    const evidence = `${page.page}: p95 ${formatMs(page.latencyMs.p95)}, baseline ${formatMs(before.latencyMs.p95)}`;
    if (!interval) {
      checks.push({ id: `p95-ratio:${page.page}`, kind: 'p95-ratio', status: 'pass', page: page.page, queryId: null, fingerprint: null, sentence: `${evidence} (too few seconds with requests for an interval; not judged)`, measured: page.latencyMs.p95, baseline: before.latencyMs.p95, limit: null, magnitude: 0 });
      continue;
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
    checks.push({
      id: `p95-ratio:${page.page}`,
      kind: 'p95-ratio',
      status,
      page: page.page,
      queryId: null,
      fingerprint: null,
      sentence: `${evidence} (${describeInterval(interval)}, ${verdict})`,
      measured: page.latencyMs.p95,
      baseline: before.latencyMs.p95,
      limit: before.latencyMs.p95 * (1 + tolerance),
      magnitude: interval.low,
    });
  }
  return { checks, intervals };
}
