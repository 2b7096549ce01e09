import pg from 'pg';
import { InfrastructureError } from '../errors.ts';
import { maskUrl } from './connection-url.ts';

/**
 * One connection to `url`, or an InfrastructureError naming the server
 * (password masked) when it cannot be reached within 10 s. The caller ends it.
 *
 * @example
 * const client = await connectClient(url);
 * try { await client.query('select 1'); } finally { await client.end(); }
 */
export async function connectClient(url: string, options: Omit<pg.ClientConfig, 'connectionString'> = {}): Promise<pg.Client> {
  const client = new pg.Client({ connectionTimeoutMillis: 10_000, ...options, connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    throw new InfrastructureError(`could not connect to ${maskUrl(url)}: ${(error as Error).message}`);
  }
  return client;
}
