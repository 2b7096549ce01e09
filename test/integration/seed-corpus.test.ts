import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withDatabase } from '../../src/db/connection-url.ts';
import { createProvider } from '../../src/db/create-provider.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';
import { loadModel } from '../../src/seed/load-model.ts';
import type { SeedEvent, SeedResult } from '../../src/seed/seed-events.ts';
import { seed } from '../../src/seed/seed.ts';
import { checkEveryConstraint, invalidConstraintsAndIndexes } from '../support/seeded-constraints.ts';

/**
 * Schemas nobody here wrote a generator for, each seeded from its model's
 * row counts alone (test/fixtures/schemas/<name>/model.ts), then checked
 * row by row against every constraint and for data that behaves like a
 * real site's: time runs forward, popularity sits on the referenced side,
 * NULLs where they fit, text shaped by what the column holds.
 */
const SCHEMAS = ['conduit', 'shop', 'saas', 'kitchen-sink'] as const;
const FIXTURES = fileURLToPath(new URL('../fixtures/schemas/', import.meta.url));

let server: RunningDatabase;
const results = new Map<string, SeedResult>();
const plans = new Map<string, Extract<SeedEvent, { kind: 'plan' }>>();
const clients = new Map<string, pg.Client>();

async function rows<T extends pg.QueryResultRow>(schema: string, sql: string): Promise<T[]> {
  return (await clients.get(schema)!.query<T>(sql)).rows;
}

async function one(schema: string, sql: string): Promise<Record<string, number>> {
  const [row] = await rows<Record<string, string>>(schema, sql);
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

const database = (schema: string) => schema.replace(/-/g, '_');

beforeAll(async () => {
  server = await createProvider({ provider: 'embedded', settings: {} }).start();
  for (const schema of SCHEMAS) {
    const model = await loadModel(path.join(FIXTURES, schema, 'model.ts'), process.cwd());
    const events: SeedEvent[] = [];
    // The conduit goes through a template like `rehearse seed`; the others are seeded in place.
    const result = await seed({ database: server, model, scale: 1, seed: 11, targetDatabase: database(schema), template: schema === 'conduit', workers: false, onEvent: (e) => events.push(e) });
    results.set(schema, result);
    plans.set(schema, events.find((e): e is Extract<SeedEvent, { kind: 'plan' }> => e.kind === 'plan')!);
    const client = new pg.Client({ connectionString: withDatabase(server.url, database(schema)) });
    await client.connect();
    clients.set(schema, client);
  }
}, 300_000);

afterAll(async () => {
  for (const client of clients.values()) await client.end().catch(() => undefined);
  await server?.stop();
});

describe.each(SCHEMAS)('the %s schema, seeded from row counts alone', (schema) => {
  it('gets the rows the model asks for in every table', async () => {
    const model = await loadModel(path.join(FIXTURES, schema, 'model.ts'), process.cwd());
    for (const [table, declared] of Object.entries(model.tables)) {
      const { n } = await one(schema, `select count(*) as n from ${table}`);
      const seeded = results.get(schema)!.tables.find((t) => t.name === table)!;
      expect(n, table).toBe(seeded.rows);
      expect(n, table).toBeGreaterThanOrEqual(0.9 * (declared.rows as number));
    }
  });

  it('satisfies every constraint, checked row by row, with every key, index and foreign key rebuilt and valid', async () => {
    const { violations, checked } = await checkEveryConstraint(clients.get(schema)!);
    expect(violations).toEqual([]);
    expect(checked).toBeGreaterThan(20);
    expect(await invalidConstraintsAndIndexes(clients.get(schema)!)).toEqual([]);
    expect(plans.get(schema)!.warnings).toEqual([]);
  });

  it('runs time forward: nothing is updated before it is created, nor created before the rows it references', async () => {
    const pairs = await rows<{ child: string; fk: string; parent: string; key: string; ref: string; child_time: string; parent_time: string }>(schema, `
      with times as (
        select c.oid, a.attname from pg_class c join pg_attribute a on a.attrelid = c.oid
        where a.attname in ('created_at', 'placed_at', 'occurred_at', 'starts_at') and a.attnum > 0 and c.relkind in ('r', 'p') and not c.relispartition
      )
      select k.conrelid::regclass::text as child, (select attname from pg_attribute where attrelid = k.conrelid and attnum = k.conkey[1]) as fk,
             k.confrelid::regclass::text as parent, (select attname from pg_attribute where attrelid = k.confrelid and attnum = k.confkey[1]) as ref,
             (select attname from times where oid = k.conrelid order by attname = 'created_at' desc limit 1) as child_time,
             (select attname from times where oid = k.confrelid order by attname = 'created_at' desc limit 1) as parent_time, '' as key
      from pg_constraint k
      where k.contype = 'f' and k.conparentid = 0 and k.conrelid <> k.confrelid and cardinality(k.conkey) = 1
        and exists (select 1 from times where oid = k.conrelid) and exists (select 1 from times where oid = k.confrelid)`);
    expect(pairs.length).toBeGreaterThan(0);
    for (const p of pairs) {
      const { early } = await one(schema, `select count(*) as early from ${p.child} c join ${p.parent} p on p.${p.ref} = c.${p.fk} where c.${p.child_time}::timestamptz < p.${p.parent_time}::timestamptz`);
      expect(early, `${p.child}.${p.child_time} before ${p.parent}.${p.parent_time}`).toBe(0);
    }
    const updated = await rows<{ t: string }>(schema, `
      select c.oid::regclass::text as t from pg_class c
      where c.relkind in ('r', 'p') and not c.relispartition
        and exists (select 1 from pg_attribute where attrelid = c.oid and attname = 'created_at')
        and exists (select 1 from pg_attribute where attrelid = c.oid and attname = 'updated_at')`);
    for (const { t } of updated) {
      const { early } = await one(schema, `select count(*) as early from ${t} where updated_at < created_at`);
      expect(early, t).toBe(0);
    }
  });
});

describe('conduit: data that behaves like a real blogging site', () => {
  it('puts popularity on the followed side: a few users are followed by many, many follow nobody', async () => {
    const follows = await one('conduit', `
      select (select max(n) from (select count(*) n from follows group by followee_id) f) as top_followed,
             (select max(n) from (select count(*) n from follows group by follower_id) f) as top_following,
             (select count(*) from users u where not exists (select 1 from follows f where f.follower_id = u.id)) as follow_nobody,
             (select count(*) from users u where not exists (select 1 from follows f where f.followee_id = u.id)) as followed_by_nobody,
             (select count(*) from users) as users`);
    expect(follows.top_followed).toBeGreaterThan(follows.top_following!);
    expect(follows.follow_nobody! / follows.users!).toBeGreaterThan(0.25);
    expect(follows.followed_by_nobody! / follows.users!).toBeGreaterThan(0.1);
  });

  it('has a few hot articles: the top 1 % get a large share of favourites and comments, most get few', async () => {
    for (const table of ['favorites', 'comments']) {
      const skew = await one('conduit', `
        with per as (select a.id, count(t.article_id) as n from articles a left join ${table} t on t.article_id = a.id group by a.id)
        select (select sum(n) from (select n from per order by n desc limit (select count(*) / 100 from per)) top) / (select sum(n) from per) as top_share,
               (select percentile_disc(0.5) within group (order by n) from per) as median`);
      expect(skew.top_share, table).toBeGreaterThan(0.1);
      expect(skew.median, table).toBeLessThanOrEqual(3);
    }
  });

  it('writes bodies as paragraphs, titles as phrases, slugs from the title, images as URLs, emails after the username', async () => {
    const text = await one('conduit', `
      select avg(length(body)) as body_length, count(*) filter (where body like '%' || chr(10) || chr(10) || '%') as multi_paragraph,
             count(distinct title) as titles, count(*) as articles,
             count(*) filter (where slug like regexp_replace(lower(title), '[^a-z0-9]+', '-', 'g') || '-%') as slug_of_title
      from articles`);
    expect(text.body_length).toBeGreaterThan(400);
    expect(text.multi_paragraph! / text.articles!).toBeGreaterThan(0.5);
    expect(text.titles! / text.articles!).toBeGreaterThan(0.95);
    expect(text.slug_of_title! / text.articles!).toBeGreaterThan(0.95);
    const users = await one('conduit', `
      select count(*) filter (where image like 'https://%') as image_urls, count(image) as images,
             count(*) filter (where email like regexp_replace(lower(username), '[^a-z0-9]', '', 'g') || '.%@%') as email_from_username,
             count(*) filter (where bio is null) as no_bio, count(*) as users
      from users`);
    expect(users.image_urls).toBe(users.images);
    expect(users.email_from_username).toBe(users.users);
    expect(users.no_bio! / users.users!).toBeGreaterThan(0.05);
    expect(users.no_bio! / users.users!).toBeLessThan(0.3);
  });
});

describe('shop: keys, domains and partial indexes a shop schema uses', () => {
  it('gives every customer with addresses exactly one default one, and numbers keys from START WITH', async () => {
    const addresses = await one('shop', `
      select count(*) filter (where defaults <> 1) as not_one, count(*) as customers
      from (select customer_id, count(*) filter (where is_default) as defaults from addresses group by customer_id) a`);
    expect(addresses.not_one).toBe(0);
    expect(addresses.customers).toBeGreaterThan(1000);
    expect(await one('shop', 'select min(id) as first from customers')).toEqual({ first: 1000 });
  });

  it('keeps deleted customers rare, statuses mostly their default, SKUs to their pattern, emails after the name', async () => {
    const customers = await one('shop', `
      select count(*) filter (where deleted_at is not null) as deleted, count(*) as customers,
             count(*) filter (where email like regexp_replace(lower(first_name), '[^a-z0-9]', '', 'g') || '.%') as email_from_name
      from customers`);
    expect(customers.deleted! / customers.customers!).toBeLessThan(0.1);
    expect(customers.email_from_name! / customers.customers!).toBeGreaterThan(0.95);
    const statuses = await rows<{ status: string; n: string }>('shop', 'select status, count(*) as n from products group by status order by n desc');
    expect(statuses[0]!.status).toBe('draft');
    const orders = await one('shop', `select count(*) filter (where status = 'placed') as placed, count(*) as orders from orders`);
    expect(orders.placed! / orders.orders!).toBeGreaterThan(0.3);
  });
});

describe('saas: several schemas and partitioned event tables', () => {
  it('routes rows into every partition of a range, a list and a hash partitioned table', async () => {
    const partitions = await rows<{ parent: string; partition: string; n: string }>('saas', `
      select i.inhparent::regclass::text as parent, c.oid::regclass::text as partition, (xpath('/row/n/text()', query_to_xml(format('select count(*) as n from %s', c.oid::regclass), false, true, '')))[1]::text as n
      from pg_inherits i join pg_class c on c.oid = i.inhrelid where c.relispartition and c.relkind in ('r', 'p') order by 1, 2`);
    expect(partitions.length).toBe(8 + 2 + 4);
    for (const p of partitions) expect(Number(p.n), p.partition).toBeGreaterThan(0);
  });

  it('numbers identity keys from their START WITH and moves every sequence past the seeded keys', async () => {
    expect(await one('saas', 'select min(id) as first from events.api_calls')).toEqual({ first: 100_000 });
    const client = clients.get('saas')!;
    const account = (await client.query<{ id: string }>('select id from accounts.accounts limit 1')).rows[0]!.id;
    const inserted = await client.query<{ id: string }>(
      `insert into events.api_calls (account_id, method, status_code, latency_ms, called_at) values ($1, 'GET', 200, 12, now()) returning id`,
      [account],
    );
    const { max } = await one('saas', 'select max(id) as max from events.api_calls where id <> ' + inserted.rows[0]!.id);
    expect(Number(inserted.rows[0]!.id)).toBe(max! + 1);
    await client.query('delete from events.api_calls where id = $1', [inserted.rows[0]!.id]);
  });
});

describe('kitchen sink: every feature at once', () => {
  it('keeps NULL patterns: exactly one parent of a comment, both coordinates or neither, a phone or a website', async () => {
    const sink = await one('kitchen-sink', `
      select (select count(*) from comments where event_id is not null) as on_events, (select count(*) from comments where photo_id is not null) as on_photos,
             (select count(*) from catalog.venues where latitude is null) as no_position,
             (select count(*) from people where phone is null) as no_phone, (select count(*) from people where website is null) as no_website`);
    expect(sink.on_events).toBeGreaterThan(0);
    expect(sink.on_photos).toBeGreaterThan(0);
    expect(sink.no_phone).toBeGreaterThan(0);
    expect(sink.no_website).toBeGreaterThan(0);
  });

  it('numbers identity keys by START WITH and INCREMENT BY, and gives each venue distinct weekdays', async () => {
    const venues = await one('kitchen-sink', 'select min(id) as first, count(*) filter (where (id - 1000) % 10 <> 0) as off_step from catalog.venues');
    expect(venues).toEqual({ first: 1000, off_step: 0 });
    const events = await one('kitchen-sink', 'select min(id) as first from events');
    expect(events.first).toBe(500);
    const hours = await one('kitchen-sink', 'select max(n) as most from (select count(*) as n from catalog.opening_hours group by venue_id) v');
    expect(hours.most).toBeLessThanOrEqual(7);
  });

  it('shapes JSON by the column: settings are settings', async () => {
    const [row] = await rows<{ settings: Record<string, unknown> }>('kitchen-sink', 'select settings from people limit 1');
    expect(Object.keys(row!.settings)).toEqual(expect.arrayContaining(['theme', 'language', 'notifications']));
  });
});
