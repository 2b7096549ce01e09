import type { PlannedScenario } from '../run/run-record-schema.ts';
import { parseDuration } from './duration.ts';
import type { K6Executor, K6ScriptPlan } from './plan-script.ts';

/**
 * The load as planned, one entry per k6 scenario, for the run record: what
 * each scenario was asked to start (arrivals, VUs) and when, so the record
 * can say how much of it k6 delivered, and a stepped load can be cut into
 * its plateaus by the `scenario` tag.
 */
export function plannedScenarios(plan: K6ScriptPlan): PlannedScenario[] {
  const journeyOf = new Map(plan.journeys.map((journey) => [journey.functionName, journey.name]));
  return Object.entries(plan.options.scenarios).map(([scenario, executor]) => {
    const plateau = plan.plateaus?.[scenario];
    const arrivals = arrivalsOf(executor);
    return {
      scenario,
      journey: journeyOf.get(executor.exec) ?? scenario,
      step: plateau?.step ?? null,
      warmup: plateau?.warmup ?? false,
      offeredRate: arrivals?.peakRate ?? null,
      plannedArrivals: arrivals?.total ?? null,
      preAllocatedVUs: numberOrNull(executor.preAllocatedVUs ?? executor.vus ?? executor.startVUs),
      maxVUs: numberOrNull(executor.maxVUs ?? executor.vus),
      startSeconds: typeof executor.startTime === 'string' ? parseDuration(executor.startTime) : 0,
      durationSeconds: durationOf(executor),
    };
  });
}

/**
 * Arrivals an arrival-rate executor starts: a constant rate times its
 * duration; a ramping one moves linearly from each target to the next
 * (k6's ramping-arrival-rate), so each stage adds the mean of its two ends.
 * Undefined for executors that loop VUs.
 */
function arrivalsOf(executor: K6Executor): { total: number; peakRate: number } | undefined {
  const perSecond = 1 / (typeof executor.timeUnit === 'string' ? parseDuration(executor.timeUnit) : 1);
  if (executor.executor === 'constant-arrival-rate') {
    const rate = Number(executor.rate) * perSecond;
    return { total: rate * durationOf(executor), peakRate: rate };
  }
  if (executor.executor !== 'ramping-arrival-rate') return undefined;
  let rate = Number(executor.startRate ?? 0) * perSecond;
  let total = 0;
  let peakRate = rate;
  for (const stage of stagesOf(executor)) {
    const target = stage.target * perSecond;
    total += ((rate + target) / 2) * parseDuration(stage.duration);
    rate = target;
    peakRate = Math.max(peakRate, rate);
  }
  return { total, peakRate };
}

function durationOf(executor: K6Executor): number {
  if (typeof executor.duration === 'string') return parseDuration(executor.duration);
  return stagesOf(executor).reduce((sum, stage) => sum + parseDuration(stage.duration), 0);
}

function stagesOf(executor: K6Executor): { duration: string; target: number }[] {
  return Array.isArray(executor.stages) ? (executor.stages as { duration: string; target: number }[]) : [];
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
