import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { whenAborted } from './abort.ts';
import { guardChild } from './orphan-guard.ts';
import { OutputTail } from './output-tail.ts';
import { ownedEnv } from './process-identity.ts';

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Resolves when the child has exited (immediately if it already has). */
export function waitForExit(child: ChildProcess): Promise<ExitStatus> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/**
 * Sends `signal`, waits up to `graceMs`, then SIGKILL. Resolves once the
 * process is gone.
 */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = waitForExit(child);
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    await exited;
  } finally {
    clearTimeout(timer);
  }
}

export interface CommandResult extends ExitStatus {
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to completion and captures its output. Aborting the signal
 * kills the command; so does rehearse's own death (the orphan guard).
 */
export function runCommand(
  command: string,
  args: readonly string[],
  options: SpawnOptions & { signal?: AbortSignal; onOutput?: (chunk: string) => void } = {},
): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const { signal, onOutput, ...spawnOptions } = options;
    const child = spawn(command, args, { ...spawnOptions, env: ownedEnv(spawnOptions.env), stdio: ['ignore', 'pipe', 'pipe'] });
    guardChild(child);
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk;
      onOutput?.(chunk.toString());
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk;
      onOutput?.(chunk.toString());
    });
    const stopListening = whenAborted(signal, () => child.kill('SIGTERM'));
    child.once('error', reject);
    child.once('close', (code, exitSignal) => {
      stopListening();
      resolve({ code, signal: exitSignal, stdout, stderr });
    });
  });
}

/** The last lines of a command's combined output. */
export function tailOf(result: Pick<CommandResult, 'stdout' | 'stderr'>, lines = 20): string {
  const tail = new OutputTail(lines);
  tail.push(result.stdout);
  tail.push('\n');
  tail.push(result.stderr);
  return tail.toString();
}
