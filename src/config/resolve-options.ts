import { maskUrl } from '../db/connection-url.ts';
import type { DbOptions } from '../db/create-provider.ts';
import { UsageError } from '../errors.ts';
import { isPostgresMajor, POSTGRES_MAJORS, type PostgresMajor } from '../db/postgres-majors.ts';
import { DB_PROVIDERS, type Config, type DbProviderName } from './schema.ts';

export interface DbFlags {
  db?: string;
  url?: string;
  image?: string;
  /** `--db-version 16`: the Postgres major. */
  dbVersion?: string;
}

type Env = Record<string, string | undefined>;

/** The major production ran, from a profile being seeded or run from: the default below the config's. */
export interface ProfileMajor {
  /** The profile's file, as given. */
  file: string;
  /** `server_version_num / 10000` of the profile. */
  major: number;
}

function providerName(source: string, value: string): DbProviderName {
  if ((DB_PROVIDERS as readonly string[]).includes(value)) return value as DbProviderName;
  throw new UsageError(`${source}: expected ${DB_PROVIDERS.map((p) => JSON.stringify(p)).join(' | ')}, got ${JSON.stringify(value)}`);
}

function postgresMajor(source: string, value: string): PostgresMajor {
  const major = Number(value);
  if (/^\d+$/.test(value) && isPostgresMajor(major)) return major;
  throw new UsageError(`${source}: expected a Postgres major, ${POSTGRES_MAJORS.join(' | ')}, got ${JSON.stringify(value)}`);
}

/**
 * The one precedence rule for database options:
 * defaults < profile (its major) < config file < environment < flags.
 * `--url` alone implies the url provider. DATABASE_URL does not: it is
 * often the app's own database, so it is the URL of the url provider only
 * when that provider is chosen (db.provider, REHEARSE_DB or --db). The
 * result says which database and why (`why`), including a DATABASE_URL that
 * is set but not used, so no choice is silent.
 */
export function resolveDbOptions(config: Config['db'], env: Env, flags: DbFlags, profile?: ProfileMajor): DbOptions {
  let provider: DbProviderName = config.provider ?? 'embedded';
  let providerFrom = config.provider ? 'db.provider in the config' : 'the default';
  let url = config.url;
  let urlFrom = 'db.url in the config';
  let image = config.image;
  let version = config.version;
  let versionFrom = 'db.version in the config';
  let profileNote = '';
  if (version === undefined && profile) {
    if (isPostgresMajor(profile.major)) [version, versionFrom] = [profile.major, `the profile ${profile.file}`];
    else profileNote = `; the profile ${profile.file} was captured on PostgreSQL ${profile.major}, which rehearse does not run (${POSTGRES_MAJORS.join(' | ')}): the default major is used`;
  }

  if (env.DATABASE_URL) [url, urlFrom] = [env.DATABASE_URL, 'DATABASE_URL'];
  if (env.REHEARSE_DB_IMAGE) image = env.REHEARSE_DB_IMAGE;
  if (env.REHEARSE_DB_VERSION) [version, versionFrom] = [postgresMajor('REHEARSE_DB_VERSION', env.REHEARSE_DB_VERSION), 'REHEARSE_DB_VERSION'];
  if (env.REHEARSE_DB) [provider, providerFrom] = [providerName('REHEARSE_DB', env.REHEARSE_DB), 'REHEARSE_DB'];

  if (flags.url) [url, urlFrom] = [flags.url, '--url'];
  if (flags.image) image = flags.image;
  if (flags.dbVersion) [version, versionFrom] = [postgresMajor('--db-version', flags.dbVersion), '--db-version'];
  if (flags.db) [provider, providerFrom] = [providerName('--db', flags.db), '--db'];
  else if (flags.url) [provider, providerFrom] = ['url', '--url'];

  const chosenVersion = version === undefined ? undefined : { version, from: versionFrom };
  const options: DbOptions = { provider, settings: config.settings, why: describeChoice(provider, providerFrom, url, urlFrom, env, chosenVersion) + (provider === 'url' ? '' : profileNote) };
  if (url !== undefined) options.url = url;
  if (version !== undefined) options.version = version;
  if (image !== undefined) options.image = image;
  return options;
}

function describeChoice(
  provider: DbProviderName,
  providerFrom: string,
  url: string | undefined,
  urlFrom: string,
  env: Env,
  chosen: { version: PostgresMajor; from: string } | undefined,
): string {
  const unusedEnvUrl =
    provider !== 'url' && env.DATABASE_URL
      ? `; DATABASE_URL is set but not used (the provider is ${provider}): pass --db url or set REHEARSE_DB=url to rehearse on it`
      : '';
  const ignoredMajor = chosen ? `; the Postgres major from ${chosen.from} is not used: the server at the URL is what it is` : '';
  if (provider === 'url') return `url ${url ? maskUrl(url) : '(no URL given)'} (provider from ${providerFrom}, URL from ${urlFrom})${ignoredMajor}`;
  const what = provider === 'embedded' ? 'embedded Postgres' : 'a Testcontainers Postgres';
  if (!chosen) return `${what} (${providerFrom})${unusedEnvUrl}`;
  return `${what} ${chosen.version} (${providerFrom}; major from ${chosen.from})${unusedEnvUrl}`;
}
