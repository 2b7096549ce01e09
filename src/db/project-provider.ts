import path from 'node:path';
import { createProvider, embeddedOptions, type DbOptions } from './create-provider.ts';
import { EmbeddedProvider } from './embedded.ts';
import { DEFAULT_POSTGRES_MAJOR } from './postgres-majors.ts';
import type { DbProvider, RunningDatabase, StartOptions } from './provider.ts';
import { assertWritable } from './write-guard.ts';

/**
 * Where the project's embedded cluster lives, next to rehearse.config.ts, so
 * templates outlive one command: one cluster per major (a data directory runs
 * on the major that created it only), `.rehearse/pg` for the default major.
 */
export function projectClusterDir(root: string, major: number = DEFAULT_POSTGRES_MAJOR): string {
  return path.join(root, '.rehearse', major === DEFAULT_POSTGRES_MAJOR ? 'pg' : `pg-${major}`);
}

/**
 * The database of a command that writes (run, seed, db reset, db clean):
 * the embedded cluster persists in the project (under its lock), and any
 * other server must pass the safety rule before the command touches it.
 * The first progress line says which database and why.
 */
export function createProjectProvider(options: DbOptions, root: string): DbProvider {
  const provider = options.provider === 'embedded' ? new EmbeddedProvider(embeddedOptions(options, projectClusterDir(root, options.version))) : createProvider(options);
  return {
    name: provider.name,
    async start(start: StartOptions = {}): Promise<RunningDatabase> {
      if (options.why) start.onProgress?.(`database: ${options.why}`);
      const database = await provider.start(start);
      try {
        await assertWritable(database);
        return database;
      } catch (error) {
        await database.stop();
        throw error;
      }
    },
  };
}
