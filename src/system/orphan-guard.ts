import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Writable } from 'node:stream';
import { dockerEndpoint } from './docker-engine.ts';
import { identify, processStartTime } from './process-identity.ts';

const GUARD_SCRIPT = fileURLToPath(new URL('./orphan-guard-process.mjs', import.meta.url));

/** Something the guard will clean up if rehearse dies; `release()` once its owner has stopped it. */
export interface Guarded {
  release(): void;
}

export interface GuardedProcess {
  /** Signal the whole process group (a detached child that leads its own group). */
  group?: boolean;
  /** How the guard asks it to stop; SIGKILL follows after `graceMs`. */
  signal?: NodeJS.Signals;
  graceMs?: number;
  /** Servers stop after their clients (the app, k6): `server` goes last. */
  role?: 'client' | 'server';
}

type Entry =
  | { kind: 'process'; pid: number; startTime: string | undefined; group: boolean; signal: NodeJS.Signals; graceMs: number; order: number }
  | { kind: 'path'; path: string }
  | { kind: 'container'; containerId: string; socketPath?: string; host?: string; port?: number };

/**
 * Why a process-wide guard, when everything else has an owner: ownership
 * ends when this very process is SIGKILLed, and only another process can
 * act then. Owners still stop what they start; the guard only acts on what
 * is registered and not yet released when rehearse's end of the pipe closes.
 */
let guard: { child: ChildProcess; input: Writable } | undefined;
let nextId = 1;

function send(message: object): void {
  if (!guard) {
    const me = identify();
    // Its own session: a Ctrl-C or a kill of rehearse's process group does not reach it.
    const child = spawn(process.execPath, [GUARD_SCRIPT, String(me.pid), me.startTime ?? ''], { detached: true, stdio: ['pipe', 'ignore', 'ignore'] });
    child.unref();
    const input = child.stdin as Writable & { unref(): void };
    // The pipe must not keep rehearse alive, and a guard that died must not crash it.
    input.unref();
    input.on('error', () => undefined);
    child.on('error', () => undefined);
    guard = { child, input };
  }
  guard.input.write(`${JSON.stringify(message)}\n`);
}

function register(entry: Entry): Guarded {
  const id = nextId++;
  send({ op: 'add', entry: { id, ...entry } });
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      send({ op: 'remove', id });
    },
  };
}

/**
 * Makes a child die with rehearse even when rehearse is SIGKILLed.
 *
 * @example
 * const guarded = guardProcess(child.pid!, { group: true });
 * child.once('exit', () => guarded.release());
 */
export function guardProcess(pid: number, how: GuardedProcess = {}): Guarded {
  return register({
    kind: 'process',
    pid,
    startTime: processStartTime(pid),
    group: how.group ?? false,
    signal: how.signal ?? 'SIGTERM',
    graceMs: how.graceMs ?? 5_000,
    order: how.role === 'server' ? 1 : 0,
  });
}

/** Removes a path (a temporary cluster, test data with credentials) if rehearse dies before it does. */
export function guardPath(path: string): Guarded {
  return register({ kind: 'path', path });
}

/** Removes a container if rehearse dies before it does (Testcontainers' reaper is not available everywhere). */
export function guardContainer(containerId: string, env: NodeJS.ProcessEnv = process.env): Guarded {
  const { socketPath, host, port } = dockerEndpoint(env);
  return register({ kind: 'container', containerId, ...(socketPath ? { socketPath } : {}), ...(host ? { host, port } : {}) });
}

/** Guards a spawned child until it exits. */
export function guardChild(child: ChildProcess, how: GuardedProcess = {}): void {
  if (child.pid === undefined) return;
  const guarded = guardProcess(child.pid, how);
  child.once('exit', () => guarded.release());
}
