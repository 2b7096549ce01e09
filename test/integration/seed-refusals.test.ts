import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../../src/db/connection-url.ts';
import { createProvider } from '../../src/db/create-provider.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';
import { listRehearseDatabases } from '../../src/db/template.ts';
import { UsageError } from '../../src/errors.ts';
import { gen } from '../../src/seed/column-specs.ts';
import type { DataModel } from '../../src/seed/model.ts';
import { seed } from '../../src/seed/seed.ts';
import { SeedDataError, SeedRefusedError } from '../../src/seed/seed-errors.ts';

/**
 * What the seeder cannot satisfy is refused before a row is written, with
 * the table, the column, the constraint and what to add to the model; what
 * Postgres rejects during a load is reported with its own words.
 */
let server: RunningDatabase;
let counter = 0;

async function schemaDatabase(sql: string): Promise<string> {
  const name = `refusal_${++counter}`;
  await server.admin.query(`create database ${name}`);
  const client = new pg.Client({ connectionString: withDatabase(server.url, name) });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
  return name;
}

async function refusal(sql: string, model: DataModel): Promise<Error> {
  const database = await schemaDatabase(sql);
  const error = await seed({ database: server, model, scale: 1, seed: 1, targetDatabase: database }).then(
    () => new Error('seeded'),
    (e: Error) => e,
  );
  return error;
}

beforeAll(async () => {
  server = await createProvider({ provider: 'embedded', settings: {} }).start();
});

afterAll(async () => {
  await server?.stop();
});

describe('refused before anything is written', () => {
  it('names every problem at once: a unique boolean, an exclusion constraint, a check it cannot read, a pattern it cannot generate', async () => {
    const error = await refusal(
      `create extension btree_gist;
       create table flags (id serial primary key, flag boolean not null unique);
       create table rooms (id serial primary key, name text not null);
       create table bookings (
         id serial primary key, room_id int not null references rooms (id), starts_at timestamptz not null, ends_at timestamptz not null,
         exclude using gist (room_id with =, tstzrange(starts_at, ends_at) with &&));
       create table numbers (id serial primary key, n int not null check (n % 2 = 0), code text not null check (code ~ '^(?=A)[A-Z]+$'));`,
      { name: 'refusals', tables: { flags: { rows: 1_000 }, rooms: { rows: 10 }, bookings: { rows: 100 }, numbers: { rows: 10 } } },
    );
    expect(error).toBeInstanceOf(SeedRefusedError);
    expect((error as SeedRefusedError).exitCode).toBe(2);
    const message = error.message;
    expect(message).toContain('(4 problems); nothing was written');
    expect(message).toMatch(/flags\.flag \(flags_flag_key\): the column is UNIQUE but a boolean has 2 values, for 1000 rows; give flags at most 2 rows/);
    expect(message).toMatch(/bookings \(bookings_room_id_tstzrange_excl: EXCLUDE USING gist .*\): exclusion constraints are not generated for .*; add generators for room_id, starts_at, ends_at in the model/);
    expect(message).toMatch(/numbers\.n \(numbers_n_check: CHECK \(\(\(n % 2\) = 0\)\)\): it uses the operator %, which rehearse does not generate values for; add generators for n in the model/);
    expect(message).toMatch(/numbers\.code \(numbers_code_check\): values matching \^\(\?=A\)\[A-Z\]\+\$ cannot be generated \(lookaround or a group option\); add a generator for code/);
    expect(await listRehearseDatabases(server.admin)).toEqual({ templates: [], builds: [] });
  });

  it('refuses a constant or a short list on a UNIQUE column in the model, and a foreign key into a table that gets no rows', async () => {
    const error = await refusal(
      `create table users (id serial primary key, handle text not null unique, plan text not null unique);
       create table posts (id serial primary key, author_id int not null references users (id));
       create table tags (id serial primary key, label text not null);`,
      {
        name: 'overrides',
        tables: {
          users: { rows: 50, columns: { handle: gen.const('same'), plan: gen.choice(['free', 'pro']) } },
          posts: { rows: 10 },
          tags: { rows: 0 },
        },
      },
    );
    expect(error).toBeInstanceOf(SeedRefusedError);
    expect(error.message).toMatch(/users\.handle \(users_handle_key\): the column is UNIQUE but its generator is a constant \(one value\), for 50 rows; use a generator whose values differ by construction/);
    expect(error.message).toMatch(/users\.plan \(users_plan_key\): the column is UNIQUE but its values come from a list of 2/);
    const missing = await refusal(`create table users (id serial primary key); create table posts (id serial primary key, author_id int not null references users (id));`, {
      name: 'missing',
      tables: { users: { rows: 0 }, posts: { rows: 10 } },
    });
    expect(missing.message).toMatch(/posts\.author_id \(posts_author_id_fkey\): references users, which gets no rows; give users rows in the model/);
  });

  it('leaves a nullable column of a type it does not generate NULL, and refuses a NOT NULL one', async () => {
    const sql = 'create table places (id serial primary key, name text not null, spot point, area box not null);';
    const refused = await refusal(sql, { name: 'places', tables: { places: { rows: 5 } } });
    expect(refused.message).toMatch(/\(1 problem\)[^]*places\.area: rehearse cannot generate values of type box; add a generator for it in the model/);
    const database = await schemaDatabase(sql);
    const result = await seed({ database: server, model: { name: 'places', tables: { places: { rows: 5, columns: { area: gen.const('((0,0),(1,1))') } } } }, scale: 1, seed: 1, targetDatabase: database, template: false });
    expect(result.warnings).toEqual(['places.spot: values of type point are not generated; the column is left NULL (a generator in the model fills it)']);
  });

  it('refuses a partitioned table without partitions instead of hanging on it', async () => {
    const error = await refusal(`create table events (id bigint generated always as identity, at timestamptz not null, primary key (id, at)) partition by range (at);`, {
      name: 'partitions',
      tables: { events: { rows: 10 } },
    });
    expect(error.message).toMatch(/events: the table is partitioned but has no partitions, so no row can be stored; create its partitions/);
  });

  it('says what a database already holds when it is another model’s, and how to seed a database of its own', async () => {
    const database = await schemaDatabase('create table appointments (id serial primary key); create table sessions (token text primary key);');
    const error = await seed({ database: server, model: { name: 'saas', tables: { accounts: { rows: 10 }, sessions: { rows: 0 } } }, scale: 1, seed: 1, targetDatabase: database }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toBe(
      `database ${database} holds appointments, sessions, not accounts of model "saas". Seed a database of its own (--database saas), run your app's migrations against this one first, or list them in the model's \`migrations\` so rehearse creates the tables`,
    );
  });
});

describe('faults during a load', () => {
  it("reports Postgres' own message with the table and column when a generator in the model breaks the schema", async () => {
    const database = await schemaDatabase('create table readings (id serial primary key, value int not null, label text not null check (length(label) > 3));');
    const error = await seed({
      database: server,
      model: { name: 'bad', tables: { readings: { rows: 20, columns: { value: gen.custom((row) => (row === 7 ? 'seven' : row)) } } } },
      scale: 1,
      seed: 1,
      targetDatabase: database,
      template: false,
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(SeedDataError);
    expect((error as Error).message).toMatch(/^loading readings: Postgres rejected it: invalid input syntax for type integer: "seven" \(.*COPY readings, line 8, column value: "seven"\)/);
    expect((error as Error).message).toContain('add a generator');
  });
});
