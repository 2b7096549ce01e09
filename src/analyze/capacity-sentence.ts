import type { CapacityStep, CapacitySummary } from './analysis.ts';
import type { CapacityBudget } from './capacity-rule.ts';
import { formatCount, formatMs, formatPercent, formatRatio } from './format-number.ts';

const rate = (value: number) => `${formatCount(Number(value.toFixed(1)))} arrivals/s`;

const METRIC_TEXT: Record<CapacityBudget['metric'], string> = { p95: 'p95', p99: 'p99', errorRate: 'error rate' };

function limitText(budget: CapacityBudget, value: number): string {
  return budget.metric === 'errorRate' ? formatPercent(value) : formatMs(value);
}

function headroomText(summary: Omit<CapacitySummary, 'sentence'>): string {
  const { headroom: ratio, expectedPeak, capacity, interval } = summary;
  const peak = expectedPeak === null ? '' : ` the expected peak of ${rate(expectedPeak)}`;
  const range = (low: number | null, high: number | null, format: (value: number) => string) => (low !== null && high !== null && format(low) !== format(high) ? ` (95 %: ${format(low)}–${format(high)})` : '');
  const times = (value: number) => formatRatio(value);
  if (summary.bound === 'below-first-step') {
    const first = summary.steps[0]!.offered;
    return expectedPeak === null ? `Capacity below the first step, ${rate(first)}` : `Headroom below ${times(first / expectedPeak)}${peak}: capacity is under the first step, ${rate(first)}`;
  }
  if (summary.bound === 'at-least') {
    const base = expectedPeak === null ? `Capacity at least ${rate(capacity!)}` : `Headroom at least ${times(ratio!.ratio)}${peak}`;
    return `${base}: every budget held up to the highest step, ${rate(capacity!)}; run higher steps (--to) to find the limit`;
  }
  if (expectedPeak === null || ratio === null) return `Capacity ${rate(capacity!)}${range(interval?.low ?? null, interval?.high ?? null, (value) => formatCount(Number(value.toFixed(1))))}`;
  return `Headroom ${times(ratio.ratio)}${peak}${range(ratio.low, ratio.high, times)}`;
}

/**
 * When arrivals were dropped, the page whose p95 grew most (in ms) from the
 * last step that held, or the slowest on the first step: the time it added
 * is what kept VUs busy, so it is usually the page that ran out.
 */
function slowestPage(before: CapacityStep | null, step: CapacityStep): string | null {
  const growth = step.pages.map((page) => {
    const earlier = before?.pages.find((entry) => entry.page === page.page);
    return { page, earlier, added: page.p95 - (earlier?.p95 ?? 0) };
  });
  const top = growth.sort((a, b) => b.added - a.added)[0];
  if (!top) return null;
  return top.earlier ? `${top.page.page} slowed most, p95 ${formatMs(top.earlier.p95)} → ${formatMs(top.page.p95)}` : `${top.page.page} was slowest, p95 ${formatMs(top.page.p95)}`;
}

function brokenText(summary: Omit<CapacitySummary, 'sentence'>): string | null {
  const broken = summary.firstBroken;
  if (!broken) return null;
  const step = summary.steps.find((entry) => entry.index === broken.step)!;
  if ('notDelivered' in broken) {
    const slowed = slowestPage(summary.steps.find((entry) => entry.index === summary.lastHolding) ?? null, step);
    return `the load was not delivered at ${rate(step.offered)} (${broken.notDelivered})${slowed ? `; ${slowed}` : ''}`;
  }
  const at = summary.bound === 'within' ? summary.capacity! : step.offered;
  const subject = broken.budget.page ?? 'every request together';
  return `${subject} ${METRIC_TEXT[broken.budget.metric]} crosses its ${limitText(broken.budget, broken.budget.limit)} budget at ${rate(at)} (${limitText(broken.budget, broken.value)} at ${rate(step.offered)})`;
}

const PART_NAMES: Record<string, string> = { postgres: 'Postgres', app: 'the app' };
const cores = (value: number) => formatCount(Number(value.toFixed(1)));

/** "at that step Postgres used 1.9 and the app 0.4 of 2 cores, and up to 14 connections waited on Postgres (mostly Lock:transactionid)". */
function stepText(summary: Omit<CapacitySummary, 'sentence'>): string | null {
  const step = summary.steps.find((entry) => entry.index === (summary.firstFailing ?? summary.lastHolding));
  if (!step) return null;
  const used = Object.keys(PART_NAMES).flatMap((part) => (step.cpu[part] === undefined ? [] : [`${PART_NAMES[part]} ${cores(step.cpu[part])}`]));
  const cpu = used.length > 0 ? `${used.join(' and ').replace(/^(Postgres|the app) /, '$1 used ')} of ${summary.cores} cores` : null;
  const unmeasured = Object.entries(summary.cpuNotMeasured).flatMap(([part, why]) => (PART_NAMES[part] ? [`${PART_NAMES[part]}'s CPU was not measured (${why})`] : []));
  const peak = step.dbPeakWaiting;
  const waited = peak === null ? null : peak === 0 ? 'no connection waited on Postgres' : `up to ${formatCount(peak)} connection${peak === 1 ? '' : 's'} waited on Postgres${step.topWaits[0] ? ` (mostly ${step.topWaits[0].event})` : ''}`;
  const said = [cpu, ...unmeasured, waited].filter((part): part is string => part !== null);
  return said.length > 0 ? `at that step ${said.join(', and ')}` : null;
}

/** "Headroom 2.4× the expected peak …: My Bookings p95 crosses its 500 ms budget at 38 arrivals/s …; at that step Postgres used 1.9 of 2 cores …". */
export function capacitySentence(summary: Omit<CapacitySummary, 'sentence'>): string {
  const broken = brokenText(summary);
  const step = stepText(summary);
  return `${headroomText(summary)}${broken ? `: ${broken}` : ''}${step ? `; ${step}` : ''}.${busyText(summary.busySteps)}`;
}

/** " Not trusted: processes rehearse did not start took up to 0.9 cores … during the 16.6 and 22.9 arrivals/s steps …", or nothing on a quiet machine. */
function busyText(steps: CapacitySummary['busySteps']): string {
  if (steps.length === 0) return '';
  const most = Math.max(...steps.map((step) => step.otherCores));
  const rates = steps.map((step) => formatCount(Number(step.offered.toFixed(1))));
  const which = rates.length === 1 ? `the ${rates[0]} arrivals/s step` : `the ${rates.slice(0, -1).join(', ')} and ${rates.at(-1)} arrivals/s steps`;
  return ` Not trusted: processes rehearse did not start took up to ${cores(most)} cores the app, Postgres and k6 were waiting for during ${which} — measure again on a quiet machine.`;
}
