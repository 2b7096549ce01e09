import type { RunRecord } from '../run/run-record-schema.ts';
import type { RatioInterval } from './analysis.ts';
import { median, quantile, seededRandom } from './statistics.ts';

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
