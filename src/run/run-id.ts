import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { InfrastructureError } from '../errors.ts';

/**
 * Folder names stop at 255 bytes; an id this long still reads in a terminal
 * and leaves room for the files and temporary names beside it.
 */
const MAX_ID_LENGTH = 100;

/** `20261126-024501-parents-evening-login-spike-baseline`: sortable, readable, a folder name. */
export function makeRunId(scenario: string, label: string | undefined, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const id = [stamp, scenario, label].filter(Boolean).join('-').replace(/[^A-Za-z0-9._-]+/g, '-');
  if (id.length <= MAX_ID_LENGTH) return id;
  // A long label is cut, and a digest of the whole keeps two long labels apart.
  const digest = createHash('sha256').update(id).digest('hex').slice(0, 8);
  return `${id.slice(0, MAX_ID_LENGTH - digest.length - 1)}-${digest}`;
}

export interface RunDirectory {
  id: string;
  dir: string;
}

/**
 * Creates the run's own folder under `reportsDir`. Two runs started in the
 * same second get `…-2`, `…-3`: the folder is created exclusively, so no two
 * runs ever share one (`prefix` names other kinds of folder: `ab-…`). A folder that cannot be created is an
 * InfrastructureError (exit 3) before anything starts.
 */
export async function createRunDirectory(reportsDir: string, scenario: string, label: string | undefined, now = new Date(), prefix = ''): Promise<RunDirectory> {
  const base = `${prefix}${makeRunId(scenario, label, now)}`;
  try {
    await mkdir(reportsDir, { recursive: true });
    for (let attempt = 1; ; attempt++) {
      const id = attempt === 1 ? base : `${base}-${attempt}`;
      const dir = path.join(reportsDir, id);
      const created = await mkdir(dir).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'EEXIST') return false;
          throw error;
        },
      );
      if (created) return { id, dir };
    }
  } catch (error) {
    const { code, message } = error as NodeJS.ErrnoException;
    throw new InfrastructureError(`cannot create a run folder in ${reportsDir}: ${code ?? message} (${message}); make it writable, or run from a project folder that is`);
  }
}

export { runDatabaseName } from '../db/run-databases.ts';
