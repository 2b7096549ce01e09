import { OTHERS_PART, type CpuSample, type RunRecord } from '../run/run-record-schema.ts';
import { clockTicksPerSecond, processTree, readMachineBusyMs, readProcessTable, treeCpuMs, treeRunQueueWaitMs, type ProcessTable } from '../system/process-cpu.ts';
import type { Collector } from './collector.ts';
import { startIntervalSampler, type IntervalSampler } from './interval-sampler.ts';

/** A part whose CPU is measured: the roots of its process tree, found afresh at every sample. */
export interface CpuTarget {
  name: string;
  roots(table: ProcessTable): number[];
}

/** A part that cannot be measured, and why (a server rehearse did not start, a container). */
export interface UnmeasuredPart {
  name: string;
  reason: string;
}

/**
 * CPU of the processes rehearse started — the app's process tree, Postgres
 * with its backends, the load generator — as cores busy in each interval of
 * the load, into `cpu`. It is what says whether the app, the database or the
 * load generator itself ran out.
 *
 * With `others`, also the cores the rest of the machine kept busy: every
 * core's busy time (/proc/stat) less rehearse's own process tree and the
 * targets'; and how long the targets' threads waited on a run queue for a
 * CPU (`waiting`), which says whether that other work took CPU the
 * rehearsal wanted. Only meaningful when every part of the rehearsal is
 * measured here (a Postgres in a container would count as someone else's work).
 */
export function cpuCollector(targets: readonly CpuTarget[], unmeasured: readonly UnmeasuredPart[] = [], options: { others?: boolean } = {}): Collector<Pick<RunRecord, 'cpu'>> {
  let sampler: IntervalSampler<CpuSample | undefined> | undefined;
  let intervalMs = 0;
  return {
    name: 'cpu',
    async start(context) {
      intervalMs = context.intervalMs;
      let previous: Reading | undefined;
      sampler = startIntervalSampler(async () => {
        const [table, machineMs] = await Promise.all([readProcessTable(), options.others ? readMachineBusyMs() : Promise.resolve(0)]);
        const now: Reading = { time: Date.now(), cpuMs: new Map(targets.map((target) => [target.name, treeCpuMs(table, target.roots(table))])) };
        if (options.others) {
          now.rehearsalTicks = rehearsalTicks(table, targets);
          now.machineMs = machineMs;
          now.waitMs = await treeRunQueueWaitMs(table, targets.flatMap((target) => target.roots(table)));
        }
        const sample = previous && coresBetween(previous, now);
        previous = now;
        return sample;
      }, { intervalMs });
    },
    async end({ final }) {
      const samples = sampler ? (await sampler.stop({ final })).filter((sample): sample is CpuSample => sample !== undefined) : [];
      return {
        cpu: {
          intervalMs,
          measured: [...targets.map((target) => target.name), ...(options.others ? [OTHERS_PART] : [])],
          notMeasured: Object.fromEntries(unmeasured.map((part) => [part.name, part.reason])),
          samples,
          failures: sampler?.failures ?? { count: 0, last: null },
        },
      };
    },
  };
}

/** CPU ticks so far of each process of rehearse's own tree and every target's. */
function rehearsalTicks(table: ProcessTable, targets: readonly CpuTarget[]): Map<number, number> {
  const pids = new Set(processTree(table, [process.pid, ...targets.flatMap((target) => target.roots(table))]));
  return new Map([...pids].map((pid) => [pid, table.get(pid)!.cpuTicks]));
}

/**
 * The rehearsal's CPU between two readings, process by process: a process
 * born since counts whole, one that exited takes only its last interval with
 * it (a Postgres backend or autovacuum worker that ends must not make its
 * whole life look like someone else's work).
 */
function rehearsalMsBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let ticks = 0;
  for (const [pid, now] of after) ticks += Math.max(0, now - (before.get(pid) ?? 0));
  return (ticks * 1000) / clockTicksPerSecond();
}

interface Reading {
  time: number;
  cpuMs: Map<string, number>;
  /** With `others`: every core's busy time so far, ms; the rehearsal's processes' ticks; their threads' run-queue wait so far, ms. */
  machineMs?: number;
  rehearsalTicks?: Map<number, number>;
  waitMs?: number;
}

/** Cores busy per part between two readings; a tree that shrank (a process exited) counts as idle, not negative. */
function coresBetween(before: Reading, after: Reading): CpuSample | undefined {
  const wallMs = after.time - before.time;
  if (wallMs <= 0) return undefined;
  const cores: Record<string, number> = {};
  for (const [name, cpuMs] of after.cpuMs) cores[name] = Math.max(0, cpuMs - (before.cpuMs.get(name) ?? cpuMs)) / wallMs;
  if (after.machineMs === undefined || before.machineMs === undefined || !after.rehearsalTicks || !before.rehearsalTicks) return { time: after.time, cores };
  const others = after.machineMs - before.machineMs - rehearsalMsBetween(before.rehearsalTicks, after.rehearsalTicks);
  cores[OTHERS_PART] = Math.max(0, others) / wallMs;
  return { time: after.time, cores, waiting: Math.max(0, (after.waitMs ?? 0) - (before.waitMs ?? 0)) / wallMs };
}

/** The k6 processes this process started (the load generator of a local driver). */
export function childrenNamed(comm: string, parent = process.pid): CpuTarget['roots'] {
  return (table) => [...table.values()].filter((entry) => entry.ppid === parent && entry.comm === comm).map((entry) => entry.pid);
}
