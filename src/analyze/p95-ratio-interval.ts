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

export interface IntervalInput {
  candidate: readonly RunRecord[];
  baseline: readonly RunRecord[];
  page: string;
  confidence: number;
  resamples: number;
  /** Fewer seconds with requests than this on either side: no interval. */
  minSeconds?: number;
  /** Which latency quantile; default p95. */
  quantile?: TimelineQuantile;
}

/** The p95 interval (see `quantileRatioInterval`). */
export function p95RatioInterval(input: IntervalInput): RatioInterval | null {
  return quantileRatioInterval({ ...input, quantile: 'p95' });
}

/**
 * An interval for candidate p95 / baseline p95 of one page (or p50, the same way). The point is the
 * ratio of the runs' p95s (medians over repeats). Its spread comes from a
 * bootstrap of the per-second p95 timeline: each resample draws runs with
 * replacement when a side has repeats (so run-to-run noise widens the
 * interval), then moving blocks of seconds inside each run, and takes the
 * ratio of the medians. The spread of resampled ratios around the observed
 * one, scaled onto the point, is the interval. Seeded: same input, same
 * interval.
 */
export function quantileRatioInterval(input: IntervalInput): RatioInterval | null {
  const field = input.quantile ?? 'p95';
  const candidate = input.candidate.map((run) => secondQuantiles(run, input.page, field)).filter((values) => values.length > 0);
  const baseline = input.baseline.map((run) => secondQuantiles(run, input.page, field)).filter((values) => values.length > 0);
  const minSeconds = input.minSeconds ?? 5;
  const seconds = (series: number[][]) => series.reduce((sum, values) => sum + values.length, 0);
  if (seconds(candidate) < minSeconds || seconds(baseline) < minSeconds) return null;
  const valueOf = (runs: readonly RunRecord[]) => median(runs.flatMap((run) => run.pages.filter((page) => page.page === input.page).map((page) => page.latencyMs[field])));
  const baselineValue = valueOf(input.baseline);
  const observed = median(candidate.flat()) / median(baseline.flat());
  if (baselineValue === 0 || !Number.isFinite(observed) || observed === 0) return null;
  const point = valueOf(input.candidate) / baselineValue;
  const random = seededRandom(0x5eed);
  const relative: number[] = [];
  for (let draw = 0; draw < input.resamples; draw += 1) {
    const ratio = resampleSide(candidate, random) / resampleSide(baseline, random);
    if (Number.isFinite(ratio)) relative.push(ratio / observed);
  }
  const tail = (1 - input.confidence) / 2;
  return {
    point,
    low: point * quantile(relative, tail),
    high: point * quantile(relative, 1 - tail),
    confidence: input.confidence,
    method: input.candidate.length > 1 || input.baseline.length > 1 ? 'repeats' : 'bootstrap-seconds',
  };
}
