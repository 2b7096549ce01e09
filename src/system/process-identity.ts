import { readdirSync, readFileSync } from 'node:fs';
import { isProcessAlive } from './process-alive.ts';

/**
 * Every process rehearse starts carries `REHEARSE_OWNER=<pid>:<start>` of the
 * rehearse process that started it, so a later command can prove that a
 * process left running by a killed rehearse is rehearse's, and whose.
 */
export const OWNER_ENV = 'REHEARSE_OWNER';

/**
 * When a process started, in clock ticks since boot (Linux), so a pid reused
 * by an unrelated process is not mistaken for the one recorded. Undefined
 * where /proc is not available, or when the process is gone.
 */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** A process as recorded to find it again: its pid and when it started. */
export interface ProcessIdentity {
  pid: number;
  startTime: string | null;
}

export function identify(pid = process.pid): ProcessIdentity {
  return { pid, startTime: processStartTime(pid) ?? null };
}

/** True while the recorded process itself runs (not another that got its pid). */
export function isRunning(identity: ProcessIdentity): boolean {
  if (!isProcessAlive(identity.pid)) return false;
  const now = processStartTime(identity.pid);
  return identity.startTime === null || now === undefined || now === identity.startTime;
}

export function ownerToken(identity: ProcessIdentity = identify()): string {
  return `${identity.pid}:${identity.startTime ?? '?'}`;
}

/** The environment for a child rehearse starts: `env` (default: this process's) plus the owner mark. */
export function ownedEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, [OWNER_ENV]: ownerToken() };
}

function readProc(pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return undefined;
  }
}

export interface OwnedProcess {
  pid: number;
  /** Its process group, signalled as a whole when the process leads it (an app's shell). */
  leadsGroup: boolean;
  command: string;
}

function parentAndGroup(pid: number): { ppid: number; pgid: number } | undefined {
  const stat = readProc(pid, 'stat');
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), pgid: Number(fields[2]) };
}

/**
 * The topmost processes marked with `token` (Linux /proc): their children
 * carry the mark too and go with them (a group, or a server's backends).
 */
export function processesOwnedBy(token: string): OwnedProcess[] {
  const wanted = `${OWNER_ENV}=${token}`;
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  const marked = new Set(entries.map(Number).filter((pid) => pid !== process.pid && readProc(pid, 'environ')?.split('\0').includes(wanted)));
  return [...marked].flatMap((pid) => {
    const family = parentAndGroup(pid);
    if (!family || marked.has(family.ppid)) return [];
    const command = (readProc(pid, 'cmdline') ?? '').split('\0').filter(Boolean).join(' ');
    return [{ pid, leadsGroup: family.pgid === pid, command }];
  });
}

/** The command line of a running process (Linux), empty when unknown. */
export function commandLine(pid: number): string {
  return (readProc(pid, 'cmdline') ?? '').split('\0').filter(Boolean).join(' ');
}
