import { link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { InfrastructureError } from '../errors.ts';
import { sleep } from '../system/abort.ts';
import { isProcessAlive } from '../system/process-alive.ts';
import { commandLine, identify, isRunning, ownerToken, processesOwnedBy, type ProcessIdentity } from '../system/process-identity.ts';
import { removeAbandonedTempDirs, TEST_DATA_DIR_PREFIX } from '../system/private-temp-dir.ts';
import { redactText } from '../system/redact-secrets.ts';

/** Who holds a project's cluster: the rehearse process, what it was asked to do, since when. */
export interface ClusterOwner extends ProcessIdentity {
  command: string;
  since: string;
}

/** Another rehearse command is using the project's cluster. Exit 3, naming it. */
export class ClusterBusyError extends InfrastructureError {
  constructor(clusterDir: string, owner: ClusterOwner) {
    super(
      `the project's Postgres cluster (${clusterDir}) is in use by \`rehearse ${owner.command}\` (pid ${owner.pid}, since ${owner.since}): ` +
        'one command at a time per cluster. Wait for it to finish (or stop it with Ctrl-C in its terminal), then run again.',
      '',
      { owner },
    );
  }
}

export interface HeldClusterLock {
  /** What was cleaned up after a rehearse command that was killed, one sentence each. */
  recovered: string[];
  release(): Promise<void>;
}

/** The lock sits beside the cluster folder, so `db clean --all` can delete the cluster while holding it. */
export function clusterLockFile(clusterDir: string): string {
  return `${clusterDir}.lock`;
}

function describeCommand(argv: readonly string[]): string {
  const text = argv.join(' ');
  return redactText(text.length > 160 ? `${text.slice(0, 159)}…` : text).text;
}

async function readOwner(file: string): Promise<ClusterOwner | undefined> {
  try {
    const owner = JSON.parse(await readFile(file, 'utf8')) as ClusterOwner;
    return typeof owner.pid === 'number' ? owner : undefined;
  } catch {
    return undefined;
  }
}

/** Creates the lock only if there is none: written whole to a temporary file, then linked in place (atomic, and never seen half-written). */
async function createLock(file: string, owner: ClusterOwner): Promise<boolean> {
  const temporary = `${file}.${owner.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(owner)}\n`);
  try {
    await link(temporary, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await rm(temporary, { force: true });
  }
}

/**
 * Moves a dead owner's lock aside and returns it. Should another command
 * have replaced it in the meantime (it saw the same dead owner first), that
 * fresh lock is put back and undefined is returned.
 */
async function takeOverStaleLock(file: string, stale: ClusterOwner | undefined): Promise<ClusterOwner | undefined> {
  const aside = `${file}.stale-${process.pid}`;
  try {
    await rename(file, aside);
  } catch {
    return undefined;
  }
  const moved = await readOwner(aside);
  if (moved && stale && moved.pid !== stale.pid && isRunning(moved)) {
    await link(aside, file).catch(() => undefined);
    await rm(aside, { force: true });
    return undefined;
  }
  await rm(aside, { force: true });
  return moved ?? stale;
}

/**
 * Takes the project cluster for this command: one rehearse command at a
 * time per cluster. A lock left by a command that is gone (SIGKILL, a
 * crash of the machine's OOM killer) is taken over, and what that command
 * left running on the cluster — its Postgres server, its app, its k6 — is
 * stopped, provably rehearse's own: the server by the data directory on its
 * command line, the others by their REHEARSE_OWNER mark.
 *
 * @example
 * const lock = await acquireClusterLock('.rehearse/pg', ['run', 'scenarios/spike.ts']);
 * try { … } finally { await lock.release(); }
 */
export async function acquireClusterLock(clusterDir: string, argv: readonly string[] = process.argv.slice(2)): Promise<HeldClusterLock> {
  const file = clusterLockFile(clusterDir);
  await mkdir(path.dirname(file), { recursive: true });
  const me: ClusterOwner = { ...identify(), command: describeCommand(argv), since: new Date().toISOString() };
  let previous: ClusterOwner | undefined;
  for (let attempt = 0; attempt < 20; attempt++) {
    if (await createLock(file, me)) {
      const recovered = await stopLeftovers(clusterDir, previous);
      return { recovered, release: () => releaseLock(file, me) };
    }
    const current = await readOwner(file);
    if (current && isRunning(current)) throw new ClusterBusyError(clusterDir, current);
    previous = (await takeOverStaleLock(file, current)) ?? previous;
    await sleep(25 * attempt);
  }
  throw new InfrastructureError(`could not take the lock ${file}: other rehearse commands keep taking it; run again when they are done`);
}

/**
 * Refuses at once when another live command holds the cluster, without
 * taking the lock: for a command that has more to check before it starts
 * the cluster (the lock is taken when it does).
 */
export async function assertClusterFree(clusterDir: string): Promise<void> {
  const owner = await readOwner(clusterLockFile(clusterDir));
  if (owner && isRunning(owner)) throw new ClusterBusyError(clusterDir, owner);
}

async function releaseLock(file: string, me: ClusterOwner): Promise<void> {
  const current = await readOwner(file);
  if (current?.pid === me.pid && current.startTime === me.startTime) await rm(file, { force: true });
}

/**
 * What a killed command left on the cluster: its processes (by their owner
 * mark) and any server still running on the data directory (nobody else
 * may run one while this command holds the lock).
 */
async function stopLeftovers(clusterDir: string, previous: ClusterOwner | undefined): Promise<string[]> {
  const recovered: string[] = [];
  const who = previous ? `\`rehearse ${previous.command}\` (pid ${previous.pid}), which did not finish` : 'a rehearse command that did not finish';
  const server = await orphanServer(path.join(clusterDir, 'data'));
  const clients = previous ? processesOwnedBy(ownerToken(previous)).filter((entry) => entry.pid !== server) : [];
  for (const client of clients) {
    await stopProcess(client.leadsGroup ? -client.pid : client.pid, [['SIGTERM', 5_000]]);
    recovered.push(`stopped ${client.command.slice(0, 80)} (pid ${client.pid}), left running by ${who}`);
  }
  if (previous) {
    for (const dir of await removeAbandonedTempDirs(TEST_DATA_DIR_PREFIX, previous.pid)) recovered.push(`removed ${dir} (test accounts of ${who})`);
  }
  if (server) {
    // Fast shutdown first (sessions aborted, a clean checkpoint), then immediate, then kill.
    await stopProcess(server, [
      ['SIGINT', 10_000],
      ['SIGQUIT', 5_000],
    ]);
    recovered.push(`stopped the project's Postgres server (pid ${server}), left running by ${who}`);
  }
  return recovered;
}

/** The pid of a live server on `dataDir`, proven by its postmaster.pid and its command line. */
async function orphanServer(dataDir: string): Promise<number | undefined> {
  const pid = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isProcessAlive(pid)) return undefined;
  return commandLine(pid).includes(dataDir) ? pid : undefined;
}

function alive(target: number): boolean {
  try {
    process.kill(target, 0);
    return true;
  } catch {
    return false;
  }
}

/** Signals `target` (a negative pid: a group) with each signal in turn until it is gone; SIGKILL last. */
async function stopProcess(target: number, steps: ReadonlyArray<[NodeJS.Signals, number]>): Promise<void> {
  for (const [signal, graceMs] of steps) {
    try {
      process.kill(target, signal);
    } catch {
      return;
    }
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline && alive(target)) await sleep(100);
    if (!alive(target)) return;
  }
  try {
    process.kill(target, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
