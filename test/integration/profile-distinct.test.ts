import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../../src/db/connection-url.ts';
import { createProvider } from '../../src/db/create-provider.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';
import { captureProfile } from '../../src/profile/capture-profile.ts';
import { compareFidelity, type ColumnFidelity } from '../../src/profile/fidelity.ts';
import { modelFromProfile } from '../../src/profile/profile-model.ts';
import type { Profile } from '../../src/profile/profile-schema.ts';
import type { DataModel } from '../../src/seed/model.ts';
import { seed } from '../../src/seed/seed.ts';

const SCHEMA = `
create table visits (
  id       bigint primary key,
  page_id  int not null,
  visitor  int not null,
  agent    text not null
);
create table tags (id bigint primary key);
create table visit_tags (
  visit_id bigint not null references visits (id),
  tag_id   bigint not null references tags (id),
  primary key (visit_id, tag_id)
);
`;

/**
 * "Production": a few pages take most visits and a long thin tail of pages
 * is visited once or twice (page_id), and visitors' rows lie together as a
 * log appended per visitor would (visitor). Neither is ANALYZE's easy case,
 * so its estimate of the distinct count is well below the true count.
 */
const PRODUCTION_ROWS = `
select setseed(0.18);
insert into visits
select g, 1 + floor(200000 * power(random(), 6))::int, g / 6, repeat(md5(g::text), 6)
  from generate_series(1, 300000) g;
insert into tags select generate_series(1, 50000);
insert into visit_tags select v, 1 + floor(random() * 50000)::int from generate_series(1, 100000) v;
`;

describe('distinct counts seeded from a profile, as ANALYZE estimates them', () => {
  let server: RunningDatabase;
  let production: Profile;

  beforeAll(async () => {
    server = await createProvider({ provider: 'embedded', settings: {} }).start();
    for (const name of ['production', 'fitted', 'as_estimated']) {
      await server.admin.query(`create database ${name}`);
      // A sample of 3,000 rows from some 8,000 pages: the proportions of a large table's ANALYZE, at a test's size.
      await server.admin.query(`alter database ${name} set default_statistics_target = 10`);
      const client = new pg.Client({ connectionString: withDatabase(server.url, name) });
      await client.connect();
      await client.query(SCHEMA);
      if (name === 'production') {
        await client.query(PRODUCTION_ROWS);
        await client.query('vacuum analyze');
      }
      await client.end();
    }
    production = await captureProfile({ url: withDatabase(server.url, 'production') });
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
  });

  async function seededColumns(model: DataModel, database: string): Promise<Map<string, ColumnFidelity>> {
    await seed({ database: server, model, scale: 1, seed: 7, targetDatabase: database, template: false });
    const report = compareFidelity(production, await captureProfile({ url: withDatabase(server.url, database) }), 1);
    return new Map(report.columns.map((c) => [`${c.table}.${c.column}`, c]));
  }

  it('seeds the count whose estimate is production\'s, where seeding the estimate itself lands far below', async () => {
    const client = new pg.Client({ connectionString: withDatabase(server.url, 'production') });
    await client.connect();
    const counted = (await client.query<{ pages: string; visitors: string }>('select count(distinct page_id) as pages, count(distinct visitor) as visitors from visits')).rows[0]!;
    await client.end();
    const columns = new Map(production.tables.find((t) => t.name === 'visits')!.columns.map((c) => [c.name, c]));
    // ANALYZE's own view of production: both columns estimated well under their true counts.
    expect(columns.get('page_id')!.nDistinct).toBeLessThan(Number(counted.pages) * 0.8);
    expect(columns.get('visitor')!.nDistinct).toBeLessThan(Number(counted.visitors) * 0.8);

    const model = modelFromProfile(production);
    const withoutSample: DataModel = { ...model, tables: Object.fromEntries(Object.entries(model.tables).map(([name, table]) => [name, { ...table, stats: Object.fromEntries(Object.entries(table.stats ?? {}).map(([column, { sample: _sample, ...stats }]) => [column, stats])) }])) };
    const naive = await seededColumns(withoutSample, 'as_estimated');
    const fitted = await seededColumns(model, 'fitted');
    for (const column of ['visits.page_id', 'visits.visitor']) {
      const ratio = (c: ColumnFidelity) => c.seeded.nDistinct / c.production.nDistinct;
      expect(ratio(fitted.get(column)!), `${column}: fitted count`).toBeGreaterThan(0.8);
      expect(ratio(fitted.get(column)!), `${column}: fitted count`).toBeLessThan(1.2);
      expect(fitted.get(column)!.outOfTolerance, column).not.toContain('nDistinct');
      expect(ratio(naive.get(column)!), `${column}: the estimate seeded as the count`).toBeLessThan(ratio(fitted.get(column)!));
    }
    expect(naive.get('visits.visitor')!.outOfTolerance).toContain('nDistinct');
    // A link table's partner side (tags picked per visit) follows production's even spread, not a guessed skew.
    expect(fitted.get('visit_tags.tag_id')!.outOfTolerance).toEqual([]);
  }, 180_000);
});
