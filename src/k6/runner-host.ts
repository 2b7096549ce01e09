import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { InfrastructureError } from '../errors.ts';
import { whenAborted } from '../system/abort.ts';
import type { ExitStatus } from '../system/child-process.ts';
import { guardChild } from '../system/orphan-guard.ts';
import { OutputTail } from '../system/output-tail.ts';
import { ownedEnv } from '../system/process-identity.ts';
import { resumeK6, waitUntilPausedBeforeRun } from './k6-rest-api.ts';

const CONTROL_SCRIPT = fileURLToPath(new URL('./k6-control-process.mjs', import.meta.url));

/**
 * Where a k6 runner runs. rehearse starts the runner, and talks to its REST
 * API, through the host's command prefix: none for this machine;
 * `['ip', 'netns', 'exec', 'rehearse-1-r1']` for a network namespace (how the
 * tests give runners hosts of their own); `['ssh', 'load-2']` for a machine
 * that sees the same paths (script, test data, raw-sample folder) and runs
 * the same Node and k6 builds at the same paths.
 *
 * @example
 * localK6Driver(k6, { runners: 2, hosts: [{ name: 'r1', commandPrefix: ['ip', 'netns', 'exec', 'r1'] }] })
 */
export interface RunnerHost {
  /** For the record and messages. */
  name: string;
  /** Prepended to every command run for a runner on this host. */
  commandPrefix: readonly string[];
}

export const THIS_MACHINE: RunnerHost = { name: 'this machine', commandPrefix: [] };

/** `command args…` as run on `host`: the prefix's first word is the program. */
export function onHost(host: RunnerHost, command: string, args: readonly string[]): { command: string; args: string[] } {
  const [program, ...prefixArgs] = host.commandPrefix;
  return program === undefined ? { command, args: [...args] } : { command: program, args: [...prefixArgs, command, ...args] };
}

/** Releasing one k6 started `--paused`: wait for `paused`, then `resume()`; `stop()` once done either way. */
export interface RunnerControl {
  /** Resolves once the runner has initialised its VUs and waits; rejects when it cannot be reached (or `signal` aborts). */
  readonly paused: Promise<void>;
  resume(): Promise<void>;
  stop(): void;
}

/**
 * Control of the k6 started with `--paused --address <address>` on `host`.
 * On this machine, k6's REST API directly. On another host the API listens
 * on that host's loopback, so a small process started there through the
 * prefix (k6-control-process.mjs) polls it and resumes it on a line from
 * rehearse: releasing several runners together costs a write each, not a
 * process start each.
 */
export function controlRunner(host: RunnerHost, address: string, signal: AbortSignal): RunnerControl {
  if (host.commandPrefix.length === 0) {
    return { paused: waitUntilPausedBeforeRun(address, signal), resume: () => resumeK6(address, signal), stop: () => undefined };
  }
  const { command, args } = onHost(host, process.execPath, [CONTROL_SCRIPT, address]);
  const child = spawn(command, args, { env: ownedEnv(), stdio: ['pipe', 'pipe', 'pipe'] });
  guardChild(child);
  const tail = new OutputTail(20);
  child.stderr.on('data', (chunk: Buffer) => tail.push(chunk.toString()));
  child.stdin.on('error', () => undefined);
  // 'close', not 'exit': its last line is read by then.
  const closed = new Promise<ExitStatus>((resolve) => child.once('close', (code, exitSignal) => resolve({ code, signal: exitSignal })));
  const failure = (what: string, status: ExitStatus) =>
    new InfrastructureError(`could not ${what} the k6 runner at ${address} on ${host.name} (${command} exited with ${status.code ?? status.signal})`, tail.toString());
  const stopListening = whenAborted(signal, () => child.kill('SIGTERM'));
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const said = (line: string, what: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => output.split('\n').includes(line) && resolve();
      child.stdout.on('data', check);
      check();
      void closed.then((status) => {
        check();
        reject(signal.aborted ? signal.reason : failure(what, status));
      });
    });
  const paused = said('paused', 'reach');
  paused.catch(() => undefined);
  return {
    paused,
    resume() {
      child.stdin.end('resume\n');
      return said('resumed', 'resume');
    },
    stop() {
      stopListening();
      child.stdin.destroy();
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    },
  };
}
