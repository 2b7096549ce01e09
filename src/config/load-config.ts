import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { importDefault, ModuleLoadError } from '../system/import-module.ts';
import { formatIssues } from './format-issues.ts';
import { configSchema, type Config } from './schema.ts';

export const CONFIG_FILE_NAMES = ['rehearse.config.ts', 'rehearse.config.mts', 'rehearse.config.js', 'rehearse.config.mjs'] as const;

export interface LoadedConfig {
  config: Config;
  /** Absolute path of the file, or undefined when rehearse runs on defaults. */
  file: string | undefined;
  /** Folder that relative paths in the config are resolved against. */
  root: string;
}

/** The config file in `cwd`, if there is one. */
export function findConfigFile(cwd: string): string | undefined {
  return CONFIG_FILE_NAMES.map((name) => path.join(cwd, name)).find((file) => existsSync(file));
}

/**
 * Loads and validates the config: `explicitFile` (from `--config`) if given,
 * else a rehearse.config.* in `cwd`, else the defaults.
 */
export async function loadConfig(cwd: string, explicitFile?: string): Promise<LoadedConfig> {
  const file = explicitFile ? path.resolve(cwd, explicitFile) : findConfigFile(cwd);
  if (explicitFile && (!file || !existsSync(file))) {
    throw new ConfigError(explicitFile, `${explicitFile}: config file not found (resolved to ${file})`);
  }
  if (!file) return { config: validateConfig('(defaults)', {}), file: undefined, root: cwd };
  const exported = await importConfigModule(file);
  return { config: validateConfig(displayName(cwd, file), exported), file, root: path.dirname(file) };
}

/** Validates a config value; `name` is how the file is named in messages. */
export function validateConfig(name: string, value: unknown): Config {
  const result = configSchema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new ConfigError(name, formatIssues(name, result.error.issues), { issues: result.error.issues.length });
}

async function importConfigModule(file: string): Promise<unknown> {
  let exported: unknown;
  try {
    exported = await importDefault(file);
  } catch (error) {
    if (!(error instanceof ModuleLoadError)) throw error;
    throw new ConfigError(file, `${error.location}\n(the config file could not be loaded; fix it and run again)`);
  }
  if (exported === undefined) {
    throw new ConfigError(file, `${file}: expected a default export, e.g. \`export default defineConfig({ ... })\``);
  }
  return exported;
}

function displayName(cwd: string, file: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') ? file : relative;
}
