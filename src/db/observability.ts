import pg from 'pg';
import type { ConnectionInfo } from './provider.ts';

/**
 * Creates pg_stat_statements in the maintenance database and in template1,
 * so every database later created on this server (templates, clones) has it.
 * Only for servers rehearse started itself.
 */
export async function installObservability(connection: ConnectionInfo): Promise<void> {
  for (const database of ['postgres', 'template1']) {
    const client = new pg.Client({ ...connection, database });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query('create extension if not exists pg_stat_statements');
    } finally {
      await client.end();
    }
  }
}
