import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ConfigError } from '../errors.ts';
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
  let module: { default?: unknown };
  try {
    module = await tsImport(pathToFileURL(file).href, import.meta.url);
  } catch (error) {
    throw new ConfigError(file, `${locateImportFailure(file, error)}\n(the config file could not be loaded; fix it and run again)`);
  }
  const exported = unwrapCommonJs(module.default);
  if (exported === undefined) {
    throw new ConfigError(file, `${file}: expected a default export, e.g. \`export default defineConfig({ ... })\``);
  }
  return exported;
}

/**
 * Outside a `"type": "module"` package tsx compiles a .ts file to CommonJS,
 * and its ESM default export arrives wrapped as `{ __esModule, default }`.
 */
function unwrapCommonJs(value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { __esModule?: boolean }).__esModule) {
    return (value as { default?: unknown }).default;
  }
  return value;
}

/** esbuild reports `file:line:col: ERROR: …`; a runtime throw has the file in its stack. */
function locateImportFailure(file: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const compileError = message.split('\n').find((line) => line.includes(`${file}:`));
  if (compileError) return compileError.trim();
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const frame = stack.match(new RegExp(`${escapeRegExp(file)}:(\\d+):(\\d+)`));
  const where = frame ? `${file}:${frame[1]}:${frame[2]}` : file;
  return `${where}: ${message}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function displayName(cwd: string, file: string): string {
  const relative = path.relative(cwd, file);
  return relative.startsWith('..') ? file : relative;
}
