import { spawnSync } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';

/** One process as /proc/<pid>/stat shows it. */
export interface ProcessEntry {
  pid: number;
  ppid: number;
  /** The executable's name, at most 15 characters (`k6`, `postgres`, `node`). */
  comm: string;
  /**
   * CPU time in clock ticks: its own user and system time plus that of its
   * children it has waited for — so Postgres backends that came and went
   * still count, in the postmaster's total.
   */
  cpuTicks: number;
  /** Its own user and system time alone: a child reaped does not add to it. */
  ownTicks: number;
}

/** pid → entry, for every process readable now. */
export type ProcessTable = ReadonlyMap<number, ProcessEntry>;

/**
 * Parses one /proc/<pid>/stat line. The name is in parentheses and may hold
 * spaces or parentheses itself, so fields are counted from the last `)`.
 */
export function parseProcStat(line: string): ProcessEntry | undefined {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const pid = Number(line.slice(0, open).trim());
  // After ")": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime …
  const fields = line.slice(close + 2).split(' ');
  const [utime, stime, cutime, cstime] = [11, 12, 13, 14].map((index) => Number(fields[index]));
  const ppid = Number(fields[1]);
  if (!Number.isInteger(pid) || !Number.isInteger(ppid) || [utime, stime, cutime, cstime].some((value) => !Number.isFinite(value))) return undefined;
  return { pid, ppid, comm: line.slice(open + 1, close), cpuTicks: utime! + stime! + cutime! + cstime!, ownTicks: utime! + stime! };
}

/** Every process on the machine (those that exit while it reads are left out). */
export async function readProcessTable(): Promise<ProcessTable> {
  const table = new Map<number, ProcessEntry>();
  const names = await readdir('/proc');
  await Promise.all(
    names
      .filter((name) => /^\d+$/.test(name))
      .map(async (name) => {
        const entry = parseProcStat(await readFile(`/proc/${name}/stat`, 'utf8').catch(() => ''));
        if (entry) table.set(entry.pid, entry);
      }),
  );
  return table;
}

/** The roots and every descendant of them that is alive in `table`. */
export function processTree(table: ProcessTable, roots: readonly number[]): number[] {
  const children = new Map<number, number[]>();
  for (const entry of table.values()) {
    const siblings = children.get(entry.ppid);
    if (siblings) siblings.push(entry.pid);
    else children.set(entry.ppid, [entry.pid]);
  }
  const tree: number[] = [];
  const pending = roots.filter((pid) => table.has(pid));
  while (pending.length > 0) {
    const pid = pending.pop()!;
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** CPU milliseconds spent so far by the roots and their descendants. */
export function treeCpuMs(table: ProcessTable, roots: readonly number[]): number {
  const ticks = processTree(table, roots).reduce((sum, pid) => sum + table.get(pid)!.cpuTicks, 0);
  return (ticks * 1000) / clockTicksPerSecond();
}

let ticksPerSecond: number | undefined;

/** The kernel's clock ticks per second (USER_HZ), 100 on nearly every Linux. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    const answer = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim());
    ticksPerSecond = Number.isInteger(answer) && answer > 0 ? answer : 100;
  }
  return ticksPerSecond;
}

/** Whether this machine shows processes' CPU time in /proc (Linux). */
export function canReadProcessCpu(): boolean {
  return process.platform === 'linux';
}

/**
 * Nanoseconds a process has run on a CPU so far, summed over every one of
 * its threads (the first field of /proc/<pid>/task/<tid>/schedstat); undefined
 * when the kernel does not show it. The scheduler keeps this to the
 * nanosecond, where /proc/<pid>/stat counts 10 ms ticks: too coarse for
 * requests that each take a few milliseconds.
 */
export async function readProcessRunTimeNs(pid: number): Promise<number | undefined> {
  return (await readProcessSchedNs(pid))?.runNs;
}

/**
 * Nanoseconds a process's threads have run on a CPU so far, and waited on a
 * run queue for one (runnable, but the CPUs were busy): the first two fields
 * of each /proc/<pid>/task/<tid>/schedstat, summed. undefined when the kernel
 * does not show them.
 */
export async function readProcessSchedNs(pid: number): Promise<{ runNs: number; waitNs: number } | undefined> {
  const tasks = await readdir(`/proc/${pid}/task`).catch(() => undefined);
  if (!tasks) return undefined;
  const fields = await Promise.all(tasks.map(async (tid) => (await readFile(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').catch(() => '')).split(' ').slice(0, 2).map(Number)));
  // A thread that exited while its siblings were read is simply gone; none readable means the kernel shows none.
  const readable = fields.filter((pair) => pair.length === 2 && pair.every((value) => Number.isFinite(value)));
  if (readable.length === 0) return undefined;
  return { runNs: readable.reduce((sum, pair) => sum + pair[0]!, 0), waitNs: readable.reduce((sum, pair) => sum + pair[1]!, 0) };
}

/** Milliseconds the processes of a tree (in `table`) have waited on a run queue for a CPU; 0 where the kernel shows no schedstat. */
export async function treeRunQueueWaitMs(table: ProcessTable, roots: readonly number[]): Promise<number> {
  const waits = await Promise.all(processTree(table, roots).map(async (pid) => ((await readProcessSchedNs(pid))?.waitNs ?? 0) / 1e6));
  return waits.reduce((sum, ms) => sum + ms, 0);
}

/**
 * CPU milliseconds spent so far by the roots and their descendants, to the
 * nanosecond: each process's threads' run time, or its clock ticks where the
 * kernel shows no run time. A thread or process that exits between two
 * readings takes its time with it, so measure a tree that stays up.
 */
export async function readTreeRunTimeMs(roots: readonly number[]): Promise<number> {
  const table = await readProcessTable();
  const perProcess = await Promise.all(
    processTree(table, roots).map(async (pid) => {
      const ns = await readProcessRunTimeNs(pid);
      return ns === undefined ? (table.get(pid)!.cpuTicks * 1000) / clockTicksPerSecond() : ns / 1e6;
    }),
  );
  return perProcess.reduce((sum, ms) => sum + ms, 0);
}
