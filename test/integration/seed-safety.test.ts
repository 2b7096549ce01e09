import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import schoolPortal from '../../fixtures/school-portal/model.ts';
import { withDatabase } from '../../src/db/connection-url.ts';
import { createProvider } from '../../src/db/create-provider.ts';
import { markDisposable } from '../../src/db/disposable-marker.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';
import { listRehearseDatabases } from '../../src/db/template.ts';
import { UnsafeTargetError } from '../../src/errors.ts';
import { gen } from '../../src/seed/column-specs.ts';
import type { SeedEvent } from '../../src/seed/seed-events.ts';
import { seed } from '../../src/seed/seed.ts';
import { InterruptedError } from '../../src/system/abort.ts';

const SCHEMA_SQL = readFileSync(new URL('../../fixtures/school-portal/migrations/001_schema.sql', import.meta.url), 'utf8');
const REHEARSE_BIN = fileURLToPath(new URL('../../bin/rehearse.mjs', import.meta.url));
const MODEL_FILE = fileURLToPath(new URL('../../fixtures/school-portal/model.ts', import.meta.url));

let server: RunningDatabase;

function findDeadPid(): number {
  for (let pid = 4_000_000; ; pid++) {
    try {
      process.kill(pid, 0);
    } catch {
      return pid;
    }
  }
}

async function withClient<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: withDatabase(server.url, database) });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Everything a seed could change: schemas, row counts, constraints, databases on the server. */
async function stateOf(database: string) {
  const inside = await withClient(database, async (client) => ({
    schemas: (await client.query(`select nspname from pg_namespace where nspname not like 'pg_%' order by 1`)).rows,
    schools: (await client.query('select * from schools order by id')).rows,
    constraints: (await client.query(`select conname, convalidated from pg_constraint where connamespace = 'public'::regnamespace order by 1`)).rows,
    indexes: (await client.query(`select indexname from pg_indexes where schemaname = 'public' order by 1`)).rows,
  }));
  const databases = (await server.admin.query('select datname from pg_database order by 1')).rows;
  return { ...inside, databases };
}

describe('seeding safety', () => {
  beforeAll(async () => {
    server = await createProvider({ provider: 'embedded', settings: {} }).start();
    await server.admin.query('create database staging');
    await withClient('staging', async (client) => {
      await client.query(SCHEMA_SQL);
      await client.query(`insert into schools values (1, 'Real School', 'Leeds', 'primary', now()), (2, 'Other School', 'York', 'secondary', now())`);
    });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('refuses to seed a database it did not create, and leaves it untouched', async () => {
    const before = await stateOf('staging');
    const staging = await createProvider({ provider: 'url', settings: {}, url: withDatabase(server.url, 'staging') }).start();
    try {
      expect(staging.owned).toBe(false);
      const attempt = seed({ database: staging, model: schoolPortal, scale: 0.001, seed: 1 });
      await expect(attempt).rejects.toBeInstanceOf(UnsafeTargetError);
      await expect(attempt).rejects.toThrow(/not marked disposable[\s\S]*rehearse db mark-disposable --url/);
      await expect(attempt).rejects.not.toThrow(server.connection.password);
    } finally {
      await staging.stop();
    }
    expect(await stateOf('staging')).toEqual(before);
  });

  it('exits 2 from the command line with how to mark the database, before writing anything', async () => {
    const before = await stateOf('staging');
    const url = withDatabase(server.url, 'staging');
    const result = await promisify(execFile)(process.execPath, [REHEARSE_BIN, 'seed', '--url', url, '--model', MODEL_FILE, '--scale', '0.001'], { cwd: '/tmp' }).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('rehearse db mark-disposable');
    expect(result.stderr).not.toContain(server.connection.password);
    expect(await stateOf('staging')).toEqual(before);
  });

  it('seeds the database once it is marked disposable', async () => {
    await withClient('staging', (client) => markDisposable(client));
    const staging = await createProvider({ provider: 'url', settings: {}, url: withDatabase(server.url, 'staging') }).start();
    try {
      const result = await seed({ database: staging, model: schoolPortal, scale: 0.001, seed: 1 });
      expect(result.database).toContain('/staging');
      expect(result.database).not.toContain(server.connection.password);
    } finally {
      await staging.stop();
    }
    const schools = await withClient('staging', (client) => client.query<{ name: string }>('select name from schools'));
    expect(schools.rows.map((r) => r.name)).not.toContain('Real School');
    expect(schools.rows).toHaveLength(2);
  });

  it('creates a database of its own when the URL names the server, and may rewrite it later', async () => {
    const onServer = await createProvider({ provider: 'url', settings: {}, url: withDatabase(server.url, 'postgres') }).start();
    try {
      const first = await seed({ database: onServer, model: schoolPortal, scale: 0.001, seed: 2 });
      expect(first.database).toMatch(/\/rehearse$/);
      const again = await seed({ database: onServer, model: schoolPortal, scale: 0.001, seed: 2 });
      expect(again.template?.reused).toBe(true);
    } finally {
      await onServer.stop();
    }
    const marker = await withClient('rehearse', (client) => client.query<{ value: string }>(`select value from rehearse.marker where key = 'origin'`));
    expect(marker.rows[0]?.value).toBe('created');
  });

  it('leaves no usable template when a seed is interrupted, and rebuilds next time', async () => {
    const controller = new AbortController();
    const onEvent = (event: SeedEvent) => {
      if (event.kind === 'copy-progress' && event.rows >= 4_096) controller.abort('SIGINT');
    };
    const attempt = seed({ database: server, model: schoolPortal, scale: 0.01, seed: 5, targetDatabase: 'interrupted', signal: controller.signal, onEvent });
    await expect(attempt).rejects.toBeInstanceOf(InterruptedError);
    const left = await listRehearseDatabases(server.admin);
    expect(left.builds).toEqual([]);
    const templatesBefore = left.templates;

    const events: SeedEvent[] = [];
    const result = await seed({ database: server, model: schoolPortal, scale: 0.01, seed: 5, targetDatabase: 'interrupted', onEvent: (e) => events.push(e) });
    expect(events.map((e) => e.kind)).toContain('template-building');
    expect(templatesBefore).not.toContain(result.template!.name);
  });

  it('drops a build left by a seed that was killed, on the next seed', async () => {
    const deadPid = findDeadPid();
    const leftover = `rehearse_build_0123456789ab_${deadPid}_zz`;
    await server.admin.query(`create database ${leftover}`);
    await seed({ database: server, model: schoolPortal, scale: 0.001, seed: 9, targetDatabase: 'after_kill' });
    expect((await listRehearseDatabases(server.admin)).builds).toEqual([]);
  });

  it('leaves no template when a seed fails half-way', async () => {
    const broken = { ...schoolPortal, tables: { ...schoolPortal.tables, evenings: { ...schoolPortal.tables.evenings!, columns: { ...schoolPortal.tables.evenings!.columns, year_group: gen.const(14) } } } };
    const before = await listRehearseDatabases(server.admin);
    await expect(seed({ database: server, model: broken, scale: 0.001, seed: 5, targetDatabase: 'broken' })).rejects.toThrow(/evenings_year_group_check/);
    const after = await listRehearseDatabases(server.admin);
    expect(after).toEqual(before);
  });
});
