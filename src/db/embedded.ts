import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { InfrastructureError } from '../errors.ts';
import { InterruptedError, sleep, throwIfAborted } from '../system/abort.ts';
import { runCommand, stopChild, tailOf } from '../system/child-process.ts';
import { findFreePort } from '../system/free-port.ts';
import { guardChild, guardPath } from '../system/orphan-guard.ts';
import { OutputTail } from '../system/output-tail.ts';
import { ownedEnv } from '../system/process-identity.ts';
import { acquireClusterLock, type HeldClusterLock } from './cluster-lock.ts';
import { connectionUrl } from './connection-url.ts';
import { locatePostgresBinaries } from './embedded-binaries.ts';
import { DEFAULT_POSTGRES_MAJOR, type PostgresMajor } from './postgres-majors.ts';
import { installObservability } from './observability.ts';
import type { ConnectionInfo, DbProvider, RunningDatabase, StartOptions } from './provider.ts';
import { settingsToArgs } from './rehearsal-settings.ts';
import { dropAbandonedRunDatabases } from './run-databases.ts';
import { dropAbandonedBuilds } from './template.ts';

export interface EmbeddedOptions {
  /** Postgres settings, already merged with the rehearsal defaults. */
  settings: Record<string, string>;
  /** Parent folder of the temporary data directory (default: the system temp dir). */
  tempRoot?: string;
  /**
   * A persistent cluster folder (e.g. <project>/.rehearse/pg): the cluster is
   * created there once (data in `data/`, password in `credentials.json`),
   * reused by later starts, and kept on stop(), so seeded templates survive
   * between commands. Without it the cluster is temporary.
   */
  clusterDir?: string;
  readyTimeoutMs?: number;
  /** The Postgres major to run (default 18); its binaries are installed on first use. */
  major?: PostgresMajor;
}

interface ClusterLocation {
  dataDir: string;
  password: string;
  /** The cluster exists already: start it, do not initdb. */
  existing: boolean;
  /** After the server stopped: removes a temporary cluster, releases a persistent one's lock. */
  dispose: () => Promise<void>;
  /** What was cleaned up after a rehearse command that was killed (persistent clusters). */
  recovered: string[];
  /** Called once initdb succeeded. */
  initialised: () => Promise<void>;
}

interface OsUser {
  uid: number;
  gid: number;
}

/** Postgres refuses to run as root; as root the server runs as `postgres`. */
async function serverUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = await runCommand('id', ['-u', 'postgres']);
  const gid = await runCommand('id', ['-g', 'postgres']);
  if (uid.code !== 0 || gid.code !== 0) {
    throw new InfrastructureError(
      'rehearse runs as root, and Postgres will not: it needs an OS user named "postgres" to run the embedded server as. ' +
        'Create one (`useradd --system --user-group postgres`) or run rehearse as a normal user.',
    );
  }
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

export class EmbeddedProvider implements DbProvider {
  readonly name = 'embedded' as const;

  constructor(private readonly options: EmbeddedOptions) {}

  async start({ signal, onProgress }: StartOptions = {}): Promise<RunningDatabase> {
    const binaries = await locatePostgresBinaries(this.options.major ?? DEFAULT_POSTGRES_MAJOR, { onProgress, signal });
    const user = await serverUser();
    const cluster = this.options.clusterDir ? await persistentCluster(this.options.clusterDir, binaries.major, user) : await temporaryCluster(this.options.tempRoot, user);
    const { dataDir, password } = cluster;
    for (const line of cluster.recovered) onProgress?.(`recovered: ${line}`);
    let server: ChildProcess | undefined;
    let admin: pg.Pool | undefined;
    try {
      if (!cluster.existing) {
        onProgress?.(`initialising a Postgres cluster in ${dataDir}`);
        await initCluster(binaries.initdb, dataDir, password, user, signal);
        await cluster.initialised();
      }
      const port = await findFreePort();
      const connection: ConnectionInfo = { host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres' };
      onProgress?.(`starting Postgres on 127.0.0.1:${port}`);
      const tail = new OutputTail(40);
      server = spawnServer(binaries.postgres, dataDir, port, this.options.settings, user, tail);
      await waitUntilReady(server, connection, tail, this.options.readyTimeoutMs ?? 30_000, signal);
      admin = new pg.Pool({ ...connection, max: 4 });
      admin.on('error', () => undefined);
      await installObservability(connection);
      if (this.options.clusterDir) await dropLeftDatabases(admin, onProgress);
      return ownedDatabase(connection, admin, server, { dataDir, pid: String(server.pid), major: String(binaries.major), release: binaries.release }, cluster.dispose);
    } catch (error) {
      await admin?.end().catch(() => undefined);
      if (server) await stopChild(server, 'SIGQUIT', 5_000);
      await cluster.dispose();
      throw error;
    }
  }
}

async function temporaryCluster(tempRoot: string | undefined, user: OsUser | undefined): Promise<ClusterLocation> {
  const dataDir = await mkdtemp(path.join(tempRoot ?? os.tmpdir(), 'rehearse-pg-'));
  if (user) await chown(dataDir, user.uid, user.gid);
  const guarded = guardPath(dataDir);
  const dispose = async () => {
    await rm(dataDir, { recursive: true, force: true });
    guarded.release();
  };
  return { dataDir, password: randomBytes(16).toString('hex'), existing: false, dispose, recovered: [], initialised: () => Promise.resolve() };
}

/**
 * A cluster kept in `clusterDir` across commands, held by this command's
 * lock until stop(); a half-initialised one is started over.
 */
async function persistentCluster(clusterDir: string, major: number, user: OsUser | undefined): Promise<ClusterLocation> {
  const lock = await acquireClusterLock(clusterDir);
  try {
    return await openPersistentCluster(clusterDir, major, user, lock);
  } catch (error) {
    await lock.release();
    throw error;
  }
}

async function openPersistentCluster(clusterDir: string, major: number, user: OsUser | undefined, lock: HeldClusterLock): Promise<ClusterLocation> {
  const dataDir = path.join(clusterDir, 'data');
  const credentialsFile = path.join(clusterDir, 'credentials.json');
  const keep = () => Promise.resolve();
  const held = { dispose: lock.release, recovered: lock.recovered };
  if (existsSync(path.join(dataDir, 'PG_VERSION')) && existsSync(credentialsFile)) {
    await assertClusterMajor(dataDir, major);
    const { password } = JSON.parse(await readFile(credentialsFile, 'utf8')) as { password: string };
    return { dataDir, password, existing: true, initialised: keep, ...held };
  }
  await rm(dataDir, { recursive: true, force: true });
  // As root the server runs as "postgres", which must be able to reach the data directory.
  await mkdir(clusterDir, { recursive: true, mode: 0o755 });
  await mkdir(dataDir, { mode: 0o700 });
  if (user) await chown(dataDir, user.uid, user.gid);
  const password = randomBytes(16).toString('hex');
  // The credentials are written only once initdb succeeded: without them the next start initialises again.
  const initialised = () => writeFile(credentialsFile, `${JSON.stringify({ password })}\n`, { mode: 0o600 });
  await rm(credentialsFile, { force: true });
  return { dataDir, password, existing: false, initialised, ...held };
}

/** A data directory only ever runs on the major that created it: another major refuses it, or (newer) would need pg_upgrade. */
async function assertClusterMajor(dataDir: string, major: number): Promise<void> {
  const created = Number((await readFile(path.join(dataDir, 'PG_VERSION'), 'utf8')).trim());
  if (created === major) return;
  throw new InfrastructureError(
    `the cluster in ${dataDir} was created by Postgres ${created}, not ${major}: each major keeps its own cluster. ` +
      `Delete it (rehearse db clean --all) if it is stale.`,
  );
}

/** Databases that killed commands left on the project cluster: half-built templates and run copies. */
async function dropLeftDatabases(admin: pg.Pool, onProgress: ((line: string) => void) | undefined): Promise<void> {
  const dropped = [...(await dropAbandonedBuilds(admin)), ...(await dropAbandonedRunDatabases(admin))];
  if (dropped.length > 0) onProgress?.(`recovered: dropped ${dropped.join(', ')}, left by rehearse commands that did not finish`);
}

async function initCluster(initdb: string, dataDir: string, password: string, user: OsUser | undefined, signal?: AbortSignal) {
  const passwordFile = path.join(dataDir, '..', `${path.basename(dataDir)}.pw`);
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (user) await chown(passwordFile, user.uid, user.gid);
  try {
    const result = await runCommand(
      initdb,
      ['-D', dataDir, '-U', 'postgres', `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      { uid: user?.uid, gid: user?.gid, signal, env: { ...process.env, LC_ALL: 'C' } },
    );
    throwIfAborted(signal);
    if (result.code !== 0) throw new InfrastructureError('initdb failed to create the embedded Postgres cluster', tailOf(result));
  } finally {
    await rm(passwordFile, { force: true });
  }
}

function spawnServer(
  postgres: string,
  dataDir: string,
  port: number,
  settings: Record<string, string>,
  user: OsUser | undefined,
  tail: OutputTail,
): ChildProcess {
  const args = [
    '-D', dataDir,
    '-p', String(port),
    '-c', 'listen_addresses=127.0.0.1',
    '-c', 'unix_socket_directories=',
    ...settingsToArgs(settings),
  ];
  // Its own process group: a Ctrl-C sent to rehearse's group must not stop the
  // server before rehearse has dropped the run's database on it.
  const child = spawn(postgres, args, { uid: user?.uid, gid: user?.gid, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: ownedEnv({ ...process.env, LC_ALL: 'C' }) });
  // "Fast" shutdown if rehearse dies: sessions aborted, a clean checkpoint.
  guardChild(child, { signal: 'SIGINT', graceMs: 10_000, role: 'server' });
  child.stdout?.on('data', (chunk: Buffer) => tail.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => tail.push(chunk));
  return child;
}

async function waitUntilReady(server: ChildProcess, connection: ConnectionInfo, tail: OutputTail, timeoutMs: number, signal?: AbortSignal) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new InterruptedError(String(signal.reason ?? 'interrupted'));
    if (server.exitCode !== null || server.signalCode !== null) {
      throw new InfrastructureError(`the embedded Postgres server exited during start (code ${server.exitCode ?? server.signalCode})`, tail.toString());
    }
    if (await canConnect(connection)) return;
    if (Date.now() > deadline) throw new InfrastructureError(`the embedded Postgres server did not accept connections within ${timeoutMs / 1000}s`, tail.toString());
    await sleep(50, signal);
  }
}

async function canConnect(connection: ConnectionInfo): Promise<boolean> {
  const client = new pg.Client({ ...connection, connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function ownedDatabase(
  connection: ConnectionInfo,
  admin: pg.Pool,
  server: ChildProcess,
  details: Record<string, string>,
  dispose: () => Promise<void>,
): RunningDatabase {
  let stopping: Promise<void> | undefined;
  return {
    provider: 'embedded',
    connection,
    url: connectionUrl(connection),
    admin,
    owned: true,
    details,
    stop() {
      stopping ??= (async () => {
        await admin.end().catch(() => undefined);
        // SIGINT is Postgres' "fast" shutdown: abort sessions, checkpoint, exit.
        await stopChild(server, 'SIGINT', 10_000);
        await dispose();
      })();
      return stopping;
    },
  };
}
