import path from 'node:path';
import { ConfigError, UsageError } from '../errors.ts';
import { loadConfig, type LoadedConfig } from './load-config.ts';
import type { AppConfig, ReleaseConfig } from './schema.ts';

/** What `--release <name>` changed in how the app starts, as the run record keeps it. */
export interface AppliedRelease {
  name: string;
  description: string | null;
  /** The release's own environment (merged over app.env); credential-like values are masked when the record is written. */
  env: Record<string, string>;
  /** The command that replaced app.command, or null when the release keeps it. */
  command: string | null;
  /** The config file whose app section the release used, relative to the config file; null when none. */
  config: string | null;
}

export interface ReleaseSelection {
  /** The app section the run starts, with the release applied. */
  app: AppConfig | undefined;
  /** null when no release was named, or the config defines none (`--release` is then only a label). */
  applied: AppliedRelease | null;
  /** Said on stderr: e.g. that a label selected nothing. */
  note?: string;
}

/**
 * The app a run starts for `release`: the config's app section with the
 * named release's environment, command or app-section file applied. A name
 * the config does not define is a usage error listing the ones it does; a
 * config without `releases` keeps `--release` as a free label, and says so.
 *
 * @example
 * const { app, applied } = await resolveRelease(loaded, 'login-hot-row');
 */
export async function resolveRelease(loaded: LoadedConfig, name: string | undefined): Promise<ReleaseSelection> {
  const { config } = loaded;
  if (name === undefined) return { app: config.app, applied: null };
  const releases = config.releases;
  if (!releases || Object.keys(releases).length === 0) {
    return { app: config.app, applied: null, note: `release "${name}" is a label only: ${configName(loaded)} defines no releases, so nothing about the app is changed` };
  }
  const release = Object.hasOwn(releases, name) ? releases[name] : undefined;
  if (!release) throw new UsageError(`--release: unknown release ${JSON.stringify(name)}; known: ${Object.keys(releases).join(', ')} (releases in ${configName(loaded)})`);
  const base = release.config ? await appOfOtherConfig(loaded, name, release.config) : config.app;
  return { app: base && applyRelease(base, release), applied: describeApplied(name, release) };
}

/** The release's environment over the app's, and its command instead of the app's (a command means rehearse starts the app). */
export function applyRelease(app: AppConfig, release: ReleaseConfig): AppConfig {
  const env = { ...app.env, ...release.env };
  if (!release.command) return { ...app, env };
  const { baseUrl: _started, ...rest } = app;
  return { ...rest, env, command: release.command };
}

function describeApplied(name: string, release: ReleaseConfig): AppliedRelease {
  return { name, description: release.description ?? null, env: { ...release.env }, command: release.command ?? null, config: release.config ?? null };
}

/** The app section of another config file; its cwd is made absolute, since it is relative to that file. */
async function appOfOtherConfig(loaded: LoadedConfig, name: string, file: string): Promise<AppConfig> {
  const other = await loadConfig(loaded.root, file);
  const app = other.config.app;
  if (!app) throw new ConfigError(file, `${configName(loaded)}: releases.${name}.config: ${file} has no app section to start this release with`);
  return { ...app, cwd: path.resolve(other.root, app.cwd ?? '.') };
}

function configName(loaded: LoadedConfig): string {
  if (!loaded.file) return 'the config';
  const relative = path.relative(process.cwd(), loaded.file);
  return relative.startsWith('..') ? loaded.file : relative;
}
