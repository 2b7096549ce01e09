import type { RatioInterval } from './analysis.ts';
import { formatPercent, formatRatio } from './format-number.ts';
import { mannWhitneyPValue, smallestPValue } from './mann-whitney.ts';
import { sampleQuantileInterval, sampleRatioInterval, type RunQuantile } from './p95-ratio-interval.ts';
import { median } from './statistics.ts';
import { DEFAULT_THRESHOLDS } from './thresholds.ts';

/**
 * Is a page slower, the same, or can the runs not tell? The rule, after
 * Chromium's Pinpoint (which decides DIFFERENT when min(Kolmogorov-Smirnov,
 * Mann-Whitney) p ≤ 0.01, SAME when p is above a "high threshold" that falls
 * with the sample size and the effect looked for, and otherwise runs more
 * attempts), adapted to the handful of runs a rehearsal can afford:
 *
 * - Rank evidence: the two-sided Mann-Whitney p-value of the runs' p95s ≤
 *   `alpha` (0.01, Pinpoint's low threshold). Below five runs per side the
 *   test cannot reach 0.01 (3 + 3: 0.1 at best); there, every run of one side
 *   beyond every run of the other stands in for it. Kolmogorov-Smirnov is left
 *   out: with 1–5 runs it adds no power, and the smaller of two p-values
 *   raises the false-alarm rate.
 * - DIFFERENT: rank evidence, and the ratio interval wholly above
 *   (1 + tolerance) × m (slower) or below (1 − tolerance) / m (faster), where
 *   m = (1 + runNoise)^(1/√n), n the fewer runs of the two sides, runNoise
 *   0.2: the run-to-run noise a bootstrap of so few runs cannot see: three
 *   runs per side need the interval above 1.22× at a 10 % tolerance, five
 *   1.19×. At least three runs per side: with two, every run of one side
 *   beyond every run of the other happens by chance in one A/A pair of three
 *   (either way), so the interval alone would decide, and it is too narrow:
 *   20 A/A comparisons of 10-s runs (bench/ab-aa.ts) had My Bookings
 *   DIFFERENT after two pairs twice (p95s 19.4, 15.1 against 9.6, 6.8 ms),
 *   both undone by the third. One run per side never decides: on a busy
 *   2-core machine one whole run of an unchanged release measured Login's
 *   p95 3.6× its twin's (report-acceptance, baseline against baseline), with
 *   an interval of seconds well clear of any margin.
 * - SAME: the interval wholly inside [1/(1 + tolerance), 1 + tolerance] with
 *   at least two runs per side: one run per side cannot see how far a whole
 *   run moves, so it never rules a difference out. This is the interval form
 *   of Pinpoint's high threshold: it narrows with runs and with the effect.
 * - NOT SURE otherwise: another pair, up to `maxRepeats` per side.
 */
export type Verdict = 'DIFFERENT' | 'SAME' | 'NOT SURE';

/** One side's evidence for one page: per run, the run's p95 (from its HDR histogram) and its per-second p95s. */
export interface SideSamples {
  runs: Array<{ p95: number; secondP95s: number[] }>;
}

export interface PageVerdict {
  page: string;
  verdict: Verdict;
  /** candidate / baseline p95 (medians over runs), with its interval at `confidence`; without an interval (too few seconds) low 0 and high ∞. */
  ratio: number;
  low: number;
  high: number;
  /** Mann-Whitney (two-sided) p-value on per-run p95s; null when a side has no run. */
  pValue: number | null;
  /** For DIFFERENT. */
  direction: 'slower' | 'faster' | null;
  runs: { baseline: number; candidate: number };
  /** Why it stopped or what it waits for, in words. */
  reason: string;
  /** Optional addition to the API: the interval's confidence level. */
  confidence?: number;
}

export interface VerdictOptions {
  /** 0.10 = 10 %. */
  tolerance: number;
  /** Default 0.95. */
  confidence?: number;
  /** Default 0.01. */
  alpha?: number;
  /** Default 2000. */
  resamples?: number;
  maxRepeats: number;
  seed?: number;
  /** Optional addition to the API: how far a whole run's p95 can move on an unchanged release (default 0.2). */
  runNoise?: number;
}

export const DEFAULT_ALPHA = 0.01;
/** Fewer runs per side than this never make a page DIFFERENT (see {@link Verdict}). */
export const MIN_RUNS_FOR_DIFFERENT = 3;
export const DEFAULT_RUN_NOISE = 0.2;

const toQuantiles = (side: SideSamples): RunQuantile[] => side.runs.map((run) => ({ value: run.p95, seconds: run.secondP95s }));

/** "1.31–1.52×" */
function span(low: number, high: number): string {
  return `${formatRatio(low).replace('×', '')}–${formatRatio(high)}`;
}

/** The run-noise allowance: how much further than the tolerance the interval must lie when the rank test cannot reach `alpha`. */
export function runNoiseAllowance(runsPerSide: number, runNoise = DEFAULT_RUN_NOISE): number {
  return (1 + runNoise) ** (1 / Math.sqrt(Math.max(1, runsPerSide)));
}

/**
 * The verdict for one page (see {@link Verdict} for the rule).
 *
 * @example
 * judgeTiming('My Bookings', baseline, candidate, { tolerance: 0.1, maxRepeats: 5 });
 * // { verdict: 'DIFFERENT', direction: 'slower', ratio: 1.4, low: 1.31, high: 1.52, reason: 'interval 1.31–1.52× above the 10.0 % tolerance …' }
 */
export function judgeTiming(page: string, baseline: SideSamples, candidate: SideSamples, options: VerdictOptions): PageVerdict {
  const confidence = options.confidence ?? DEFAULT_THRESHOLDS.timingConfidence;
  const runs = { baseline: baseline.runs.length, candidate: candidate.runs.length };
  const interval = sampleRatioInterval(toQuantiles(candidate), toQuantiles(baseline), { confidence, resamples: options.resamples ?? DEFAULT_THRESHOLDS.bootstrapResamples, ...(options.seed !== undefined ? { seed: options.seed } : {}) });
  const before = baseline.runs.map((run) => run.p95);
  const after = candidate.runs.map((run) => run.p95);
  const pValue = before.length > 0 && after.length > 0 ? mannWhitneyPValue(after, before) : null;
  const base = { page, pValue, runs, confidence };
  if (!interval) {
    const bothSides = before.length > 0 && after.length > 0;
    const ratio = bothSides ? median(after) / median(before) : Number.NaN;
    const reason = bothSides ? 'too few seconds with requests for an interval' : 'no timed run on one side yet';
    return { ...base, verdict: 'NOT SURE', ratio, low: 0, high: Number.POSITIVE_INFINITY, direction: null, reason };
  }
  const decided = decide(interval, before, after, pValue ?? 1, options);
  return { ...base, ratio: interval.point, low: interval.low, high: interval.high, ...decided };
}

function decide(interval: RatioInterval, before: number[], after: number[], pValue: number, options: VerdictOptions): Pick<PageVerdict, 'verdict' | 'direction' | 'reason'> {
  const { tolerance } = options;
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  const fewer = Math.min(before.length, after.length);
  const allowance = runNoiseAllowance(fewer, options.runNoise);
  const range = span(interval.low, interval.high);
  const tolerancePhrase = `the ${formatPercent(tolerance)} tolerance`;
  // Below five runs per side the rank test cannot reach alpha: every run of one side beyond every run of the other stands in for it.
  const rankCanDecide = smallestPValue(after.length, before.length) <= alpha;
  const rankEvidence = (separated: boolean) => pValue <= alpha || (!rankCanDecide && separated);
  const evidence = (direction: string) => (rankCanDecide ? `Mann-Whitney p = ${formatP(pValue)}` : `every candidate run ${direction} than every baseline run`);
  const margin = `beyond the ${formatRatio(allowance)} a run's p95 moves with ${runsPerSideText(fewer)}`;
  const enough = fewer >= MIN_RUNS_FOR_DIFFERENT;
  if (enough && rankEvidence(Math.min(...after) > Math.max(...before)) && interval.low > (1 + tolerance) * allowance) {
    return { verdict: 'DIFFERENT', direction: 'slower', reason: `interval ${range} above ${tolerancePhrase} ${margin}; ${evidence('slower')}` };
  }
  if (enough && rankEvidence(Math.max(...after) < Math.min(...before)) && interval.high < (1 - tolerance) / allowance) {
    return { verdict: 'DIFFERENT', direction: 'faster', reason: `interval ${range} below ${tolerancePhrase} ${margin}; ${evidence('faster')}` };
  }
  if (fewer >= 2 && interval.low >= 1 / (1 + tolerance) && interval.high <= 1 + tolerance) {
    return { verdict: 'SAME', direction: null, reason: `a difference over ${formatPercent(tolerance)} ruled out (${range})` };
  }
  return { verdict: 'NOT SURE', direction: null, reason: notSureReason(fewer, options.maxRepeats, range, tolerancePhrase) };
}

function runsPerSideText(runs: number): string {
  return runs === 1 ? 'one run per side' : `${runs} runs per side`;
}

function notSureReason(fewer: number, maxRepeats: number, interval: string, tolerancePhrase: string): string {
  if (fewer >= maxRepeats) return `${fewer} runs per side and still undecided (${interval})`;
  if (fewer === 1) return `one run per side cannot tell a difference over ${tolerancePhrase.replace('the ', '')} from machine noise (${interval})`;
  return `interval ${interval} neither clear of nor inside ${tolerancePhrase} with ${fewer} runs per side`;
}

function formatP(p: number): string {
  return p < 0.001 ? p.toExponential(1) : String(Number(p.toPrecision(2)));
}

/** Another pair is worth running: some page is NOT SURE and fewer than maxRepeats runs per side. */
export function needsAnotherPair(verdicts: PageVerdict[], runsPerSide: number, maxRepeats: number): boolean {
  return runsPerSide < maxRepeats && verdicts.some((verdict) => verdict.verdict === 'NOT SURE');
}

/** A p95/p99 budget judged on its interval: fails when the interval lies above the limit, passes when below, NOT SURE when the limit is inside. */
export function judgeBudget(limit: number, interval: { value: number; low: number; high: number }): 'pass' | 'fail' | 'NOT SURE' {
  if (interval.low > limit) return 'fail';
  if (interval.high <= limit) return 'pass';
  return 'NOT SURE';
}

/**
 * The interval of one run's (or several runs') page percentile from per-second samples (bootstrap, seeded).
 * For a p99, pass the runs' p99 as `p95` with their per-second p95s: the timeline keeps no per-second p99,
 * so the p95's relative spread stands in for it (a p99 moves at least as much, so this is the narrower bound).
 */
export function percentileInterval(runs: SideSamples['runs'], confidence = DEFAULT_THRESHOLDS.timingConfidence): { value: number; low: number; high: number } | null {
  return sampleQuantileInterval(
    runs.map((run) => ({ value: run.p95, seconds: run.secondP95s })),
    { confidence, resamples: DEFAULT_THRESHOLDS.bootstrapResamples },
  );
}
