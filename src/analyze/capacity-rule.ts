import { formatCount, formatPercent } from './format-number.ts';
import { resampleBlocks } from './p95-ratio-interval.ts';
import { quantile, seededRandom } from './statistics.ts';
import { criterionLimit, secondsReader, stepValue, type StepCriterion } from './step-criteria.ts';

/** A budget as capacity judges it: a page's (or every request's, page null) p95/p99 latency or error rate. */
export interface CapacityBudget {
  page: string | null;
  metric: 'p95' | 'p99' | 'errorRate';
  /** Milliseconds for p95/p99, a fraction for errorRate (0.01 is 1 %). Held when the value is ≤ limit. */
  limit: number;
}

/** One second inside a step's measured window (warm-up already left out), from the run's per-second timeline. */
export interface StepSecond {
  /** Epoch ms, start of the second. */
  time: number;
  pages: Record<string, { requests: number; errors: number; p50: number; p95: number }>;
}

/** One plateau of a stepped load, measured (warm-up excluded). */
export interface StepMeasure {
  /** 0-based plateau. */
  index: number;
  /** Arrivals/s offered, all journeys together. */
  offered: number;
  /** Arrivals/s actually started = (planned − dropped) / seconds, all journeys. */
  achieved: number;
  /** Arrivals planned in the measured window. */
  planned: number;
  /** Arrivals dropped in the measured window. */
  dropped: number;
  /** Per page, from the step's own HDR histograms (the overall figure is derived from pages, see `stepValue`). */
  pages: Record<string, { requests: number; errors: number; p50: number; p95: number; p99: number }>;
  seconds: StepSecond[];
}

export interface StepVerdict {
  index: number;
  /** Every budget held, achieved within tolerance of offered, nothing dropped. */
  holds: boolean;
  /** Budgets broken at this step, with the value measured. */
  broken: Array<{ budget: CapacityBudget; value: number }>;
  /** "achieved 28.1 of 30 arrivals/s (-6.3 %)" or "12 arrivals dropped"; null when delivered. */
  notDelivered: string | null;
}

export interface CapacityResult {
  /** Arrivals/s; null when the first step already failed. */
  capacity: number | null;
  /** 95 % bootstrap interval of the capacity (arrivals/s); null when not computable (no bracketing steps). */
  interval: { low: number; high: number } | null;
  /** within: between two measured steps; below-first-step: the lowest step already broke; at-least: no step broke (capacity ≥ highest step). */
  bound: 'within' | 'below-first-step' | 'at-least';
  /** Index of the highest step that held before the first failing one. */
  lastHolding: number | null;
  /** Index of the first step that did not hold. */
  firstFailing: number | null;
  /**
   * What broke first above capacity: of everything that failed at firstFailing, the one whose
   * interpolated crossing comes at the lowest offered rate (ties: the largest overshoot relative
   * to its limit); a delivery failure as its sentence.
   */
  firstBroken: { budget: CapacityBudget; value: number; step: number } | { notDelivered: string; step: number } | null;
  steps: StepVerdict[];
}

export interface CapacityOptions {
  /** Achieved may fall this fraction short of offered and the step still holds; default 0.05. */
  achievedTolerance?: number;
  /** Bootstrap resamples for the interval; default 2000. */
  resamples?: number;
  /** Bootstrap seed; the same steps and seed always give the same interval. */
  seed?: number;
}

const DEFAULT_TOLERANCE = 0.05;
const DEFAULT_RESAMPLES = 2000;
const DEFAULT_SEED = 0x5eed;

/** Judges every step on its own measurements: each budget, the delivered rate, and dropped arrivals. */
export function judgeSteps(steps: StepMeasure[], budgets: CapacityBudget[], options: Pick<CapacityOptions, 'achievedTolerance'> = {}): StepVerdict[] {
  const tolerance = options.achievedTolerance ?? DEFAULT_TOLERANCE;
  return steps.map((step) => {
    const broken = budgets.flatMap((budget) => {
      const value = stepValue({ kind: 'budget', budget }, step);
      return value !== null && value > budget.limit ? [{ budget, value }] : [];
    });
    const notDelivered = deliveryFailure(step, tolerance);
    return { index: step.index, holds: broken.length === 0 && notDelivered === null, broken, notDelivered };
  });
}

function fellShort(step: StepMeasure, tolerance: number): boolean {
  return step.achieved < (1 - tolerance) * step.offered;
}

function deliveryFailure(step: StepMeasure, tolerance: number): string | null {
  const dropped = step.dropped > 0 ? `${formatCount(step.dropped)} arrivals dropped` : null;
  if (!fellShort(step, tolerance)) return dropped;
  const shortfall = `achieved ${formatCount(step.achieved)} of ${formatCount(step.offered)} arrivals/s (${formatPercent(step.achieved / step.offered - 1)})`;
  return dropped === null ? shortfall : `${shortfall}, ${dropped}`;
}

/**
 * The offered rate the release holds, from a stepped load given in the order it ran (rising
 * offered rate). The capacity lies between the last holding step L and the first failing step F:
 * each criterion that failed at F is taken as linear in the offered rate between L and F, and the
 * capacity is where the first of them reaches its limit, clamped to [offered L, offered F]. A
 * dropped arrival has limit 0 and was 0 at L, so drops put the capacity at L.
 *
 * The interval is a seeded bootstrap over the seconds of L and F (moving blocks, as the p95
 * intervals): each resample reads every criterion again (see `secondsReader` for how a statistic
 * of seconds is calibrated onto the step's histogram value) and finds the crossing again; the
 * 2.5 % and 97.5 % quantiles of the crossings bound it.
 *
 * @example
 * const result = measureCapacity(steps, [{ page: 'Feed', metric: 'p95', limit: 300 }]);
 * if (result.bound === 'within') console.log(`${result.capacity} arrivals/s`);
 */
export function measureCapacity(steps: StepMeasure[], budgets: CapacityBudget[], options: CapacityOptions = {}): CapacityResult {
  if (steps.length === 0) throw new Error('measureCapacity needs at least one step');
  const tolerance = options.achievedTolerance ?? DEFAULT_TOLERANCE;
  const verdicts = judgeSteps(steps, budgets, { achievedTolerance: tolerance });
  const failing = verdicts.findIndex((verdict) => !verdict.holds);
  if (failing === -1) {
    const capacity = Math.max(...steps.map((step) => step.offered));
    return { capacity, interval: null, bound: 'at-least', lastHolding: steps.at(-1)!.index, firstFailing: null, firstBroken: null, steps: verdicts };
  }
  const first = steps[failing]!;
  const criteria = failedCriteria(first, verdicts[failing]!, tolerance);
  if (failing === 0) {
    const firstBroken = describeBroken(worstOvershoot(criteria, first), verdicts[0]!, first);
    return { capacity: null, interval: null, bound: 'below-first-step', lastHolding: null, firstFailing: first.index, firstBroken, steps: verdicts };
  }
  const last = steps[failing - 1]!;
  const { capacity, earliest } = firstCrossing(last, first, criteria);
  return {
    capacity,
    interval: bootstrapInterval(last, first, criteria, options),
    bound: 'within',
    lastHolding: last.index,
    firstFailing: first.index,
    firstBroken: describeBroken(earliest, verdicts[failing]!, first),
    steps: verdicts,
  };
}

/** The lowest offered rate at which a failed criterion reaches its limit, and which one (ties: the worst overshoot at F). */
function firstCrossing(last: StepMeasure, first: StepMeasure, criteria: readonly StepCriterion[]): { capacity: number; earliest: StepCriterion } {
  const crossings = criteria.map((criterion) => ({
    criterion,
    rate: crossingRate(criterionLimit(criterion), reading(last, stepValue(criterion, last)), reading(first, stepValue(criterion, first))),
  }));
  const capacity = Math.min(...crossings.map((crossing) => crossing.rate));
  const tied = crossings.filter((crossing) => crossing.rate === capacity).map((crossing) => crossing.criterion);
  return { capacity, earliest: worstOvershoot(tied, first) };
}

function failedCriteria(step: StepMeasure, verdict: StepVerdict, tolerance: number): StepCriterion[] {
  const criteria: StepCriterion[] = verdict.broken.map(({ budget }) => ({ kind: 'budget', budget }));
  if (fellShort(step, tolerance)) criteria.push({ kind: 'shortfall', tolerance });
  if (step.dropped > 0) criteria.push({ kind: 'dropped' });
  return criteria;
}

/** The criterion furthest past its limit, relative to it (any excess over a limit of 0 is infinitely far). */
function worstOvershoot(criteria: readonly StepCriterion[], step: StepMeasure): StepCriterion {
  const overshoot = (criterion: StepCriterion) => (stepValue(criterion, step) ?? 0) / criterionLimit(criterion);
  return criteria.reduce((worst, criterion) => (overshoot(criterion) > overshoot(worst) ? criterion : worst));
}

function describeBroken(criterion: StepCriterion, verdict: StepVerdict, step: StepMeasure): NonNullable<CapacityResult['firstBroken']> {
  if (criterion.kind !== 'budget') return { notDelivered: verdict.notDelivered!, step: step.index };
  return { budget: criterion.budget, value: stepValue(criterion, step)!, step: step.index };
}

interface Reading {
  rate: number;
  value: number;
}

/** A criterion the step had nothing to read from (no request on the page) counts as past its limit: the crossing cannot be placed above that step. */
function reading(step: StepMeasure, value: number | null): Reading {
  return { rate: step.offered, value: value ?? Number.POSITIVE_INFINITY };
}

/**
 * Where a criterion, linear in the offered rate between two steps, reaches its limit. Outside the
 * straight line's reach it clamps: both readings within the limit put the crossing at the upper
 * rate, both past it at the lower rate.
 */
function crossingRate(limit: number, lower: Reading, upper: Reading): number {
  if (lower.value > limit) return lower.rate;
  if (upper.value <= limit) return upper.rate;
  const fraction = (limit - lower.value) / (upper.value - lower.value);
  return lower.rate + fraction * (upper.rate - lower.rate);
}

function bootstrapInterval(last: StepMeasure, first: StepMeasure, criteria: readonly StepCriterion[], options: CapacityOptions): CapacityResult['interval'] {
  if (last.seconds.length === 0 || first.seconds.length === 0) return null;
  const readers = criteria.map((criterion) => ({
    limit: criterionLimit(criterion),
    last: secondsReader(criterion, last),
    first: secondsReader(criterion, first),
  }));
  const random = seededRandom(options.seed ?? DEFAULT_SEED);
  const resamples = options.resamples ?? DEFAULT_RESAMPLES;
  const crossings: number[] = [];
  for (let draw = 0; draw < resamples; draw += 1) {
    const lastSeconds = resampleBlocks(last.seconds, random);
    const firstSeconds = resampleBlocks(first.seconds, random);
    const rates = readers.map((reader) =>
      crossingRate(reader.limit, reading(last, reader.last(lastSeconds)), reading(first, reader.first(firstSeconds))),
    );
    crossings.push(Math.min(...rates));
  }
  return { low: quantile(crossings, 0.025), high: quantile(crossings, 0.975) };
}

/**
 * Capacity over the expected peak (arrivals/s, all journeys): 2.4 is 2.4× the peak, with the
 * interval's ends over the peak too. null when capacity is null (the release cannot take even the
 * first step; callers treat below-first-step as < 1× only when the first step ≥ peak) or the
 * expected peak is not positive.
 */
export function headroom(result: CapacityResult, expectedPeak: number): { ratio: number; low: number | null; high: number | null } | null {
  if (result.capacity === null || !(expectedPeak > 0)) return null;
  const { interval } = result;
  return { ratio: result.capacity / expectedPeak, low: interval ? interval.low / expectedPeak : null, high: interval ? interval.high / expectedPeak : null };
}
