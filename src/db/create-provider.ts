import type { DbProviderName } from '../config/schema.ts';
import { EmbeddedProvider } from './embedded.ts';
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
  /** Which database this is and why, for a person: "embedded Postgres (the default); DATABASE_URL is set but not used: …". */
  why?: string;
}

export function createProvider(options: DbOptions): DbProvider {
  const settings = mergeSettings(options.settings);
  switch (options.provider) {
    case 'embedded':
      return new EmbeddedProvider({ settings });
    case 'testcontainers':
      return new TestcontainersProvider({ image: options.image ?? DEFAULT_POSTGRES_IMAGE, settings });
    case 'url':
      return new UrlProvider(options.url);
  }
}
