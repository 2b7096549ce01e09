import type { CapacityPageCost, CapacityStep, CapacitySummary } from '../analyze/analysis.ts';
import type { CapacityBudget } from '../analyze/capacity-rule.ts';
import { formatCount, formatMs, formatPercent } from '../analyze/format-number.ts';

/** Texts of the capacity section that Markdown and HTML share. */

const one = (value: number) => formatCount(Number(value.toFixed(1)));

export function budgetName(budget: CapacityBudget): string {
  const metric = budget.metric === 'errorRate' ? 'error rate' : budget.metric;
  const limit = budget.metric === 'errorRate' ? formatPercent(budget.limit) : formatMs(budget.limit);
  return `${budget.page ?? 'every request'} ${metric} ≤ ${limit}`;
}

/** "held", "✗ My Bookings p95 ≤ 500 ms (812 ms)", "✗ 12 arrivals dropped". */
export function stepVerdictText(step: CapacityStep): string {
  if (step.holds) return 'held';
  const broken = step.broken.map(({ budget, value }) => `${budgetName(budget)} (${budget.metric === 'errorRate' ? formatPercent(value) : formatMs(value)})`);
  return `✗ ${[...broken, ...(step.notDelivered ? [step.notDelivered] : [])].join('; ')}`;
}

export function cpuText(step: CapacityStep, cores: number): string {
  const parts = Object.entries(step.cpu).map(([part, busy]) => `${part} ${one(busy)}`);
  return parts.length > 0 ? `${parts.join(', ')} of ${cores}` : 'not measured';
}

export function connectionsText(step: CapacityStep): string {
  if (step.dbActive === null) return 'not sampled';
  const waits = step.topWaits.map((wait) => `${wait.event} ${formatCount(wait.sessions)}`).join(', ');
  return `${one(step.dbActive)} active, ${one(step.dbWaiting ?? 0)} waiting (most ${formatCount(step.dbPeakWaiting ?? 0)})${waits ? `; ${waits}` : ''}`;
}

export function pagesAtStepText(step: CapacityStep): string {
  if (step.pages.length === 0) return 'no request answered before the step ended';
  return step.pages.map((page) => `${page.page} ${one(page.requestsPerSecond)}/s p95 ${formatMs(page.p95)}${page.errors > 0 ? ` ${formatPercent(page.errorRate)} errors` : ''}`).join('; ');
}

export function costText(cost: CapacityPageCost): { db: string; cpu: string } {
  return {
    db: cost.dbMsPerRequest === null ? 'no profile' : formatMs(cost.dbMsPerRequest),
    cpu: cost.appCpuMsPerRequest === null ? 'not measured' : formatMs(cost.appCpuMsPerRequest),
  };
}

/** "USL: σ 0.02, κ 0.0004, peak 410 requests/s at 48 in flight (R² 0.97, error 3.1 %)" or why there is no fit. */
export function uslText(usl: CapacitySummary['usl']): string {
  if (!('sigma' in usl)) return `USL not fitted: ${usl.reason}`;
  const peak = usl.peakThroughput !== null && usl.peakConcurrency !== null ? `predicted peak ${one(usl.peakThroughput)} requests/s at ${one(usl.peakConcurrency)} in flight` : 'no peak predicted (κ = 0: throughput keeps rising, slower)';
  const fit = `R² ${usl.rSquared.toFixed(2)}, mean error ${formatPercent(usl.meanAbsolutePercentError)}`;
  const poor = usl.poor ? ` — a poor fit, do not predict from it: ${usl.reason}` : '';
  return `USL: σ ${usl.sigma.toPrecision(2)} (contention), κ ${usl.kappa.toPrecision(2)} (coherency), ${peak} (${fit})${poor}`;
}

/** The page whose requests cost the mix most, said as a sentence; null without profiles. */
export function costlyPageSentence(costs: readonly CapacityPageCost[]): string | null {
  const top = costs[0];
  if (!top || top.share === 0) return null;
  const { db, cpu } = costText(top);
  return `${top.page} takes ${formatPercent(top.share)} of the mix's cost per request (${formatPercent(top.requestShare)} of the requests; database ${db}, app CPU ${cpu} per request).`;
}
