import type { RunRecord } from '../run/run-record-schema.ts';
import type { RatioInterval } from './analysis.ts';
import { median, quantile, seededRandom, studentTQuantile } from './statistics.ts';

/** The per-second quantiles a timeline holds: p95 always, p50 in records written since rehearse kept it. */
export type TimelineQuantile = 'p50' | 'p95';

/** Per-second values of one quantile of one page in one run, seconds without a request left out; none when the record did not keep that quantile. */
export function secondQuantiles(run: RunRecord, page: string, quantile: TimelineQuantile): number[] {
  const points = (run.timeline.pages.find((entry) => entry.page === page)?.points ?? []).filter((point) => point.requests > 0);
  if (points.some((point) => point[quantile] === undefined)) return [];
  return points.map((point) => point[quantile]!);
}

/** Per-second p95s of one page in one run, seconds without a request left out. */
export function secondP95s(run: RunRecord, page: string): number[] {
  return secondQuantiles(run, page, 'p95');
}

/** A moving-block resample (circular), so seconds that lean on each other (a spike's peak) stay together. */
export function resampleBlocks<T>(values: readonly T[], random: () => number): T[] {
  const blockLength = Math.max(1, Math.round(Math.sqrt(values.length)));
  const out: T[] = [];
  while (out.length < values.length) {
    const start = Math.floor(random() * values.length);
    for (let offset = 0; offset < blockLength && out.length < values.length; offset += 1) out.push(values[(start + offset) % values.length]!);
  }
  return out;
}

function resampleSide(series: readonly (readonly number[])[], random: () => number): number {
  const picked = series.length > 1 ? series.map(() => series[Math.floor(random() * series.length)]!) : series;
  return median(picked.flatMap((values) => resampleBlocks(values, random)));
}

/** One run's value of a page quantile (from its histogram) and the per-second values of that quantile. */
export interface RunQuantile {
  value: number;
  seconds: readonly number[];
}

export interface SampleIntervalOptions {
  confidence: number;
  resamples: number;
  /** Fewer seconds with requests than this on either side: no interval. */
  minSeconds?: number;
  /** The bootstrap's seed; the same seed gives the same interval. */
  seed?: number;
}

export interface IntervalInput extends SampleIntervalOptions {
  candidate: readonly RunRecord[];
  baseline: readonly RunRecord[];
  page: string;
  /** Which latency quantile; default p95. */
  quantile?: TimelineQuantile;
}

const DEFAULT_SEED = 0x5eed;

/** The p95 interval (see `quantileRatioInterval`). */
export function p95RatioInterval(input: IntervalInput): RatioInterval | null {
  return quantileRatioInterval({ ...input, quantile: 'p95' });
}

/** One page's quantile in each run: the run's value and its per-second values. */
export function runQuantiles(runs: readonly RunRecord[], page: string, field: TimelineQuantile): RunQuantile[] {
  return runs.flatMap((run) => run.pages.filter((entry) => entry.page === page).map((entry) => ({ value: entry.latencyMs[field], seconds: secondQuantiles(run, page, field) })));
}

/** The interval of candidate / baseline for one page's quantile, from the run records (see `sampleRatioInterval`). */
export function quantileRatioInterval(input: IntervalInput): RatioInterval | null {
  const field = input.quantile ?? 'p95';
  return sampleRatioInterval(runQuantiles(input.candidate, input.page, field), runQuantiles(input.baseline, input.page, field), input);
}

const secondsOf = (runs: readonly RunQuantile[]) => runs.map((run) => run.seconds).filter((values) => values.length > 0);
const countSeconds = (series: readonly (readonly number[])[]) => series.reduce((sum, values) => sum + values.length, 0);

/**
 * An interval for candidate / baseline of one page's p95 (or p50, the same
 * way). The point is the ratio of the runs' values (medians over repeats).
 * Its spread comes from a bootstrap of the per-second timeline: each
 * resample draws runs with replacement when a side has repeats (so
 * run-to-run noise widens the interval), then moving blocks of seconds
 * inside each run, and takes the ratio of the medians. The spread of
 * resampled ratios around the observed one, scaled onto the point, is the
 * interval. Seeded: same input, same interval.
 */
export function sampleRatioInterval(candidateRuns: readonly RunQuantile[], baselineRuns: readonly RunQuantile[], options: SampleIntervalOptions): RatioInterval | null {
  const candidate = secondsOf(candidateRuns);
  const baseline = secondsOf(baselineRuns);
  const minSeconds = options.minSeconds ?? 5;
  if (countSeconds(candidate) < minSeconds || countSeconds(baseline) < minSeconds) return null;
  const baselineValue = median(baselineRuns.map((run) => run.value));
  const observed = median(candidate.flat()) / median(baseline.flat());
  if (baselineValue === 0 || !Number.isFinite(observed) || observed === 0) return null;
  const point = median(candidateRuns.map((run) => run.value)) / baselineValue;
  const random = seededRandom(options.seed ?? DEFAULT_SEED);
  const relative: number[] = [];
  for (let draw = 0; draw < options.resamples; draw += 1) {
    const ratio = resampleSide(candidate, random) / resampleSide(baseline, random);
    if (Number.isFinite(ratio)) relative.push(ratio / observed);
  }
  const tail = (1 - options.confidence) / 2;
  return {
    point,
    low: point * quantile(relative, tail),
    high: point * quantile(relative, 1 - tail),
    confidence: options.confidence,
    method: candidateRuns.length > 1 || baselineRuns.length > 1 ? 'repeats' : 'bootstrap-seconds',
  };
}

/**
 * The interval of one side's quantile (a budget's p95 or p99): the runs'
 * value (median over repeats) with the bootstrap's spread of the per-second
 * median around its observed value, scaled onto it. Null without enough
 * seconds.
 */
export function sampleQuantileInterval(runs: readonly RunQuantile[], options: SampleIntervalOptions): { value: number; low: number; high: number } | null {
  const series = secondsOf(runs);
  if (countSeconds(series) < (options.minSeconds ?? 5)) return null;
  const observed = median(series.flat());
  if (observed === 0) return null;
  const value = median(runs.map((run) => run.value));
  const random = seededRandom(options.seed ?? DEFAULT_SEED);
  const relative = Array.from({ length: options.resamples }, () => resampleSide(series, random) / observed);
  const tail = (1 - options.confidence) / 2;
  return { value, low: value * quantile(relative, tail), high: value * quantile(relative, 1 - tail) };
}

const mean = (values: readonly number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const squaredDeviations = (values: readonly number[]) => {
  const centre = mean(values);
  return values.reduce((sum, value) => sum + (value - centre) ** 2, 0);
};

/** Resamples per run for {@link withinRunVariance}: a variance, not a tail quantile, needs few. */
const WITHIN_RUN_RESAMPLES = 200;

/**
 * How far one run's log quantile moves from sampling alone: the variance of
 * the log median of its per-second values over moving-block resamples. 0
 * with fewer than five seconds.
 */
function withinRunVariance(seconds: readonly number[], random: () => number): number {
  if (seconds.length < 5 || seconds.some((value) => value <= 0)) return 0;
  const logs = Array.from({ length: WITHIN_RUN_RESAMPLES }, () => Math.log(median(resampleBlocks(seconds, random))));
  return squaredDeviations(logs) / (logs.length - 1);
}

/** Candidate / baseline on the log scale over repeats: the difference of the sides' mean log values, its standard error, and the degrees of freedom. */
export interface RunRatioSpread {
  difference: number;
  standardError: number;
  degreesOfFreedom: number;
}

/**
 * The spread of candidate / baseline of one page's quantile over repeats,
 * for Student's t on the runs' log values (each run's value from its
 * histogram). The spread is the runs' own spread around their side's mean,
 * pooled over both sides (df = runs − 2), so a page whose whole runs move
 * far (a 10 ms page whose p95 is its third-slowest request) gets a wide
 * interval, and one whose runs agree a narrow one. Two or three runs can
 * agree by chance, so the variance is never taken below what a run's
 * per-second values say one run moves by sampling alone; t's heavier tails
 * at few degrees of freedom do the rest (two runs per side: 4.3 standard
 * errors at 95 %, three 2.8). Null without a degree of freedom (one run per
 * side) or with a value ≤ 0.
 */
export function runRatioSpread(candidateRuns: readonly RunQuantile[], baselineRuns: readonly RunQuantile[], seed = DEFAULT_SEED): RunRatioSpread | null {
  const runs = candidateRuns.length + baselineRuns.length;
  if (candidateRuns.length === 0 || baselineRuns.length === 0 || runs < 3) return null;
  if ([...candidateRuns, ...baselineRuns].some((run) => !(run.value > 0))) return null;
  const after = candidateRuns.map((run) => Math.log(run.value));
  const before = baselineRuns.map((run) => Math.log(run.value));
  const between = (squaredDeviations(after) + squaredDeviations(before)) / (runs - 2);
  const random = seededRandom(seed);
  const within = mean([...candidateRuns, ...baselineRuns].map((run) => withinRunVariance(run.seconds, random)));
  return {
    difference: mean(after) - mean(before),
    standardError: Math.sqrt(Math.max(between, within) * (1 / after.length + 1 / before.length)),
    degreesOfFreedom: runs - 2,
  };
}

/** The two-sided interval of candidate / baseline at `confidence` from a {@link RunRatioSpread}; the point is the ratio of the sides' geometric means. */
export function runRatioInterval(spread: RunRatioSpread, confidence: number): RatioInterval {
  const half = studentTQuantile(1 - (1 - confidence) / 2, spread.degreesOfFreedom) * spread.standardError;
  return { point: Math.exp(spread.difference), low: Math.exp(spread.difference - half), high: Math.exp(spread.difference + half), confidence, method: 'repeats' };
}
