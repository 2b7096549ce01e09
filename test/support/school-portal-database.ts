import pg from 'pg';
import { createProvider } from '../../src/db/create-provider.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';
import { withDatabase } from '../../src/db/connection-url.ts';
import { migrate } from '../../fixtures/school-portal/app/migrate.ts';
import { insertSchoolPortalTestData } from './school-portal-data.ts';

const TEMPLATE = 'portal_template';

export interface PortalDatabase {
  readonly name: string;
  readonly url: string;
}

/** An embedded Postgres holding the seeded test dataset as a template to copy from. */
export interface PortalDatabaseServer {
  readonly server: RunningDatabase;
  /** A fresh copy of the seeded template (baseline schema), for one app process. */
  copy(name: string): Promise<PortalDatabase>;
  stop(): Promise<void>;
}

export async function startPortalDatabaseServer(): Promise<PortalDatabaseServer> {
  const server = await createProvider({ provider: 'embedded', settings: {} }).start();
  try {
    await server.admin.query(`create database ${TEMPLATE}`);
    await seedTemplate(withDatabase(server.url, TEMPLATE));
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    server,
    async copy(name) {
      await server.admin.query(`create database "${name}" template ${TEMPLATE}`);
      return { name, url: withDatabase(server.url, name) };
    },
    stop: () => server.stop(),
  };
}

async function seedTemplate(url: string): Promise<void> {
  await migrate(url, 'baseline');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await insertSchoolPortalTestData(client);
  } finally {
    await client.end();
  }
}

/** Runs `work` with a client on one database of the server, closing it afterwards. */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
