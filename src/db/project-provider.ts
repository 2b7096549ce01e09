import path from 'node:path';
import { createProvider, type DbOptions } from './create-provider.ts';
import { EmbeddedProvider } from './embedded.ts';
import type { DbProvider, RunningDatabase, StartOptions } from './provider.ts';
import { mergeSettings } from './rehearsal-settings.ts';
import { assertWritable } from './write-guard.ts';

/** Where the project's embedded cluster lives, next to rehearse.config.ts, so templates outlive one command. */
export function projectClusterDir(root: string): string {
  return path.join(root, '.rehearse', 'pg');
}

/**
 * The database of a command that writes (run, seed, db reset, db clean):
 * the embedded cluster persists in the project (under its lock), and any
 * other server must pass the safety rule before the command touches it.
 * The first progress line says which database and why.
 */
export function createProjectProvider(options: DbOptions, root: string): DbProvider {
  const provider = options.provider === 'embedded' ? new EmbeddedProvider({ settings: mergeSettings(options.settings), clusterDir: projectClusterDir(root) }) : createProvider(options);
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
