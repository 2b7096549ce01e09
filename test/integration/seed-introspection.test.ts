import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../../src/db/connection-url.ts';
import { createProvider } from '../../src/db/create-provider.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';
import { introspectedModel } from '../../src/seed/load-model.ts';
import type { SeedEvent } from '../../src/seed/seed-events.ts';
import { seed } from '../../src/seed/seed.ts';

/** A schema nobody wrote a generator for, with the shapes that trip seeders up. */
const SCHEMA = `
create type mood as enum ('happy', 'sad', 'meh');

create table organisations (
  id                 uuid primary key,
  name               text not null,
  settings           jsonb not null,
  billing_contact_id bigint
);

create table people (
  id               bigserial primary key,
  organisation_id  uuid not null references organisations (id),
  manager_id       bigint references people (id),
  first_name       text not null,
  last_name        text not null,
  email            varchar(120) not null unique,
  mood             mood not null,
  age              int not null check (age between 18 and 70),
  salary           numeric(10, 2),
  tags             text[],
  created_at       timestamptz not null default now(),
  updated_at       timestamptz,
  check (updated_at >= created_at)
);

-- a cycle: organisations -> people -> organisations, through a nullable key
alter table organisations add constraint organisations_billing_contact_fk foreign key (billing_contact_id) references people (id);

create table memberships (
  person_id        bigint not null references people (id),
  organisation_id  uuid not null references organisations (id),
  role             text not null check (role in ('owner', 'member', 'guest')),
  joined_on        date not null,
  primary key (person_id, organisation_id)
);

create table projects (
  organisation_id  uuid not null references organisations (id),
  number           int not null,
  title            varchar(40) not null,
  budget           numeric(8, 2) not null check (budget > 0),
  primary key (organisation_id, number)
);

-- an identity column, a text key, and a two-column foreign key to projects
create table tasks (
  id               int generated always as identity primary key,
  code             varchar(12) not null unique,
  organisation_id  uuid not null,
  project_number   int not null,
  estimate         interval,
  done             boolean not null default false,
  foreign key (organisation_id, project_number) references projects (organisation_id, number)
);

create index people_organisation_id_idx on people (organisation_id);
`;

interface ConstraintRow {
  table_name: string;
  conname: string;
  contype: string;
  convalidated: boolean;
  columns: string;
  check_expr: string | null;
  ref_columns: string | null;
  ref_table: string | null;
}

const CONSTRAINTS_SQL = `
  select k.conrelid::regclass::text as table_name, k.conname, k.contype, k.convalidated,
         (select string_agg(quote_ident(a.attname), ', ' order by x.ord) from unnest(k.conkey) with ordinality x(n, ord)
            join pg_attribute a on a.attrelid = k.conrelid and a.attnum = x.n) as columns,
         pg_get_expr(k.conbin, k.conrelid) as check_expr,
         (select string_agg(quote_ident(a.attname), ', ' order by x.ord) from unnest(k.confkey) with ordinality x(n, ord)
            join pg_attribute a on a.attrelid = k.confrelid and a.attnum = x.n) as ref_columns,
         case when k.contype = 'f' then k.confrelid::regclass::text end as ref_table
  from pg_constraint k where k.connamespace = 'public'::regnamespace order by 1, 2`;

describe('seeding a schema by introspection alone', () => {
  let server: RunningDatabase;
  let client: pg.Client;
  let constraintsBefore: ConstraintRow[];
  const events: SeedEvent[] = [];

  beforeAll(async () => {
    server = await createProvider({ provider: 'embedded', settings: {} }).start();
    await server.admin.query('create database crm');
    client = new pg.Client({ connectionString: withDatabase(server.url, 'crm') });
    await client.connect();
    await client.query(SCHEMA);
    constraintsBefore = (await client.query<ConstraintRow>(CONSTRAINTS_SQL)).rows;
    await client.end();
    await seed({ database: server, model: introspectedModel(400), scale: 1, seed: 7, targetDatabase: 'crm', onEvent: (e) => events.push(e) });
    client = new pg.Client({ connectionString: withDatabase(server.url, 'crm') });
    await client.connect();
  });

  afterAll(async () => {
    await client?.end().catch(() => undefined);
    await server?.stop();
  });

  it('fills every table with no hand-written generator and no warning', async () => {
    const plan = events.find((e) => e.kind === 'plan');
    expect(plan?.kind === 'plan' && plan.warnings).toEqual([]);
    for (const table of ['organisations', 'people', 'memberships', 'projects', 'tasks']) {
      const { rows } = await client.query<{ n: string }>(`select count(*) as n from ${table}`);
      expect(Number(rows[0]!.n), table).toBe(400);
    }
  });

  it('recreates every constraint, each validated', async () => {
    const after = (await client.query<ConstraintRow>(CONSTRAINTS_SQL)).rows;
    expect(after.map((c) => [c.table_name, c.conname, c.contype])).toEqual(constraintsBefore.map((c) => [c.table_name, c.conname, c.contype]));
    expect(after.every((c) => c.convalidated)).toBe(true);
  });

  it('has every row satisfy every constraint, checked row by row', async () => {
    const constraints = (await client.query<ConstraintRow>(CONSTRAINTS_SQL)).rows;
    for (const c of constraints) {
      let sql: string;
      if (c.contype === 'n') sql = `select count(*) as n from ${c.table_name} where ${c.columns} is null`;
      else if (c.contype === 'c') sql = `select count(*) as n from ${c.table_name} where not (${c.check_expr})`;
      else if (c.contype === 'p' || c.contype === 'u') sql = `select count(*) as n from (select ${c.columns} from ${c.table_name} where (${c.columns}) is not null group by ${c.columns} having count(*) > 1) d`;
      else {
        const columns = c.columns.split(', ');
        const refColumns = c.ref_columns!.split(', ');
        const present = columns.map((col) => `c.${col} is not null`).join(' and ');
        const join = columns.map((col, i) => `p.${refColumns[i]} = c.${col}`).join(' and ');
        sql = `select count(*) as n from ${c.table_name} c where ${present} and not exists (select 1 from ${c.ref_table} p where ${join})`;
      }
      const { rows } = await client.query<{ n: string }>(sql);
      expect(Number(rows[0]!.n), `${c.table_name}.${c.conname}`).toBe(0);
    }
  });

  it('generates what the types ask for: uuids, json, enum labels, arrays, NULLs where allowed', async () => {
    const { rows } = await client.query<Record<string, string>>(`
      select (select count(distinct id) from organisations) as uuids,
             (select count(*) from organisations where jsonb_typeof(settings) = 'object') as json_objects,
             (select count(distinct mood) from people) as moods,
             (select count(*) from people where manager_id is not null) as managed,
             (select count(*) from people where manager_id is null) as unmanaged,
             (select count(*) from organisations where billing_contact_id is not null) as billed,
             (select count(*) from people where array_length(tags, 1) > 0) as tagged,
             (select count(distinct email) from people) as emails,
             (select max(number) from projects) as max_project_number`);
    const r = rows[0]!;
    expect(Number(r.uuids)).toBe(400);
    expect(Number(r.json_objects)).toBe(400);
    expect(Number(r.moods)).toBe(3);
    expect(Number(r.managed)).toBeGreaterThan(0);
    expect(Number(r.unmanaged)).toBeGreaterThan(0);
    expect(Number(r.billed)).toBeGreaterThan(0);
    expect(Number(r.tagged)).toBeGreaterThan(0);
    expect(Number(r.emails)).toBe(400);
  });

  it('moves sequences past the seeded keys, so the app can insert', async () => {
    const { rows } = await client.query<{ id: string }>(
      `insert into people (organisation_id, first_name, last_name, email, mood, age) select id, 'A', 'B', 'new@example.com', 'happy', 30 from organisations limit 1 returning id`,
    );
    expect(Number(rows[0]!.id)).toBe(401);
    const task = await client.query<{ id: number }>(`insert into tasks (code, organisation_id, project_number) select 'new-task', organisation_id, number from projects limit 1 returning id`);
    expect(task.rows[0]!.id).toBe(401);
  });
});
