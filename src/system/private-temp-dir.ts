import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { guardPath } from './orphan-guard.ts';
import { isProcessAlive } from './process-alive.ts';

/** The scenario's test data of a run (test accounts' emails and passwords): the run makes it, a recovery sweeps it. */
export const TEST_DATA_DIR_PREFIX = 'rehearse-data';

export interface PrivateTempDir {
  dir: string;
  remove(): Promise<void>;
}

/**
 * A folder only this user can read (mkdtemp: mode 0700) in the system temp
 * folder, named `<prefix>-<pid>-…` so that one left by a process that died
 * can be told apart and swept, and removed by the orphan guard if rehearse
 * is killed. For what must never land in a reports folder (test accounts).
 */
export async function createPrivateTempDir(prefix: string): Promise<PrivateTempDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `${prefix}-${process.pid}-`));
  const guarded = guardPath(dir);
  return {
    dir,
    async remove() {
      await rm(dir, { recursive: true, force: true });
      guarded.release();
    },
  };
}

/** Removes `<prefix>-<pid>-…` folders whose process is gone (or only `pid`'s); returns what it removed. */
export async function removeAbandonedTempDirs(prefix: string, pid?: number): Promise<string[]> {
  const pattern = new RegExp(`^${prefix}-(\\d+)-`);
  const abandoned = readdirSync(os.tmpdir())
    .map((name) => ({ name, owner: Number(pattern.exec(name)?.[1]) }))
    .filter(({ owner }) => owner > 0 && (pid === undefined ? !isProcessAlive(owner) : owner === pid && !isProcessAlive(owner)))
    .map(({ name }) => path.join(os.tmpdir(), name));
  for (const dir of abandoned) await rm(dir, { recursive: true, force: true });
  return abandoned;
}
