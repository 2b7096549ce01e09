import type { DbProviderName } from '../config/schema.ts';
import { EmbeddedProvider, type EmbeddedOptions } from './embedded.ts';
import type { PostgresMajor } from './postgres-majors.ts';
import type { DbProvider } from './provider.ts';
import { mergeSettings, type SettingValue } from './rehearsal-settings.ts';
import { DEFAULT_POSTGRES_IMAGE, TestcontainersProvider } from './testcontainers.ts';
import { UrlProvider } from './url.ts';

/** Everything needed to pick and configure a provider, after precedence. */
export interface DbOptions {
  provider: DbProviderName;
  settings: Record<string, SettingValue>;
  image?: string;
  url?: string;
  /** The Postgres major (embedded; testcontainers without an image); absent: the default, 18. */
  version?: PostgresMajor;
  /** Which database this is and why, for a person: "embedded Postgres (the default); DATABASE_URL is set but not used: …". */
  why?: string;
}

export function createProvider(options: DbOptions): DbProvider {
  const settings = mergeSettings(options.settings);
  switch (options.provider) {
    case 'embedded':
      return new EmbeddedProvider(embeddedOptions(options));
    case 'testcontainers':
      return new TestcontainersProvider({ image: options.image ?? containerImage(options.version), settings });
    case 'url':
      return new UrlProvider(options.url);
  }
}

/** The embedded provider's options from the resolved ones (a temporary cluster unless clusterDir is given). */
export function embeddedOptions(options: DbOptions, clusterDir?: string): EmbeddedOptions {
  const embedded: EmbeddedOptions = { settings: mergeSettings(options.settings) };
  if (clusterDir) embedded.clusterDir = clusterDir;
  if (options.version) embedded.major = options.version;
  return embedded;
}

function containerImage(version: PostgresMajor | undefined): string {
  return version ? `postgres:${version}` : DEFAULT_POSTGRES_IMAGE;
}
