import type { RunRecord } from '../run/run-record-schema.ts';
import type { Check, CheckStatus, RatioInterval } from './analysis.ts';
import { formatMs, formatRatio } from './format-number.ts';
import { runQuantiles, type TimelineQuantile } from './p95-ratio-interval.ts';
import type { PooledPage, PooledSide } from './pool-runs.ts';
import type { Thresholds } from './thresholds.ts';
import { judgeTiming, timingBand, type PageVerdict, type SideSamples } from './timing-verdict.ts';

export interface TimingInputs {
  baseline: PooledSide;
  candidate: PooledSide;
  tolerance: number;
  thresholds: Thresholds;
  /** NOT SURE fails instead of warning (`--strict`). */
  strict?: boolean;
}

export interface TimingOutcome {
  checks: Check[];
  intervals: Map<string, RatioInterval>;
  p50Intervals: Map<string, RatioInterval>;
  /** The p95 verdict per page. */
  verdicts: Map<string, PageVerdict>;
  p50Verdicts: Map<string, PageVerdict>;
}

export function describeInterval(interval: RatioInterval): string {
  return `${formatRatio(interval.point)}, ${Math.round(interval.confidence * 100)} % interval ${formatRatio(interval.low)}–${formatRatio(interval.high)}`;
}

/** "one run per side", "3 runs per side", "2 baseline and 3 candidate runs". */
export function runsPerSideText(runs: PageVerdict['runs']): string {
  if (runs.baseline !== runs.candidate) return `${runs.baseline} baseline and ${runs.candidate} candidate runs`;
  return runs.baseline === 1 ? 'one run per side' : `${runs.baseline} runs per side`;
}

/** "DIFFERENT (slower)", "DIFFERENT (faster, an improvement)", "SAME", "NOT SURE". */
export function verdictText(verdict: PageVerdict): string {
  if (verdict.direction === 'slower') return 'DIFFERENT (slower)';
  if (verdict.direction === 'faster') return 'DIFFERENT (faster, an improvement)';
  return verdict.verdict;
}

/**
 * What a verdict does to the gate: slower fails; faster and SAME pass; NOT
 * SURE fails only when `strict`, and otherwise warns when the measured ratio
 * is over the band (the tolerance, or the ms floor of a fast page): it looks
 * slower, unconfirmed. A NOT SURE page that measured within the band passes
 * with its verdict said: with one run per side every page is NOT SURE, and
 * a warning on each would drown the one that looks slower.
 */
export function timingStatus(verdict: PageVerdict, strict: boolean, band: number): CheckStatus {
  if (verdict.verdict === 'DIFFERENT') return verdict.direction === 'slower' ? 'fail' : 'pass';
  if (verdict.verdict === 'SAME') return 'pass';
  if (strict) return 'fail';
  return verdict.ratio > 1 + band ? 'warn' : 'pass';
}

/**
 * Per page present on both sides, for p95 and p50: the timing verdict
 * (`judgeTiming`) — DIFFERENT, SAME or NOT SURE — on the runs' values and
 * their per-second timelines. The p50 catches a slowdown of most requests
 * that the tail hides; records without per-second p50s are not judged on it.
 */
export function checkTimings(inputs: TimingInputs): TimingOutcome {
  const outcome: TimingOutcome = { checks: [], intervals: new Map(), p50Intervals: new Map(), verdicts: new Map(), p50Verdicts: new Map() };
  for (const page of inputs.candidate.pages) {
    const before = inputs.baseline.pages.find((entry) => entry.page === page.page);
    if (!before) continue;
    for (const quantile of ['p95', 'p50'] as const) {
      const judged = quantileCheck(inputs, page, before, quantile);
      if (!judged) continue;
      outcome.checks.push(judged.check);
      if (!judged.verdict) continue;
      const interval: RatioInterval = { point: judged.verdict.ratio, low: judged.verdict.low, high: judged.verdict.high, confidence: inputs.thresholds.timingConfidence, method: inputs.candidate.runs.length > 1 || inputs.baseline.runs.length > 1 ? 'repeats' : 'bootstrap-seconds' };
      (quantile === 'p95' ? outcome.intervals : outcome.p50Intervals).set(page.page, interval);
      (quantile === 'p95' ? outcome.verdicts : outcome.p50Verdicts).set(page.page, judged.verdict);
    }
  }
  return outcome;
}

/** One side's runs of a page as the verdict takes them: the quantile in the `p95` slot, whichever quantile it is; also how `ab` judges its pairs. */
export function sideSamples(runs: readonly RunRecord[], page: string, quantile: TimelineQuantile = 'p95'): SideSamples {
  return { runs: runQuantiles(runs, page, quantile).map((run) => ({ p95: run.value, secondP95s: [...run.seconds] })) };
}

function quantileCheck({ baseline, candidate, tolerance, thresholds, strict = false }: TimingInputs, page: PooledPage, before: PooledPage, quantile: TimelineQuantile): { check: Check; verdict: PageVerdict | null } | null {
  const kind = quantile === 'p95' ? 'p95-ratio' : 'p50-ratio';
  const after = sideSamples(candidate.runs, page.page, quantile);
  const was = sideSamples(baseline.runs, page.page, quantile);
  const measured = page.latencyMs[quantile];
  const baselineValue = before.latencyMs[quantile];
  const evidence = `${page.page}: ${quantile} ${formatMs(measured)}, baseline ${formatMs(baselineValue)}`;
  const base = { id: `${kind}:${page.page}`, kind, page: page.page, queryId: null, fingerprint: null, measured, baseline: baselineValue } as const;
  // Older records have no per-second p50: say nothing rather than "not judged" on every page.
  if (quantile === 'p50' && [...after.runs, ...was.runs].some((run) => run.secondP95s.length === 0)) return null;
  const verdict = judgeTiming(page.page, was, after, {
    tolerance,
    confidence: thresholds.timingConfidence,
    resamples: thresholds.bootstrapResamples,
    floorMs: thresholds.timingFloorMs,
    // `compare` judges the runs it is given; there is no next pair to wait for.
    maxRepeats: Number.POSITIVE_INFINITY,
  });
  if (!Number.isFinite(verdict.high)) {
    return { check: { ...base, status: 'pass', sentence: `${evidence} (too few seconds with requests for an interval; not judged)`, limit: null, magnitude: 0 }, verdict: null };
  }
  const band = timingBand(tolerance, baselineValue, thresholds.timingFloorMs);
  const ratio = `${formatRatio(verdict.ratio)}, ${Math.round(thresholds.timingConfidence * 100)} % interval ${formatRatio(verdict.low)}–${formatRatio(verdict.high)}, ${runsPerSideText(verdict.runs)}`;
  return {
    check: {
      ...base,
      status: timingStatus(verdict, strict, band),
      sentence: `${evidence} — ${verdictText(verdict)} (${ratio}): ${verdict.reason}`,
      limit: baselineValue * (1 + band),
      magnitude: verdict.low,
      timing: verdict,
    },
    verdict,
  };
}
