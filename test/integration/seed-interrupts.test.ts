import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../../src/db/connection-url.ts';
import { createProvider } from '../../src/db/create-provider.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';
import { copyTable } from '../../src/seed/copy-table.ts';
import { introspectSchema } from '../../src/seed/introspect.ts';
import { planSeed } from '../../src/seed/plan.ts';
import { RowGenerator } from '../../src/seed/row-generator.ts';
import { seedDatabase } from '../../src/seed/seed-database.ts';
import type { SeedEvent } from '../../src/seed/seed-events.ts';
import { InterruptedError } from '../../src/system/abort.ts';

/** Ctrl-C stops a load wherever it is (a COPY, a statement waiting on a lock), and a failing COPY never hangs. */
let server: RunningDatabase;

async function database(name: string, sql: string): Promise<string> {
  await server.admin.query(`create database ${name}`);
  const url = withDatabase(server.url, name);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(sql).finally(() => client.end());
  return url;
}

async function seedBackends(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>("select count(*) as n from pg_stat_activity where application_name like 'rehearse-seed-%'");
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  server = await createProvider({ provider: 'embedded', settings: {} }).start();
});

afterAll(async () => {
  await server?.stop();
});

describe('interrupting a seed', () => {
  it('stops in the middle of a COPY, rolls the table back and leaves no session behind', async () => {
    const url = await database('big', 'create table events (id bigint primary key, kind text not null, at timestamptz not null)');
    const controller = new AbortController();
    const events: SeedEvent[] = [];
    const onEvent = (event: SeedEvent) => {
      events.push(event);
      if (event.kind === 'copy-progress') controller.abort('SIGINT');
    };
    const error = await seedDatabase({ url, model: { name: 'big', tables: { events: { rows: 3_000_000 } } }, scale: 1, seed: 1, workers: false, signal: controller.signal, onEvent }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InterruptedError);
    expect(events.some((e) => e.kind === 'copy-done')).toBe(false);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ n: string }>('select count(*) as n from events');
    await client.end();
    expect(Number(rows[0]!.n)).toBe(0);
    expect(await seedBackends(url)).toBe(0);
  });

  it('stops a statement waiting on a lock another session holds', async () => {
    const url = await database('locked', 'create table notes (id bigint primary key, body text not null)');
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    await holder.query('begin');
    await holder.query('lock table notes in access exclusive mode');
    const controller = new AbortController();
    const seeding = seedDatabase({ url, model: { name: 'locked', tables: { notes: { rows: 10 } } }, scale: 1, seed: 1, workers: false, signal: controller.signal });
    const waiting = async () => {
      for (;;) {
        const { rows } = await server.admin.query<{ n: string }>("select count(*) as n from pg_stat_activity where wait_event_type = 'Lock' and application_name like 'rehearse-seed-%'");
        if (Number(rows[0]!.n) > 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waiting();
    controller.abort('SIGINT');
    await expect(seeding).rejects.toBeInstanceOf(InterruptedError);
    await holder.query('rollback');
    await holder.end();
    expect(await seedBackends(url)).toBe(0);
  });
});

describe('a COPY Postgres refuses at once', () => {
  it('is reported with its own message instead of hanging', async () => {
    const url = await database('broken', 'create table things (id bigint primary key, label text not null)');
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const snapshot = await introspectSchema(client);
    const plan = await planSeed(snapshot, { name: 'broken', tables: { things: { rows: 100 } } }, { scale: 1, seed: 1 });
    // The table changes between planning and loading: COPY names a column that is gone.
    await client.query('alter table things drop column label');
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    const lane = await pool.connect();
    const generator = new RowGenerator(plan, 1);
    const error = await copyTable(lane, generator.table('things'), { info: plan.tables[0]!.info }).catch((e: Error) => e);
    lane.release(true);
    await pool.end();
    await client.end();
    expect((error as Error).message).toBe('column "label" of relation "things" does not exist');
  });
});
