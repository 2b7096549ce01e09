import { formatCount, formatPercent } from '../analyze/format-number.ts';
import type { JourneyDelivery, RunDelivery } from '../analyze/load-delivery.ts';

/** The "Load delivered" table's columns, shared by the report formats and the terminal summary. */
export const DELIVERY_HEADER = ['journey', 'planned arrivals', 'started', 'dropped', 'VUs allocated / max', 'k6 CPU mean / busiest', 'CPU taken by other work mean / busiest'] as const;

const orDash = (value: number | null) => (value === null ? '—' : formatCount(value));

function droppedText(journey: Pick<JourneyDelivery, 'dropped' | 'droppedShare'>): string {
  return journey.droppedShare === null ? formatCount(journey.dropped) : `${formatCount(journey.dropped)} (${formatPercent(journey.droppedShare)})`;
}

/** `0.31 / 0.58 (5 s)` in cores, or why there is no figure. */
function cpuText(cpu: RunDelivery['k6Cpu']): string {
  if (!cpu) return 'not measured';
  return `${cpu.meanCores.toFixed(2)} / ${cpu.busiestCores.toFixed(2)} (${cpu.windowSeconds} s)`;
}

export const k6CpuText = (run: RunDelivery): string => cpuText(run.k6Cpu);

/**
 * One row per journey; VUs allocated and k6's CPU belong to the whole load,
 * so with several journeys they go on an `all journeys` row of their own.
 */
export function deliveryRows(run: RunDelivery): string[][] {
  const vus = `${orDash(run.vusAllocated)} / ${orDash(run.maxVUs)}`;
  const single = run.journeys.length === 1;
  const rows = run.journeys.map((journey) => [
    journey.journey,
    orDash(journey.planned),
    orDash(journey.started),
    droppedText(journey),
    single ? vus : `— / ${orDash(journey.maxVUs)}`,
    single ? k6CpuText(run) : '',
    single ? cpuText(run.otherCpu) : '',
  ]);
  if (single) return rows;
  const planned = run.journeys.every((journey) => journey.planned === null) ? null : run.journeys.reduce((sum, journey) => sum + (journey.planned ?? 0), 0);
  const started = planned === null ? null : run.journeys.reduce((sum, journey) => sum + (journey.started ?? 0), 0);
  const dropped = run.journeys.reduce((sum, journey) => sum + journey.dropped, 0);
  return [...rows, ['all journeys', orDash(planned), orDash(started), droppedText({ dropped, droppedShare: planned ? dropped / planned : null }), vus, k6CpuText(run), cpuText(run.otherCpu)]];
}

/** "run 20260101-… (candidate): not delivered" — a table's caption when a report has several runs. */
export function deliveryCaption(run: RunDelivery): string {
  return `${run.role} run ${run.run}: ${run.delivered ? (run.trusted ? 'delivered' : 'delivered on a machine busy with other work') : 'not delivered'}`;
}
