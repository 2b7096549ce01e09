import pg from 'pg';
import { InfrastructureError } from '../errors.ts';
import { maskUrl } from './connection-url.ts';
import type { ConnectionInfo, RunningDatabase } from './provider.ts';

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

/**
 * A server rehearse did not start must already load pg_stat_statements:
 * checked before the run seeds anything there, instead of failing after
 * (a run without statements cannot gate on queries). Creates the extension
 * in the database it is connected to when the library is loaded but the
 * extension is missing (the database passed the safety rule).
 */
export async function ensureStatementStatistics(database: RunningDatabase): Promise<void> {
  const { rows } = await database.admin.query<{ preload: string }>(`select current_setting('shared_preload_libraries') as preload`);
  const loaded = (rows[0]?.preload ?? '').split(',').map((name) => name.trim()).includes('pg_stat_statements');
  if (!loaded) {
    throw new InfrastructureError(
      `${maskUrl(database.url)}: pg_stat_statements is not loaded on this server, and a run measures queries with it. ` +
        "Add it to shared_preload_libraries (e.g. `alter system set shared_preload_libraries = 'pg_stat_statements'`), restart the server, and run again.",
    );
  }
  await database.admin.query('create extension if not exists pg_stat_statements');
}
