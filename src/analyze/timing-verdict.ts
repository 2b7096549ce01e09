import type { RatioInterval } from './analysis.ts';
import { formatMs, formatPercent, formatRatio } from './format-number.ts';
import { mannWhitneyPValue, smallestPValue } from './mann-whitney.ts';
import { runRatioInterval, runRatioSpread, sampleQuantileInterval, sampleRatioInterval, type RunQuantile } from './p95-ratio-interval.ts';
import { median } from './statistics.ts';
import { DEFAULT_THRESHOLDS } from './thresholds.ts';

/**
 * Is a page slower, the same, or can the runs not tell? The rule, after
 * Chromium's Pinpoint (which decides DIFFERENT when min(Kolmogorov-Smirnov,
 * Mann-Whitney) p ≤ 0.01, SAME when p is above a "high threshold" that falls
 * with the sample size and the effect looked for, and otherwise runs more
 * attempts), adapted to the handful of runs a rehearsal can afford:
 *
 * - The interval: with repeats, Student's t over the runs' log p95s
 *   (`runRatioInterval`): a run's p95 moves as a whole from run to run (the
 *   A/A series, docs/BENCHMARKS.md: a 10 ms page's p95 by 21 % between
 *   consecutive 10-s runs, median), so the runs, not the seconds inside one,
 *   say how sure the ratio is. With one run per side, a bootstrap of its
 *   per-second timeline, shown but never deciding.
 * - The band: the tolerance, or `floorMs` of the baseline's p95 when that is
 *   more (default 1 ms): 10 % of a 5 ms page is 0.5 ms, less than one
 *   scheduler or GC pause moves a request on a shared machine, so no
 *   interval of such a page fits inside ±10 %.
 * - Rank evidence: the two-sided Mann-Whitney p-value of the runs' p95s ≤
 *   `alpha` (0.01, Pinpoint's low threshold). Below five runs per side the
 *   test cannot reach 0.01 (3 + 3: 0.1 at best); there, every run of one side
 *   beyond every run of the other stands in for it. Kolmogorov-Smirnov is left
 *   out: with 1–5 runs it adds no power, and the smaller of two p-values
 *   raises the false-alarm rate.
 * - DIFFERENT: rank evidence, and the interval at 1 − `alpha` (99 %) wholly
 *   beyond the band, with at least three runs per side: with two, every run
 *   of one side beyond every run of the other happens by chance in one A/A
 *   pair of three (either way); 20 A/A comparisons of 10-s runs
 *   (bench/ab-aa.ts) had My Bookings apart that way twice (p95s 19.4, 15.1
 *   against 9.6, 6.8 ms), both undone by the third pair.
 * - SAME: the interval at 1 − 2 × (1 − confidence) (90 %) wholly inside the
 *   band, with at least two runs per side: the two one-sided tests of
 *   equivalence (TOST), each at 5 %, i.e. a difference beyond the band is
 *   ruled out at the same 5 % a DIFFERENT is claimed at. One run per side
 *   cannot see how far a whole run moves, so it never rules anything out.
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
  /** The band's floor in milliseconds of the baseline's p95 (default `DEFAULT_THRESHOLDS.timingFloorMs`). */
  floorMs?: number;
}

export const DEFAULT_ALPHA = 0.01;
/** Fewer runs per side than this never make a page DIFFERENT (see {@link Verdict}). */
export const MIN_RUNS_FOR_DIFFERENT = 3;

const toQuantiles = (side: SideSamples): RunQuantile[] => side.runs.map((run) => ({ value: run.p95, seconds: run.secondP95s }));

/** "1.31–1.52×" */
function span(low: number, high: number): string {
  return `${formatRatio(low).replace('×', '')}–${formatRatio(high)}`;
}

/** The half-width of the verdict's band as a ratio: the tolerance, or `floorMs` of the baseline's p95 when that is more. */
export function timingBand(tolerance: number, baselineP95: number, floorMs: number): number {
  return baselineP95 > 0 ? Math.max(tolerance, floorMs / baselineP95) : tolerance;
}

/**
 * The verdict for one page (see {@link Verdict} for the rule).
 *
 * @example
 * judgeTiming('My Bookings', baseline, candidate, { tolerance: 0.1, maxRepeats: 5 });
 * // { verdict: 'DIFFERENT', direction: 'slower', ratio: 1.45, low: 1.22, high: 1.72, reason: '99 % interval 1.13–1.86× above the 10.0 % tolerance; Mann-Whitney p = 0.0079' }
 */
export function judgeTiming(page: string, baseline: SideSamples, candidate: SideSamples, options: VerdictOptions): PageVerdict {
  const confidence = options.confidence ?? DEFAULT_THRESHOLDS.timingConfidence;
  const runs = { baseline: baseline.runs.length, candidate: candidate.runs.length };
  const spread = runRatioSpread(toQuantiles(candidate), toQuantiles(baseline), options.seed);
  const interval = spread
    ? runRatioInterval(spread, confidence)
    : sampleRatioInterval(toQuantiles(candidate), toQuantiles(baseline), { confidence, resamples: options.resamples ?? DEFAULT_THRESHOLDS.bootstrapResamples, ...(options.seed !== undefined ? { seed: options.seed } : {}) });
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
  const alpha = options.alpha ?? DEFAULT_ALPHA;
  // DIFFERENT at alpha (99 %); SAME by two one-sided tests at 1 − confidence each, i.e. the interval at 1 − 2 × (1 − confidence) (90 %).
  const levels = spread ? { different: runRatioInterval(spread, 1 - alpha), same: runRatioInterval(spread, 1 - 2 * (1 - confidence)) } : null;
  const band = { ratio: timingBand(options.tolerance, median(before), options.floorMs ?? DEFAULT_THRESHOLDS.timingFloorMs), tolerance: options.tolerance, baselineP95: median(before) };
  const decided = decide(interval, levels, band, before, after, pValue ?? 1, { ...options, alpha });
  return { ...base, ratio: interval.point, low: interval.low, high: interval.high, ...decided };
}

/** "the 10.0 % tolerance", or "the 22.2 % band (1 ms of a 4.5 ms p95)" when the floor sets it. */
function bandPhrase(band: { ratio: number; tolerance: number; baselineP95: number }): string {
  if (band.ratio <= band.tolerance) return `the ${formatPercent(band.tolerance)} tolerance`;
  return `the ${formatPercent(band.ratio)} band (${formatMs(band.ratio * band.baselineP95)} of a ${formatMs(band.baselineP95)} p95)`;
}

function decide(
  interval: RatioInterval,
  levels: { different: RatioInterval; same: RatioInterval } | null,
  band: { ratio: number; tolerance: number; baselineP95: number },
  before: number[],
  after: number[],
  pValue: number,
  options: VerdictOptions & { alpha: number },
): Pick<PageVerdict, 'verdict' | 'direction' | 'reason'> {
  const fewer = Math.min(before.length, after.length);
  const range = span(interval.low, interval.high);
  const phrase = bandPhrase(band);
  const level = (at: RatioInterval) => `${formatPercent(at.confidence).replace('.0 %', ' %')} interval ${span(at.low, at.high)}`;
  // Below five runs per side the rank test cannot reach alpha: every run of one side beyond every run of the other stands in for it.
  const rankCanDecide = smallestPValue(after.length, before.length) <= options.alpha;
  const rankEvidence = (separated: boolean) => pValue <= options.alpha || (!rankCanDecide && separated);
  const evidence = (direction: string) => (rankCanDecide ? `Mann-Whitney p = ${formatP(pValue)}` : `every candidate run ${direction} than every baseline run`);
  const different = fewer >= MIN_RUNS_FOR_DIFFERENT ? levels?.different : undefined;
  if (different && rankEvidence(Math.min(...after) > Math.max(...before)) && different.low > 1 + band.ratio) {
    return { verdict: 'DIFFERENT', direction: 'slower', reason: `${level(different)} above ${phrase}; ${evidence('slower')}` };
  }
  if (different && rankEvidence(Math.max(...after) < Math.min(...before)) && different.high < 1 / (1 + band.ratio)) {
    return { verdict: 'DIFFERENT', direction: 'faster', reason: `${level(different)} below ${phrase}; ${evidence('faster')}` };
  }
  const same = fewer >= 2 ? levels?.same : undefined;
  if (same && same.low >= 1 / (1 + band.ratio) && same.high <= 1 + band.ratio) {
    return { verdict: 'SAME', direction: null, reason: `a difference beyond ${phrase} ruled out (${level(same)})` };
  }
  return { verdict: 'NOT SURE', direction: null, reason: notSureReason(fewer, options.maxRepeats, range, phrase) };
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
