import { InfrastructureError } from '../errors.ts';
import { runCommand, tailOf } from '../system/child-process.ts';
import type { K6Binary } from './locate-k6.ts';
import { onHost, THIS_MACHINE, type RunnerHost } from './runner-host.ts';

/** k6's exit code when one or more thresholds failed. */
export const K6_THRESHOLDS_FAILED = 99;

export interface K6RunOptions {
  script: string;
  /** Extra `k6 run` arguments, e.g. `['--out', 'json=raw.json']`. */
  args?: readonly string[];
  /** Environment for the script (`__ENV`), on top of rehearse's own. */
  env?: Record<string, string>;
  cwd?: string;
  /** Where k6 runs (default this machine); the environment reaches it through the host's prefix. */
  host?: RunnerHost;
  signal?: AbortSignal;
  /** k6's own progress and output, as it comes. */
  onOutput?: (chunk: string) => void;
}

export interface K6RunResult {
  exitCode: number;
  thresholdsFailed: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs `k6 run`. A threshold failure is a result (thresholdsFailed), not an
 * error; any other non-zero exit is an infrastructure failure carrying
 * k6's output tail.
 */
export async function runK6(k6: K6Binary, options: K6RunOptions): Promise<K6RunResult> {
  const host = options.host ?? THIS_MACHINE;
  const { command, args } = onHost(host, k6.path, ['run', '--no-usage-report', ...(options.args ?? []), options.script]);
  const result = await runCommand(command, args, {
    cwd: options.cwd,
    signal: options.signal,
    onOutput: options.onOutput,
    env: { ...process.env, K6_NO_USAGE_REPORT: 'true', ...options.env },
  });
  const exitCode = result.code ?? 128;
  if (exitCode !== 0 && exitCode !== K6_THRESHOLDS_FAILED) {
    throw new InfrastructureError(`k6 exited with ${result.code ?? result.signal} running ${options.script}${host === THIS_MACHINE ? '' : ` on ${host.name}`}`, tailOf(result), { exitCode });
  }
  return { exitCode, thresholdsFailed: exitCode === K6_THRESHOLDS_FAILED, stdout: result.stdout, stderr: result.stderr };
}
