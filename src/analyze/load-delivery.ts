import { OTHERS_PART, type CpuSection, type RunRecord } from '../run/run-record-schema.ts';
import { formatCount, formatPercent } from './format-number.ts';
import type { Thresholds } from './thresholds.ts';

/** The CPU part name the cpu collector gives the load generator. */
const K6_PART = 'k6';

/** One journey's load as planned and as k6 delivered it: its k6 scenarios together, warm-ups included. */
export interface JourneyDelivery {
  journey: string;
  /** Arrivals k6 was asked to start; null for executors that loop VUs instead. */
  planned: number | null;
  /** Planned less dropped; null when nothing was planned as arrivals. */
  started: number | null;
  /** Arrivals k6 could not start for want of a free VU. */
  dropped: number;
  /** dropped ÷ planned; null when nothing was planned as arrivals. */
  droppedShare: number | null;
  /** Iterations that ran to their end. */
  iterations: number;
  preAllocatedVUs: number | null;
  maxVUs: number | null;
}

/** One part's CPU in cores (the load generator's own, or what other work took): over the load, and its busiest stretch of `windowSeconds`. */
export interface CpuStretch {
  meanCores: number;
  busiestCores: number;
  windowSeconds: number;
}

/** Whether one run's load was delivered, with the figures that say so. */
export interface RunDelivery {
  run: string;
  role: 'candidate' | 'baseline';
  delivered: boolean;
  journeys: JourneyDelivery[];
  /** The most VUs k6 had allocated and running at once, over every journey. */
  vusAllocated: number | null;
  vusActive: number | null;
  /** Every journey's `maxVUs` together; null when no journey has one. */
  maxVUs: number | null;
  /** null when the record has no k6 CPU samples. */
  k6Cpu: CpuStretch | null;
  /** Why not delivered: how much, which journey, and what to change; empty when delivered. */
  problems: string[];
  /** CPU other work on the machine took while the rehearsal's processes waited for one (see `cpuTakenByOthers`); null when not measured. */
  otherCpu: CpuStretch | null;
  /** Why the run's timings are not trusted although its load was delivered (the machine was busy with other work); empty when quiet. */
  contention: string[];
  /** Delivered, on a machine quiet enough for its timings to mean something. */
  trusted: boolean;
}

/** The runs' deliveries; `delivered` is false when any candidate's was not. */
export interface DeliverySummary {
  delivered: boolean;
  runs: RunDelivery[];
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0);
const nullableSum = (values: ReadonlyArray<number | null>) => (values.some((value) => value !== null) ? sum(values.map((value) => value ?? 0)) : null);

/** The journeys of a load section, in plan order. */
function journeyFigures(load: NonNullable<RunRecord['load']>): JourneyDelivery[] {
  const journeys = [...new Set(load.plan.map((entry) => entry.journey))];
  return journeys.map((journey) => {
    const plan = load.plan.filter((entry) => entry.journey === journey);
    const names = new Set(plan.map((entry) => entry.scenario));
    const results = load.scenarios.filter((result) => names.has(result.scenario));
    const planned = nullableSum(plan.map((entry) => entry.plannedArrivals));
    const dropped = sum(results.map((result) => result.dropped));
    const rounded = planned === null ? null : Math.round(planned);
    return {
      journey,
      planned: rounded,
      started: rounded === null ? null : Math.max(0, rounded - dropped),
      dropped,
      droppedShare: rounded === null || rounded === 0 ? null : dropped / rounded,
      iterations: sum(results.map((result) => result.iterations)),
      preAllocatedVUs: nullableSum(plan.map((entry) => entry.preAllocatedVUs)),
      maxVUs: nullableSum(plan.map((entry) => entry.maxVUs)),
    };
  });
}

/**
 * k6's cores per sample, mean over the load and the busiest mean over
 * `windowSeconds` of consecutive samples: one busy sample is a garbage
 * collection, a busy stretch is a generator that could not keep up.
 */
export function loadGeneratorCpu(cpu: CpuSection | undefined, windowSeconds: number): CpuStretch | null {
  if (!cpu || !cpu.measured.includes(K6_PART)) return null;
  return busiestStretch(cpu, windowSeconds, (sample) => sample.cores[K6_PART] ?? 0);
}

/**
 * The CPU other work on the machine took from the rehearsal, per sample:
 * the cores processes rehearse did not start used, as far as the
 * rehearsal's own threads were waiting for a CPU meanwhile (other work on
 * idle cores takes nothing; the app queueing behind its own threads at its
 * limit is not other work). null when the machine's other work was not measured.
 */
export function cpuTakenByOthers(cpu: CpuSection | undefined, windowSeconds: number): CpuStretch | null {
  if (!cpu || !cpu.measured.includes(OTHERS_PART)) return null;
  return busiestStretch(cpu, windowSeconds, (sample) => Math.min(sample.cores[OTHERS_PART] ?? 0, sample.waiting ?? Number.POSITIVE_INFINITY));
}

/** One figure per sample, its mean and its busiest mean over `windowSeconds` of consecutive samples; null without samples. */
function busiestStretch(cpu: CpuSection, windowSeconds: number, pick: (sample: CpuSection['samples'][number]) => number): CpuStretch | null {
  if (cpu.samples.length === 0) return null;
  const cores = cpu.samples.map(pick);
  const width = Math.min(cores.length, Math.max(1, Math.round((windowSeconds * 1000) / Math.max(1, cpu.intervalMs))));
  let window = sum(cores.slice(0, width));
  let busiest = window;
  for (let end = width; end < cores.length; end++) {
    window += cores[end]! - cores[end - width]!;
    busiest = Math.max(busiest, window);
  }
  return { meanCores: sum(cores) / cores.length, busiestCores: busiest / width, windowSeconds };
}

const cores = (value: number) => value.toFixed(2);

/** "parents: 32 of 301 planned arrivals dropped (10.6 %): k6 ran out of VUs (40 allocated, maxVUs 56) — …". */
function droppedProblem(journey: JourneyDelivery, delivery: Pick<RunDelivery, 'vusAllocated' | 'journeys'>): string {
  const shared = delivery.journeys.length > 1 ? ' for all journeys' : '';
  const vus = [delivery.vusAllocated === null ? null : `${formatCount(delivery.vusAllocated)} allocated${shared}`, journey.maxVUs === null ? null : `maxVUs ${formatCount(journey.maxVUs)}`].filter(Boolean).join(', ');
  return `${journey.journey}: ${formatCount(journey.dropped)} of ${formatCount(journey.planned ?? 0)} planned arrivals dropped (${formatPercent(journey.droppedShare ?? 0)}): k6 ran out of VUs${vus ? ` (${vus})` : ''} — raise the journey's maxVUs, shorten think times, or use another load machine`;
}

function cpuProblem(cpu: CpuStretch): string {
  return `k6 used ${cores(cpu.busiestCores)} of a core over its busiest ${cpu.windowSeconds} s (mean ${cores(cpu.meanCores)}): the load generator itself was the bottleneck — run k6 on another load machine, or lower the rate`;
}

function contentionProblem(cpu: CpuStretch): string {
  return `the machine was busy with other work: processes rehearse did not start took ${cores(cpu.busiestCores)} cores the app, Postgres and k6 were waiting for over the busiest ${cpu.windowSeconds} s (mean ${cores(cpu.meanCores)}) — rehearse on a quiet machine`;
}

/**
 * Whether a run's load generator delivered the load it was asked for: no
 * more than `maxDroppedShare` of any journey's planned arrivals dropped, and
 * k6 below `maxK6Cores` over its busiest stretch. A rehearsal whose generator
 * could not keep up measured a lighter load than planned. Null for records
 * written before rehearse kept the load (nothing to judge).
 */
export function assessDelivery(record: RunRecord, role: RunDelivery['role'], limits: Thresholds['loadDelivery']): RunDelivery | null {
  if (!record.load) return null;
  const journeys = journeyFigures(record.load);
  const k6Cpu = loadGeneratorCpu(record.cpu, limits.k6WindowSeconds);
  const otherCpu = cpuTakenByOthers(record.cpu, limits.k6WindowSeconds);
  const base = { vusAllocated: record.load.vusAllocated, journeys };
  const problems = [
    ...journeys.filter((journey) => journey.droppedShare !== null && journey.droppedShare > limits.maxDroppedShare).map((journey) => droppedProblem(journey, base)),
    ...(k6Cpu && k6Cpu.busiestCores > limits.maxK6Cores ? [cpuProblem(k6Cpu)] : []),
  ];
  const contention = otherCpu && otherCpu.busiestCores > limits.maxOtherCores ? [contentionProblem(otherCpu)] : [];
  return {
    run: record.id,
    role,
    delivered: problems.length === 0,
    journeys,
    vusAllocated: record.load.vusAllocated,
    vusActive: record.load.vusActive,
    maxVUs: nullableSum(journeys.map((journey) => journey.maxVUs)),
    k6Cpu,
    problems,
    otherCpu,
    contention,
    trusted: problems.length === 0 && contention.length === 0,
  };
}

/** Every run's delivery; null when no record says what its load was. */
export function summarizeDelivery(candidates: readonly RunRecord[], baselines: readonly RunRecord[], limits: Thresholds['loadDelivery']): DeliverySummary | null {
  const runs = [
    ...candidates.flatMap((run) => assessDelivery(run, 'candidate', limits) ?? []),
    ...baselines.flatMap((run) => assessDelivery(run, 'baseline', limits) ?? []),
  ];
  if (runs.length === 0) return null;
  return { delivered: runs.every((run) => run.role !== 'candidate' || run.delivered), runs };
}
