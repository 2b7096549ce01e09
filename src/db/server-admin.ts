import pg from 'pg';
import { withDatabase } from './connection-url.ts';
import type { RunningDatabase } from './provider.ts';
import type { Queryable } from './queryable.ts';

export interface ServerAdmin {
  /** Connected to the maintenance database, so any other database can be created or dropped. */
  admin: Queryable;
  close(): Promise<void>;
}

/** The provider's admin pool when it is on "postgres", else a pool to the same server's "postgres". */
export function openServerAdmin(database: RunningDatabase): ServerAdmin {
  if (database.connection.database === 'postgres') return { admin: database.admin, close: () => Promise.resolve() };
  const pool = new pg.Pool({ connectionString: withDatabase(database.url, 'postgres'), max: 2 });
  pool.on('error', () => undefined);
  return { admin: pool, close: () => pool.end().catch(() => undefined) };
}
