import { spawn } from 'node:child_process';
import { createClient } from '@redis/client';
import { InfrastructureError } from '../errors.ts';
import { findOnPath } from '../k6/locate-k6.ts';
import { InterruptedError, sleep } from '../system/abort.ts';
import { stopChild } from '../system/child-process.ts';
import { findFreePort } from '../system/free-port.ts';
import { guardProcess } from '../system/orphan-guard.ts';
import { OutputTail } from '../system/output-tail.ts';
import { createPrivateTempDir } from '../system/private-temp-dir.ts';
import { ownedEnv } from '../system/process-identity.ts';

export const REDIS_INSTALL_HINT = 'install Debian\'s redis-server package (`apt-get install redis-server`), or set services.redis.url to a Redis you run';

/** Where a redis-server binary is, or undefined: REDIS_SERVER_BIN, then PATH. */
export async function findRedisServer(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  if (env.REDIS_SERVER_BIN) return env.REDIS_SERVER_BIN;
  return findOnPath('redis-server', env);
}

/** A redis-server rehearse started; stop() ends it and removes its folder. */
export interface RunningRedis {
  readonly url: string;
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

export interface StartRedisOptions {
  binary: string;
  signal?: AbortSignal;
  /** How long it may take to answer PING. Default 10 s. */
  readyTimeoutMs?: number;
}

/**
 * A private redis-server for one run: a free loopback port, no persistence
 * (no RDB snapshots, no AOF), its working folder a private temp folder, and
 * the orphan guard to stop it if rehearse is killed. Never a Redis already
 * running on the machine: the run must not read or fill someone else's cache.
 */
export async function startRedisServer(options: StartRedisOptions): Promise<RunningRedis> {
  const port = await findFreePort();
  const folder = await createPrivateTempDir('rehearse-redis');
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', folder.dir, '--daemonize', 'no', '--logfile', ''];
  const child = spawn(options.binary, args, { env: ownedEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const tail = new OutputTail(20);
  child.stdout?.on('data', (chunk: Buffer) => tail.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => tail.push(chunk));
  const spawnFailed = new Promise<Error>((resolve) => child.once('error', resolve));
  const guarded = child.pid === undefined ? { release: () => undefined } : guardProcess(child.pid, { role: 'server' });
  const url = `redis://127.0.0.1:${port}`;
  const stop = async () => {
    await stopChild(child, 'SIGTERM', 5_000);
    guarded.release();
    await folder.remove();
  };
  try {
    await waitUntilReady(url, options, () => (child.exitCode !== null || child.signalCode !== null ? `redis-server exited (${child.exitCode ?? child.signalCode})` : undefined), spawnFailed);
    return { url, pid: child.pid, stop };
  } catch (error) {
    await stop();
    if (error instanceof InterruptedError) throw error;
    throw new InfrastructureError(`the cache server did not start: ${(error as Error).message} (${options.binary} ${args.join(' ')})`, tail.toString());
  }
}

async function waitUntilReady(url: string, options: StartRedisOptions, exited: () => string | undefined, spawnFailed: Promise<Error>): Promise<void> {
  const deadline = Date.now() + (options.readyTimeoutMs ?? 10_000);
  let failure: Error | undefined;
  void spawnFailed.then((error) => (failure = error));
  for (;;) {
    if (options.signal?.aborted) throw new InterruptedError(String(options.signal.reason ?? 'interrupted'));
    if (failure) throw failure;
    const gone = exited();
    if (gone) throw new Error(gone);
    if (await answersPing(url)) return;
    if (Date.now() > deadline) throw new Error(`no answer to PING at ${url} within ${options.readyTimeoutMs ?? 10_000} ms`);
    await sleep(50, options.signal).catch(() => undefined);
  }
}

/** Whether a Redis answers PING at `url` (one connection, closed at once, no retries). */
export async function answersPing(url: string): Promise<boolean> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 1_000 } });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.destroy();
  }
}

