import pg from 'pg';
import { withDatabase } from '../../src/db/connection-url.ts';
import { createProvider } from '../../src/db/create-provider.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';

/** The machine's own Postgres service, if it runs: a staging server rehearse did not create. */
const SERVICE_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * A database someone cares about, on a server rehearse did not create, with
 * a fingerprint of everything a write could change: its rows, its tables and
 * schemas, and the rehearse databases on its server.
 */
export interface PreciousDatabase {
  url: string;
  /** Where it lives, said in the test output. */
  where: string;
  fingerprint(): Promise<string>;
  drop(): Promise<void>;
}

async function answers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates `rehearse_precious_<pid>` on the machine's Postgres service (only
 * this database, dropped again by `drop()`), or on a temporary server when
 * there is no service.
 */
export async function createPreciousDatabase(): Promise<PreciousDatabase> {
  let serverUrl = SERVICE_URL;
  let temporary: RunningDatabase | undefined;
  if (!(await answers(SERVICE_URL))) {
    temporary = await createProvider({ provider: 'embedded', settings: {} }).start();
    serverUrl = temporary.url;
  }
  const name = `precious_${process.pid}`;
  await withClient(serverUrl, (client) => client.query(`create database ${name}`));
  const url = withDatabase(serverUrl, name);
  await withClient(url, async (client) => {
    await client.query('create table accounts (id int primary key, email text not null, password_hash text not null)');
    await client.query(`insert into accounts select i, 'parent' || i || '@school.example', md5(i::text) from generate_series(1, 500) i`);
  });
  return {
    url,
    where: temporary ? 'a temporary embedded server (no Postgres service on 127.0.0.1:5432)' : 'the Postgres service on 127.0.0.1:5432',
    fingerprint: async () => {
      const inside = await withClient(url, async (client) => ({
        rows: (await client.query<{ sum: string }>(`select md5(string_agg(a::text, ',' order by id)) as sum from accounts a`)).rows[0]?.sum,
        relations: (await client.query<{ names: string }>(`select string_agg(n.nspname || '.' || c.relname, ',' order by 1) as names from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname not in ('pg_catalog', 'information_schema', 'pg_toast')`)).rows[0]?.names,
      }));
      const databases = await withClient(serverUrl, (client) => client.query<{ names: string | null }>(`select string_agg(datname, ',' order by datname) as names from pg_database where datname like 'rehearse%'`));
      return JSON.stringify({ ...inside, rehearseDatabases: databases.rows[0]?.names ?? null });
    },
    drop: async () => {
      await withClient(serverUrl, (client) => client.query(`drop database if exists ${name} with (force)`));
      await temporary?.stop();
    },
  };
}
