import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { parseConnectionUrl } from '../db/connection-url.ts';
import { InfrastructureError } from '../errors.ts';
import { InterruptedError, sleep } from '../system/abort.ts';
import { findFreePort } from '../system/free-port.ts';
import { guardProcess, type Guarded } from '../system/orphan-guard.ts';
import { OutputTail } from '../system/output-tail.ts';
import { ownedEnv } from '../system/process-identity.ts';
import { RedactingLines } from '../system/redact-secrets.ts';
import { waitForExit } from '../system/child-process.ts';

export interface AppStartOptions {
  /** Shell command; rehearse sets DATABASE_URL and PORT. */
  command: string;
  cwd: string;
  env: Record<string, string>;
  databaseUrl: string;
  healthPath: string;
  readyTimeoutSeconds: number;
  /** Everything the app prints goes here, credentials masked (an app may print its DATABASE_URL). */
  logFile: string;
  signal?: AbortSignal;
}

/** The app under test, started by rehearse; stop() ends its whole process group. */
export interface RunningApp {
  readonly baseUrl: string;
  readonly pid: number | undefined;
  /** Resolves if the app exits on its own (a crash mid-run). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  logTail(): string;
  stop(): Promise<void>;
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // Negative pid: the whole group, so a shell's children stop too.
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** How long the app's output may take to drain once its whole group is gone. */
const OUTPUT_DRAIN_MS = 2_000;

async function stopGroup(child: ChildProcess, guarded: Guarded, closed: Promise<unknown>, log: WriteStream, outputs: readonly RedactingLines[]): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const exited = waitForExit(child);
    signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(child, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  // Anything the group left behind goes too.
  signalGroup(child, 'SIGKILL');
  guarded.release();
  await Promise.race([closed, sleep(OUTPUT_DRAIN_MS)]);
  if (!log.writableEnded) await new Promise<void>((resolve) => log.end(outputs.map((output) => output.flush()).join(''), resolve));
}

/** Starts the app on a free loopback port and waits until its health URL answers 2xx. */
export async function startApp(options: AppStartOptions): Promise<RunningApp> {
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const log = createWriteStream(options.logFile, { mode: 0o600 });
  log.on('error', () => undefined);
  const password = parseConnectionUrl(options.databaseUrl).password;
  const tail = new OutputTail(40);
  const outputs: RedactingLines[] = [];
  const child = spawn(options.command, {
    shell: true,
    detached: true,
    cwd: options.cwd,
    env: ownedEnv({ ...process.env, ...options.env, DATABASE_URL: options.databaseUrl, PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Its own group (detached) so that stop() reaches a shell's children; the guard stops it if rehearse dies.
  const guarded = child.pid === undefined ? { release: () => undefined } : guardProcess(child.pid, { group: true });
  for (const stream of [child.stdout, child.stderr]) {
    const redacting = new RedactingLines(() => (password ? [password] : []));
    outputs.push(redacting);
    stream?.on('data', (chunk: Buffer) => {
      const lines = redacting.push(chunk);
      if (lines) {
        log.write(lines);
        tail.push(lines);
      }
    });
  }
  const exited = waitForExit(child);
  const closed = new Promise((resolve) => child.once('close', resolve));
  const logTail = () => [tail.toString(), ...outputs.map((output) => output.pending())].filter(Boolean).join('\n');
  const app: RunningApp = { baseUrl, pid: child.pid, exited, logTail, stop: () => stopGroup(child, guarded, closed, log, outputs) };
  try {
    await waitUntilHealthy(app, options, child);
    return app;
  } catch (error) {
    await app.stop();
    throw error;
  }
}

async function waitUntilHealthy(app: RunningApp, options: AppStartOptions, child: ChildProcess): Promise<void> {
  const url = `${app.baseUrl}${options.healthPath}`;
  const deadline = Date.now() + options.readyTimeoutSeconds * 1000;
  for (;;) {
    if (options.signal?.aborted) throw new InterruptedError(String(options.signal.reason ?? 'interrupted'));
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new InfrastructureError(`the app exited before it became healthy (${child.exitCode ?? child.signalCode}): ${options.command}`, app.logTail());
    }
    if (await isHealthy(url)) return;
    if (Date.now() > deadline) {
      throw new InfrastructureError(`the app did not answer ${url} with 2xx within ${options.readyTimeoutSeconds}s: ${options.command}`, app.logTail());
    }
    await sleep(200, options.signal);
  }
}

async function isHealthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
