import type { RunRecord } from '../run/run-record-schema.ts';
import type { CapacityStep, CapacitySummary } from './analysis.ts';
import { pageCosts } from './capacity-page-costs.ts';
import { headroom, measureCapacity, type CapacityBudget, type CapacityResult } from './capacity-rule.ts';
import { capacitySentence } from './capacity-sentence.ts';
import { isStepped, measureSteps, type MeasuredStep } from './capacity-steps.ts';
import { DEFAULT_THRESHOLDS } from './thresholds.ts';
import { fitUsl } from './usl.ts';

/** The scenario's budgets as capacity judges them, from the record (k6 drove the run with them). */
export function capacityBudgets(record: RunRecord): CapacityBudget[] {
  const budgets = record.context.scenario.budgets;
  if (!budgets) return [];
  const limits = [...Object.entries(budgets.pages).map(([page, limit]) => [page, limit] as const), ...(budgets.overall ? [[null, budgets.overall] as const] : [])];
  return limits.flatMap(([page, limit]) => [
    ...(limit.p95Ms !== undefined ? [{ page, metric: 'p95' as const, limit: limit.p95Ms }] : []),
    ...(limit.p99Ms !== undefined ? [{ page, metric: 'p99' as const, limit: limit.p99Ms }] : []),
    ...(limit.errorRate !== undefined ? [{ page, metric: 'errorRate' as const, limit: limit.errorRate }] : []),
  ]);
}

/**
 * The capacity of a stepped run: its plateaus measured from the record,
 * judged against the scenario's budgets (capacity-rule.ts), the headroom
 * over the expected peak the run recorded, what each plateau cost the
 * database and the CPUs, which page's requests cost the most, and a USL fit
 * over the plateaus. null for a run whose load was not stepped.
 */
export function analyzeCapacity(record: RunRecord): CapacitySummary | null {
  if (!isStepped(record)) return null;
  const measured = measureSteps(record);
  if (measured.length === 0) return null;
  const budgets = capacityBudgets(record);
  const result = measureCapacity(
    measured.map((step) => step.measure),
    budgets,
  );
  const expectedPeak = record.context.capacity?.expectedPeak ?? null;
  const ratio = expectedPeak === null ? null : headroom(result, expectedPeak);
  const steps = measured.map((step) => capacityStep(step, result));
  const busy = busySteps(measured, result);
  const summary: Omit<CapacitySummary, 'sentence'> = {
    verdict: busy.length > 0 ? 'unknown' : headroomVerdict(result, measured, expectedPeak),
    capacity: result.capacity,
    interval: result.interval,
    bound: result.bound,
    lastHolding: result.lastHolding,
    firstFailing: result.firstFailing,
    firstBroken: result.firstBroken,
    expectedPeak,
    peakSource: record.context.capacity?.source ?? null,
    headroom: ratio,
    budgets,
    steps,
    pageCosts: pageCosts(record.pages, record.queryProfiles),
    usl: fitUsl(steps.flatMap((step) => (step.concurrency === null ? [] : [{ concurrency: step.concurrency, throughput: step.throughput }]))),
    cores: record.context.machine.cpus,
    cpuNotMeasured: record.cpu?.notMeasured ?? {},
    busySteps: busy,
  };
  return { ...summary, sentence: capacitySentence(summary) };
}

/**
 * The steps that decided the capacity (every one up to the first that broke)
 * during which processes rehearse did not start kept more than
 * `maxOtherCores` busy over their busiest stretch: what broke there may be
 * the machine's other work, not the release.
 */
function busySteps(measured: readonly MeasuredStep[], result: CapacityResult): CapacitySummary['busySteps'] {
  const limit = DEFAULT_THRESHOLDS.loadDelivery.maxOtherCores;
  const deciding = measured.filter((step) => result.firstFailing === null || step.measure.index <= result.firstFailing);
  return deciding.flatMap((step) => (step.load.othersBusiest !== null && step.load.othersBusiest > limit ? [{ index: step.measure.index, offered: step.measure.offered, otherCores: step.load.othersBusiest }] : []));
}

function capacityStep(step: MeasuredStep, result: CapacityResult): CapacityStep {
  const { measure, load } = step;
  const verdict = result.steps.find((entry) => entry.index === measure.index);
  const seconds = load.durationSeconds || 1;
  const pages = Object.entries(measure.pages).map(([page, numbers]) => ({
    page,
    requests: numbers.requests,
    requestsPerSecond: numbers.requests / seconds,
    errors: numbers.errors,
    errorRate: numbers.requests > 0 ? numbers.errors / numbers.requests : 0,
    p50: numbers.p50,
    p95: numbers.p95,
    p99: numbers.p99,
  }));
  const throughput = pages.reduce((total, page) => total + page.requestsPerSecond, 0);
  return {
    index: measure.index,
    offered: measure.offered,
    achieved: measure.achieved,
    planned: measure.planned,
    dropped: measure.dropped,
    holds: verdict?.holds ?? false,
    broken: verdict?.broken ?? [],
    notDelivered: verdict?.notDelivered ?? null,
    pages,
    throughput,
    // Little's law: requests in flight = arrival rate of requests × time each spends in the system.
    concurrency: load.meanLatencyMs === null ? null : (throughput * load.meanLatencyMs) / 1000,
    dbActive: load.db.active,
    dbWaiting: load.db.waiting,
    dbPeakWaiting: load.db.peakWaiting,
    topWaits: load.db.topWaits,
    cpu: load.cpu,
  };
}

/**
 * Below the expected peak fails. The steps cannot always tell: every step
 * held but the highest is below the peak, or the first step broke and it
 * was already above the peak.
 */
function headroomVerdict(result: CapacityResult, steps: readonly MeasuredStep[], expectedPeak: number | null): CapacitySummary['verdict'] {
  if (expectedPeak === null) return 'pass';
  if (result.bound === 'below-first-step') return steps[0]!.measure.offered <= expectedPeak ? 'fail' : 'unknown';
  if (result.capacity! >= expectedPeak) return 'pass';
  return result.bound === 'at-least' ? 'unknown' : 'fail';
}
