import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireClusterLock, ClusterBusyError, clusterLockFile } from '../../src/db/cluster-lock.ts';
import { isAlive } from '../support/processes.ts';

function deadPid(): number {
  for (let pid = 4_000_000; ; pid++) if (!isAlive(pid)) return pid;
}

describe('the cluster lock', () => {
  let dir: string;
  let clusterDir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-lock-'));
    clusterDir = path.join(dir, '.rehearse', 'pg');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('refuses a second command while one holds it, naming the holder, and is free again once released', async () => {
    const lock = await acquireClusterLock(clusterDir, ['run', 'scenarios/spike.ts']);
    const refused = await acquireClusterLock(clusterDir, ['db', 'clean', '--all']).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ClusterBusyError);
    expect((refused as ClusterBusyError).exitCode).toBe(3);
    expect((refused as Error).message).toMatch(new RegExp(`is in use by \`rehearse run scenarios/spike.ts\` \\(pid ${process.pid}, since .+\\): one command at a time per cluster`));
    await lock.release();
    const again = await acquireClusterLock(clusterDir, ['db', 'clean', '--all']);
    await again.release();
  });

  it('takes over the lock of a command that was killed and stops what it left running, provably its own', async () => {
    const killed = { pid: deadPid(), startTime: '12345', command: 'run scenarios/spike.ts', since: '2026-11-26T04:00:00.000Z' };
    await mkdir(path.dirname(clusterDir), { recursive: true });
    await writeFile(clusterLockFile(clusterDir), JSON.stringify(killed));
    const mark = `REHEARSE_OWNER=${killed.pid}:${killed.startTime}`;
    const [name, value] = mark.split('=') as [string, string];
    const leftover = spawn('sleep', ['300'], { env: { ...process.env, [name]: value }, detached: true, stdio: 'ignore' });
    const unrelated = spawn('sleep', ['301'], { detached: true, stdio: 'ignore' });
    try {
      const lock = await acquireClusterLock(clusterDir, ['run', 'again']);
      expect(lock.recovered).toEqual([`stopped sleep 300 (pid ${leftover.pid}), left running by \`rehearse run scenarios/spike.ts\` (pid ${killed.pid}), which did not finish`]);
      expect(isAlive(leftover.pid!)).toBe(false);
      expect(isAlive(unrelated.pid!)).toBe(true);
      expect(JSON.parse(await readFile(clusterLockFile(clusterDir), 'utf8'))).toMatchObject({ pid: process.pid, command: 'run again' });
      await lock.release();
    } finally {
      leftover.kill('SIGKILL');
      unrelated.kill('SIGKILL');
    }
  });
});
