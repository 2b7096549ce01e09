import { OTHERS_PART, type CpuSample, type RunRecord } from '../run/run-record-schema.ts';
import { clockTicksPerSecond, processTree, readProcessTable, treeCpuMs, treeRunQueueWaitMs, type ProcessTable } from '../system/process-cpu.ts';
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
 * user-space process outside rehearse's own tree and the targets'; and how long the targets' threads waited on a run queue for a
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
        const table = await readProcessTable();
        const now: Reading = { time: Date.now(), cpuMs: new Map(targets.map((target) => [target.name, treeCpuMs(table, target.roots(table))])) };
        if (options.others) {
          now.otherTicks = otherTicks(table, targets);
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

/** The kernel's own threads (kthreadd and its children) do the rehearsal's I/O and network work too: never someone else's. */
const KTHREADD = 2;

/**
 * CPU ticks so far of each user-space process outside rehearse's own tree
 * and every target's: the machine's other work. Counted per process, not
 * from /proc/stat, whose interrupt and softirq time is mostly the
 * rehearsal's own loopback traffic; and each process's own time only, since
 * a shell that reaps a finished job adds the job's whole life to its
 * children's time at once.
 */
function otherTicks(table: ProcessTable, targets: readonly CpuTarget[]): Map<number, number> {
  const ours = new Set(processTree(table, [process.pid, ...targets.flatMap((target) => target.roots(table))]));
  const others = new Map<number, number>();
  for (const entry of table.values()) if (!ours.has(entry.pid) && entry.pid !== KTHREADD && entry.ppid !== KTHREADD) others.set(entry.pid, entry.ownTicks);
  return others;
}

/**
 * Other processes' CPU between two readings, ms, over the processes seen in
 * both: one missing from a reading (born since, exited, or unreadable for a
 * moment) would otherwise count its whole life. A short job's first and last
 * second are lost: this errs towards trusting the run.
 */
function otherMsBetween(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let ticks = 0;
  for (const [pid, now] of after) {
    const then = before.get(pid);
    if (then !== undefined) ticks += Math.max(0, now - then);
  }
  return (ticks * 1000) / clockTicksPerSecond();
}

interface Reading {
  time: number;
  cpuMs: Map<string, number>;
  /** With `others`: the ticks of each process that is not the rehearsal's, and the rehearsal's threads' run-queue wait so far, ms. */
  otherTicks?: Map<number, number>;
  waitMs?: number;
}

/** Cores busy per part between two readings; a tree that shrank (a process exited) counts as idle, not negative. */
function coresBetween(before: Reading, after: Reading): CpuSample | undefined {
  const wallMs = after.time - before.time;
  if (wallMs <= 0) return undefined;
  const cores: Record<string, number> = {};
  for (const [name, cpuMs] of after.cpuMs) cores[name] = Math.max(0, cpuMs - (before.cpuMs.get(name) ?? cpuMs)) / wallMs;
  if (!after.otherTicks || !before.otherTicks) return { time: after.time, cores };
  cores[OTHERS_PART] = otherMsBetween(before.otherTicks, after.otherTicks) / wallMs;
  return { time: after.time, cores, waiting: Math.max(0, (after.waitMs ?? 0) - (before.waitMs ?? 0)) / wallMs };
}

/** The k6 processes this process started (the load generator of a local driver). */
export function childrenNamed(comm: string, parent = process.pid): CpuTarget['roots'] {
  return (table) => [...table.values()].filter((entry) => entry.ppid === parent && entry.comm === comm).map((entry) => entry.pid);
}
