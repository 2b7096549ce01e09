import path from 'node:path';
import { createProvider, type DbOptions } from './create-provider.ts';
import { EmbeddedProvider } from './embedded.ts';
import type { DbProvider } from './provider.ts';
import { mergeSettings } from './rehearsal-settings.ts';

/** Where the project's embedded cluster lives, next to rehearse.config.ts, so templates outlive one command. */
export function projectClusterDir(root: string): string {
  return path.join(root, '.rehearse', 'pg');
}

/** Like createProvider, but the embedded cluster persists in the project's cache directory. */
export function createProjectProvider(options: DbOptions, root: string): DbProvider {
  if (options.provider !== 'embedded') return createProvider(options);
  return new EmbeddedProvider({ settings: mergeSettings(options.settings), clusterDir: projectClusterDir(root) });
}
