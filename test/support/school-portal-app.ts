import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runCommand, stopChild, waitForExit, type CommandResult, type ExitStatus } from '../../src/system/child-process.ts';
import { findFreePort } from '../../src/system/free-port.ts';
import type { ReleaseName } from '../../fixtures/school-portal/app/releases.ts';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SERVER = fileURLToPath(new URL('../../fixtures/school-portal/app/server.ts', import.meta.url));
const READY_LINE = /^school-portal ready on (http:\/\/\S+) \(release (\S+)\)$/m;

/** A school-portal process started for a test; stop() sends SIGTERM and reports how it exited. */
export interface PortalProcess {
  readonly url: string;
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  stop(): Promise<ExitStatus>;
}

export interface PortalProcessOptions {
  databaseUrl: string;
  release?: ReleaseName;
  env?: Record<string, string>;
  readyTimeoutMs?: number;
  /** Runs the app through this prefix (`ip netns exec <ns>`: another host); give HOST in env to listen beyond its loopback. */
  commandPrefix?: readonly string[];
}

const serverArgs = (args: string[]) => ['--import', 'tsx', SERVER, ...args];

/** Starts `node --import tsx server.ts [args]` from the repository root, as the README says to. */
function spawnPortal(args: string[], env: Record<string, string>, commandPrefix: readonly string[] = []): ChildProcess {
  const [program, ...prefixArgs] = [...commandPrefix, process.execPath];
  return spawn(program!, [...prefixArgs, ...serverArgs(args)], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Runs a school-portal command (such as `migrate`) to completion. */
export function runPortalCommand(args: string[], env: Record<string, string>): Promise<CommandResult> {
  return runCommand(process.execPath, serverArgs(args), { cwd: REPO_ROOT, env: { ...process.env, ...env } });
}

export async function startPortalProcess(options: PortalProcessOptions): Promise<PortalProcess> {
  const port = await findFreePort();
  const child = spawnPortal([], {
    DATABASE_URL: options.databaseUrl,
    PORT: String(port),
    PORTAL_RELEASE: options.release ?? 'baseline',
    ...options.env,
  }, options.commandPrefix);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk));
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk));
  try {
    const url = await waitForReadyLine(child, () => stdout, () => stderr, options.readyTimeoutMs ?? 30_000);
    return { url, child, stdout: () => stdout, stderr: () => stderr, stop: () => stopChild(child, 'SIGTERM', 10_000).then(() => waitForExit(child)) };
  } catch (error) {
    await stopChild(child, 'SIGKILL', 1_000);
    throw error;
  }
}

function waitForReadyLine(child: ChildProcess, stdout: () => string, stderr: () => string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      cleanup();
      reject(new Error(`school-portal ${why}\nstdout:\n${stdout()}\nstderr:\n${stderr()}`));
    };
    const onData = () => {
      const match = READY_LINE.exec(stdout());
      if (!match?.[1]) return;
      cleanup();
      resolve(match[1]);
    };
    const onExit = (code: number | null, signal: string | null) => fail(`exited before it was ready (code ${code}, signal ${signal})`);
    const timer = setTimeout(() => fail(`was not ready within ${timeoutMs} ms`), timeoutMs);
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onData);
    child.once('exit', onExit);
  });
}
