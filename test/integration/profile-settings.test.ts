import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../../src/db/connection-url.ts';
import { createProvider } from '../../src/db/create-provider.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';
import { captureProfile } from '../../src/profile/capture-profile.ts';
import { seedFromProfile, type ProfileSeedResult } from '../../src/profile/seed-from-profile.ts';

const SCHEMA = `
create table accounts (id bigint primary key, region int not null, created_at timestamptz not null);
create index accounts_region on accounts (region);
`;
const ROWS = `
select setseed(0.7);
insert into accounts select g, floor(power(random(), 2) * 2000)::int, timestamptz '2022-01-01' + g * interval '1 minute' from generate_series(1, 20000) g;
`;

/** Production's tuning, not rehearse's defaults: what a team's server would have. */
const PRODUCTION_SETTINGS = {
  random_page_cost: '1.1',
  seq_page_cost: '0.9',
  cpu_tuple_cost: '0.02',
  effective_cache_size: '12GB',
  work_mem: '48MB',
  jit: 'on',
  default_statistics_target: '400',
};

async function show(url: string, names: readonly string[]): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const shown: Record<string, string> = {};
    for (const name of names) shown[name] = (await client.query<Record<string, string>>(`show ${name}`)).rows[0]![name]!;
    return shown;
  } finally {
    await client.end();
  }
}

describe("a database seeded from a profile plans with production's settings", () => {
  let server: RunningDatabase;
  let result: ProfileSeedResult;

  beforeAll(async () => {
    server = await createProvider({ provider: 'embedded', settings: {} }).start();
    await server.admin.query('create database production');
    await server.admin.query('create database rehearsal');
    for (const [name, value] of Object.entries(PRODUCTION_SETTINGS)) await server.admin.query(`alter database production set ${name} = '${value}'`);
    for (const name of ['production', 'rehearsal']) {
      const client = new pg.Client({ connectionString: withDatabase(server.url, name) });
      await client.connect();
      await client.query(SCHEMA);
      if (name === 'production') await client.query(`${ROWS}; analyze`);
      await client.end();
    }
    const production = await captureProfile({ url: withDatabase(server.url, 'production') });
    result = await seedFromProfile({ database: server, profile: production, profileFile: 'production.json', scale: 0.25, seed: 42, targetDatabase: 'rehearsal', template: false });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it("shows production's values in a new session on the seeded database, where rehearse's defaults differ", async () => {
    const rehearsal = await show(withDatabase(server.url, 'rehearsal'), Object.keys(PRODUCTION_SETTINGS));
    expect(rehearsal).toEqual(PRODUCTION_SETTINGS);
    // The server itself keeps rehearse's own settings: only the seeded database takes production's.
    const untouched = await show(withDatabase(server.url, 'postgres'), ['random_page_cost', 'work_mem', 'jit']);
    expect(untouched).toEqual({ random_page_cost: '4', work_mem: '8MB', jit: 'off' });
  });

  it('records what was applied and from where, and what was not, with why', () => {
    expect(result.settings).toMatchObject({ source: 'production.json', database: 'rehearsal' });
    const applied = Object.fromEntries(result.settings.settings.filter((s) => !s.notApplied).map((s) => [s.name, s.value]));
    expect(applied).toMatchObject(PRODUCTION_SETTINGS);
    const buffers = result.settings.settings.find((s) => s.name === 'shared_buffers');
    expect(buffers?.notApplied).toMatch(/needs a restart/);
  });

  it("analyzes again with production's statistics target, so histograms are as detailed as there", async () => {
    expect(result.settings.reanalyzed).toBe(true);
    const client = new pg.Client({ connectionString: withDatabase(server.url, 'rehearsal') });
    await client.connect();
    const seeded = await client.query<{ bounds: number }>(`select array_length(histogram_bounds::text::text[], 1) as bounds from pg_stats where tablename = 'accounts' and attname = 'created_at'`);
    await client.end();
    // At the default target (100) a histogram has at most 101 bounds.
    expect(seeded.rows[0]!.bounds).toBeGreaterThan(101);
  });
});
