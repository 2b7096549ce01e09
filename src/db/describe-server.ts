import type { Queryable } from './queryable.ts';

/** `PostgreSQL 18.4, pg_stat_statements loaded` — or says that it is not. */
export async function describeServer(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ version: string; preload: string }>(
    `select current_setting('server_version') as version, current_setting('shared_preload_libraries') as preload`,
  );
  const row = rows[0];
  if (!row) return 'PostgreSQL (version unknown)';
  const loaded = row.preload.split(',').map((name) => name.trim()).includes('pg_stat_statements');
  return `PostgreSQL ${row.version}, pg_stat_statements ${loaded ? 'loaded' : 'NOT loaded'}`;
}
