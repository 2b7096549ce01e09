import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import schoolPortal from '../../fixtures/school-portal/model.ts';
import { withDatabase } from '../../src/db/connection-url.ts';
import { createProvider } from '../../src/db/create-provider.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';
import type { SeedEvent, SeedResult } from '../../src/seed/seed-events.ts';
import { seed } from '../../src/seed/seed.ts';

const SCHEMA_SQL = readFileSync(new URL('../../fixtures/school-portal/migrations/001_schema.sql', import.meta.url), 'utf8');
const SCALE = 0.01;

let server: RunningDatabase;

async function query<T extends pg.QueryResultRow>(database: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: withDatabase(server.url, database) });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** A database migrated like the app does at start, not yet seeded. */
async function migratedDatabase(name: string): Promise<void> {
  await server.admin.query(`create database ${name}`);
  await query(name, SCHEMA_SQL);
}

const CONSTRAINTS_SQL = `
  select conrelid::regclass::text as table_name, conname, contype, convalidated
  from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2`;
const INDEXES_SQL = `
  select i.indexrelid::regclass::text as name, i.indisvalid as valid
  from pg_index i join pg_class c on c.oid = i.indrelid
  where c.relnamespace = 'public'::regnamespace order by 1`;

describe('seeding the school-portal model', () => {
  let result: SeedResult;
  let constraintsBefore: { table_name: string; conname: string; contype: string }[];
  let indexesBefore: { name: string }[];

  beforeAll(async () => {
    server = await createProvider({ provider: 'embedded', settings: {} }).start();
    await migratedDatabase('portal');
    constraintsBefore = await query('portal', CONSTRAINTS_SQL);
    indexesBefore = await query('portal', INDEXES_SQL);
    result = await seed({ database: server, model: schoolPortal, scale: SCALE, seed: 42, targetDatabase: 'portal', workers: false });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("loads every table with the model's row counts and empties sessions", async () => {
    const counts = new Map<string, number>();
    for (const table of result.tables) {
      const [row] = await query<{ n: string }>('portal', `select count(*) as n from ${table.name}`);
      counts.set(table.name, Number(row!.n));
    }
    expect(Object.fromEntries(counts)).toEqual(Object.fromEntries(result.tables.map((t) => [t.name, t.rows])));
    expect(counts.get('schools')).toBe(20);
    expect(counts.get('teachers')).toBe(1_200);
    expect(counts.get('students')).toBe(10_000);
    expect(counts.get('parents')).toBe(15_000);
    expect(counts.get('appointments')).toBe(30_000);
    expect(counts.get('post_recipients')).toBe(30_000);
    expect(counts.get('guardianships')! / counts.get('students')!).toBeGreaterThan(1.6);
    const [sessions] = await query<{ n: string }>('portal', 'select count(*) as n from sessions');
    expect(Number(sessions!.n)).toBe(0);
    expect(result.totalRows).toBe([...counts.values()].reduce((a, b) => a + b, 0));
  });

  it('rebuilds every constraint and index the migration made, all valid', async () => {
    const after = await query<{ table_name: string; conname: string; contype: string; convalidated: boolean }>('portal', CONSTRAINTS_SQL);
    expect(after.map(({ convalidated: _, ...rest }) => rest)).toEqual(constraintsBefore.map(({ ...rest }) => ({ table_name: rest.table_name, conname: rest.conname, contype: rest.contype })));
    expect(after.every((c) => c.convalidated)).toBe(true);
    expect(after.filter((c) => c.contype === 'f')).toHaveLength(14);
    const indexes = await query<{ name: string; valid: boolean }>('portal', INDEXES_SQL);
    expect(indexes.map((i) => i.name)).toEqual(indexesBefore.map((i) => i.name));
    expect(indexes.every((i) => i.valid)).toBe(true);
  });

  it('repeats no email and no link pair', async () => {
    for (const table of ['teachers', 'staff', 'parents']) {
      const [row] = await query<{ dupes: string }>('portal', `select count(*) - count(distinct lower(email)) as dupes from ${table}`);
      expect(Number(row!.dupes), table).toBe(0);
    }
    const [pairs] = await query<{ dupes: string }>('portal', `
      select (select count(*) from guardianships) - (select count(*) from (select distinct parent_id, student_id from guardianships) g)
           + (select count(*) from post_recipients) - (select count(*) from (select distinct post_id, parent_id from post_recipients) p) as dupes`);
    expect(Number(pairs!.dupes)).toBe(0);
  });

  it('is skewed like production: big schools and a hot teacher', async () => {
    const [schools] = await query<{ largest: string; median: string }>('portal', `
      select max(n) as largest, percentile_disc(0.5) within group (order by n) as median
      from (select count(*) as n from students group by school_id) s`);
    expect(Number(schools!.largest)).toBeGreaterThanOrEqual(2.5 * Number(schools!.median));
    const [teachers] = await query<{ busiest: string; median: string }>('portal', `
      select max(n) as busiest, percentile_disc(0.5) within group (order by n) as median
      from (select count(*) as n from appointments group by teacher_id) t`);
    expect(Number(teachers!.busiest)).toBeGreaterThanOrEqual(5 * Number(teachers!.median));
  });

  it('keeps times inside their windows and every booking inside its school and family', async () => {
    const [evenings] = await query<{ outside: string }>('portal', `
      select count(*) as outside from evenings
      where extract(hour from starts_at at time zone 'UTC') not between 16 and 18 or ends_at <= starts_at`);
    expect(Number(evenings!.outside)).toBe(0);
    const appointments = await query<{ outside: string; other_school: string; not_guardian: string }>('portal', `
      select count(*) filter (where a.starts_at < e.starts_at or a.starts_at + make_interval(mins => a.duration_minutes) > e.ends_at) as outside,
             count(*) filter (where t.school_id <> e.school_id or s.school_id <> e.school_id) as other_school,
             count(*) filter (where not exists (select 1 from guardianships g where g.parent_id = a.parent_id and g.student_id = a.student_id)) as not_guardian
      from appointments a join evenings e on e.id = a.evening_id
      join teachers t on t.id = a.teacher_id join students s on s.id = a.student_id`);
    expect(appointments).toEqual([{ outside: '0', other_school: '0', not_guardian: '0' }]);
    const [reads] = await query<{ early: string; read: string }>('portal', `
      select count(*) filter (where r.read_at < p.published_at) as early, count(r.read_at) as read
      from post_recipients r join posts p on p.id = r.post_id`);
    expect(Number(reads!.early)).toBe(0);
    expect(Number(reads!.read)).toBeGreaterThan(0);
  });

  it('gives identical data for the same seed (rendered in worker threads or not) and different data for another seed', async () => {
    const events: SeedEvent[] = [];
    await migratedDatabase('portal_again');
    const again = await seed({ database: server, model: schoolPortal, scale: SCALE, seed: 42, targetDatabase: 'portal_again', template: false, workers: true, onEvent: (e) => events.push(e) });
    expect(again.checksum).toBe(result.checksum);
    expect(events.some((e) => e.kind === 'copy-done')).toBe(true);
    const contentHash = `select md5(string_agg(a::text, ',' order by id)) as hash from appointments a`;
    expect(await query('portal_again', contentHash)).toEqual(await query('portal', contentHash));

    await migratedDatabase('portal_other');
    const other = await seed({ database: server, model: schoolPortal, scale: SCALE, seed: 43, targetDatabase: 'portal_other', template: false, workers: false });
    expect(other.checksum).not.toBe(result.checksum);
    expect(await query('portal_other', contentHash)).not.toEqual(await query('portal', contentHash));
  });

  it('reuses the template for the same model, schema, scale and seed, and says so', async () => {
    await query('portal', 'delete from post_recipients');
    const events: SeedEvent[] = [];
    const reused = await seed({ database: server, model: schoolPortal, scale: SCALE, seed: 42, targetDatabase: 'portal', onEvent: (e) => events.push(e) });
    expect(reused.template).toEqual({ name: result.template!.name, reused: true });
    expect(events.map((e) => e.kind)).toContain('template-reused');
    expect(events.map((e) => e.kind)).not.toContain('copy-done');
    expect(reused.checksum).toBe(result.checksum);
    const [row] = await query<{ n: string }>('portal', 'select count(*) as n from post_recipients');
    expect(Number(row!.n)).toBe(30_000);
  });
});
