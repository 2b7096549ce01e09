import pg from 'pg';
import { InfrastructureError, UsageError } from '../errors.ts';
import { maskUrl, parseConnectionUrl } from './connection-url.ts';
import type { DbProvider, RunningDatabase, StartOptions } from './provider.ts';

/**
 * An existing (staging) database. rehearse did not create it, so it is never
 * `owned`: the seeder refuses to write to it unless it carries the
 * disposable marker.
 */
export class UrlProvider implements DbProvider {
  readonly name = 'url' as const;

  constructor(private readonly url: string | undefined) {}

  async start({ onProgress }: StartOptions = {}): Promise<RunningDatabase> {
    if (!this.url) {
      throw new UsageError('db.provider is "url" but no URL was given: set db.url in the config, pass --url, or set DATABASE_URL.');
    }
    const url = this.url;
    const connection = parseConnectionUrl(url);
    onProgress?.(`connecting to ${maskUrl(url)}`);
    const admin = new pg.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 10_000 });
    admin.on('error', () => undefined);
    try {
      await admin.query('select 1');
    } catch (error) {
      await admin.end().catch(() => undefined);
      throw new InfrastructureError(`could not connect to ${maskUrl(url)}: ${(error as Error).message}`);
    }
    let stopping: Promise<void> | undefined;
    return {
      provider: 'url',
      connection,
      url,
      admin,
      owned: false,
      details: {},
      stop() {
        stopping ??= admin.end().catch(() => undefined);
        return stopping;
      },
    };
  }
}
