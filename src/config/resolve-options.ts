import type { DbOptions } from '../db/create-provider.ts';
import { UsageError } from '../errors.ts';
import { DB_PROVIDERS, type Config, type DbProviderName } from './schema.ts';

export interface DbFlags {
  db?: string;
  url?: string;
  image?: string;
}

type Env = Record<string, string | undefined>;

function providerName(source: string, value: string): DbProviderName {
  if ((DB_PROVIDERS as readonly string[]).includes(value)) return value as DbProviderName;
  throw new UsageError(`${source}: expected ${DB_PROVIDERS.map((p) => JSON.stringify(p)).join(' | ')}, got ${JSON.stringify(value)}`);
}

/**
 * The one precedence rule for database options:
 * defaults < config file < environment < flags.
 * A URL given by flag or DATABASE_URL implies the url provider unless a
 * provider is named explicitly at the same or a higher level.
 */
export function resolveDbOptions(config: Config['db'], env: Env, flags: DbFlags): DbOptions {
  let provider: DbProviderName = config.provider;
  let url = config.url;
  let image = config.image;

  if (env.DATABASE_URL) url = env.DATABASE_URL;
  if (env.REHEARSE_DB_IMAGE) image = env.REHEARSE_DB_IMAGE;
  if (env.REHEARSE_DB) provider = providerName('REHEARSE_DB', env.REHEARSE_DB);

  if (flags.url) url = flags.url;
  if (flags.image) image = flags.image;
  if (flags.db) provider = providerName('--db', flags.db);
  else if (flags.url) provider = 'url';

  const options: DbOptions = { provider, settings: config.settings };
  if (url !== undefined) options.url = url;
  if (image !== undefined) options.image = image;
  return options;
}
