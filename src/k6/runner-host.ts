import { fileURLToPath } from 'node:url';
import { InfrastructureError } from '../errors.ts';
import { runCommand, tailOf } from '../system/child-process.ts';
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

/**
 * Waits until the k6 started with `--paused --address <address>` on `host`
 * is ready to be resumed. On another host its API listens on that host's
 * loopback, so the polling runs there (k6-control-process.mjs), through the
 * prefix; gives up only when `signal` aborts.
 */
export async function waitUntilRunnerPaused(host: RunnerHost, address: string, signal: AbortSignal): Promise<void> {
  if (host.commandPrefix.length === 0) return waitUntilPausedBeforeRun(address, signal);
  await controlOnHost(host, 'wait', address, signal);
}

/** Resumes the paused k6 on `host` (k6's PATCH /v1/status). */
export async function resumeRunner(host: RunnerHost, address: string, signal: AbortSignal): Promise<void> {
  if (host.commandPrefix.length === 0) return resumeK6(address, signal);
  await controlOnHost(host, 'resume', address, signal);
}

async function controlOnHost(host: RunnerHost, action: 'wait' | 'resume', address: string, signal: AbortSignal): Promise<void> {
  const { command, args } = onHost(host, process.execPath, [CONTROL_SCRIPT, action, address]);
  const result = await runCommand(command, args, { signal });
  signal.throwIfAborted();
  if (result.code !== 0) {
    throw new InfrastructureError(`could not ${action} the k6 runner at ${address} on ${host.name} (${command} exited with ${result.code ?? result.signal})`, tailOf(result));
  }
}
