import type { CapacityBudget, StepMeasure, StepSecond } from './capacity-rule.ts';

/**
 * One thing a step must satisfy to hold, as "value ≤ limit": a budget, the delivered rate
 * (shortfall = 1 − achieved/offered ≤ tolerance: achieved ≥ 95 % of offered by default), or no
 * dropped arrivals (dropped/planned ≤ 0).
 */
export type StepCriterion = { kind: 'budget'; budget: CapacityBudget } | { kind: 'shortfall'; tolerance: number } | { kind: 'dropped' };

export function criterionLimit(criterion: StepCriterion): number {
  if (criterion.kind === 'budget') return criterion.budget.limit;
  return criterion.kind === 'shortfall' ? criterion.tolerance : 0;
}

/**
 * The criterion's value on the step's own histograms; null when the budget's page had no request.
 * A budget over every request (page null) takes the slowest page's p95/p99: the step keeps one
 * histogram per page, and percentiles of a merged population cannot be rebuilt from per-page
 * percentiles (a request-weighted mean of them is not a percentile of anything), while the
 * slowest page is exactly what a user of the worst page sees. Its error rate is exact: all
 * errors over all requests.
 */
export function stepValue(criterion: StepCriterion, step: StepMeasure): number | null {
  if (criterion.kind === 'shortfall') return step.offered > 0 ? 1 - step.achieved / step.offered : 0;
  if (criterion.kind === 'dropped') return step.planned > 0 ? step.dropped / step.planned : step.dropped > 0 ? 1 : 0;
  const pages = budgetPages(criterion.budget, step);
  if (pages.length === 0) return null;
  const { metric } = criterion.budget;
  if (metric !== 'errorRate') return Math.max(...pages.map((page) => step.pages[page]![metric]));
  const totals = sumCounts(pages.map((page) => step.pages[page]!));
  return totals.errors / totals.requests;
}

/**
 * How the criterion reads on a resample of the step's seconds, calibrated so that on the step's
 * own seconds it gives exactly `stepValue`: the statistic over the resampled seconds, divided by
 * the same statistic over the original seconds, times the step's value.
 *
 * - p95 and p99: the request-weighted median of the page's per-second p95s. The timeline keeps
 *   p50 and p95 per second, not p99, so p99 rides on the p95 seconds (the nearer tail): a resample
 *   whose seconds are slower at p95 is taken to be slower at p99 by the same factor.
 * - error rate: errors over requests of the resampled seconds.
 * - shortfall: achieved scaled by the requests of the resampled seconds (the timeline counts
 *   requests, not arrivals; the journeys' mix is the same from one second to the next).
 * - dropped: not in the timeline, so it stays the step's value.
 * With the original statistic 0 (no error in any second) the value cannot move and stays the step's;
 * a resample without a request on the page also reads the step's value.
 */
export function secondsReader(criterion: StepCriterion, step: StepMeasure): (seconds: readonly StepSecond[]) => number | null {
  const value = stepValue(criterion, step);
  if (value === null || criterion.kind === 'dropped') return () => value;
  if (criterion.kind === 'shortfall') {
    const achieved = calibrated(step.achieved, totalRequests(step.seconds), totalRequests);
    return (seconds) => 1 - achieved(seconds) / step.offered;
  }
  const pages = budgetPages(criterion.budget, step);
  if (criterion.budget.metric === 'errorRate') return calibrated(value, secondsErrorRate(step.seconds, pages), (seconds) => secondsErrorRate(seconds, pages));
  const metric = criterion.budget.metric;
  const perPage = pages.map((page) => calibrated(step.pages[page]![metric], secondsP95(step.seconds, page), (seconds) => secondsP95(seconds, page)));
  return (seconds) => Math.max(...perPage.map((read) => read(seconds)));
}

type SecondsStatistic = (seconds: readonly StepSecond[]) => number | null;

/** A resample without a request to read the statistic from reads the step's own value. */
function calibrated(value: number, original: number | null, statistic: SecondsStatistic): (seconds: readonly StepSecond[]) => number {
  if (original === null || !(original > 0)) return () => value;
  return (seconds) => {
    const resampled = statistic(seconds);
    return resampled === null ? value : (value * resampled) / original;
  };
}

function budgetPages(budget: CapacityBudget, step: StepMeasure): string[] {
  const pages = budget.page === null ? Object.keys(step.pages) : [budget.page];
  return pages.filter((page) => (step.pages[page]?.requests ?? 0) > 0);
}

function sumCounts(counts: readonly { requests: number; errors: number }[]): { requests: number; errors: number } {
  return counts.reduce((sum, entry) => ({ requests: sum.requests + entry.requests, errors: sum.errors + entry.errors }), { requests: 0, errors: 0 });
}

function totalRequests(seconds: readonly StepSecond[]): number | null {
  const requests = sumCounts(seconds.flatMap((second) => Object.values(second.pages))).requests;
  return requests > 0 ? requests : null;
}

function secondsErrorRate(seconds: readonly StepSecond[], pages: readonly string[]): number | null {
  const totals = sumCounts(seconds.flatMap((second) => pages.map((page) => second.pages[page] ?? { requests: 0, errors: 0 })));
  return totals.requests > 0 ? totals.errors / totals.requests : null;
}

/** Request-weighted median of one page's per-second p95s: a busy second counts for its requests. */
function secondsP95(seconds: readonly StepSecond[], page: string): number | null {
  const points = seconds.map((second) => second.pages[page]).filter((point) => point !== undefined && point.requests > 0);
  return weightedMedian(points.map((point) => ({ value: point!.p95, weight: point!.requests })));
}

/** The smallest value whose cumulative weight reaches half the total; null for none. */
function weightedMedian(entries: readonly { value: number; weight: number }[]): number | null {
  const sorted = [...entries].sort((a, b) => a.value - b.value);
  const half = sorted.reduce((sum, entry) => sum + entry.weight, 0) / 2;
  let cumulative = 0;
  for (const entry of sorted) {
    cumulative += entry.weight;
    if (cumulative >= half) return entry.value;
  }
  return null;
}
