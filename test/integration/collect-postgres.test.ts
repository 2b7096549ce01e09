import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startActivitySampler } from '../../src/collect/activity-sampler.ts';
import { collectStatements } from '../../src/collect/collect-statements.ts';
import { explainStatements } from '../../src/collect/explain-statement.ts';
import { diffStatementSnapshots, resetStatementStats, snapshotStatementStats } from '../../src/collect/statement-snapshot.ts';
import { createProvider } from '../../src/db/create-provider.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';
import type { ActivitySample } from '../../src/run/run-record-schema.ts';

const DATABASE = 'collect_test';

describe('Postgres collectors', () => {
  let server: RunningDatabase;
  let app: pg.Pool;
  let connection: pg.ClientConfig;

  beforeAll(async () => {
    server = await createProvider({ provider: 'embedded', settings: {} }).start();
    await server.admin.query(`create database ${DATABASE}`);
    connection = { ...server.connection, database: DATABASE };
    app = new pg.Pool({ ...connection, max: 4 });
    app.on('error', () => undefined);
    await app.query(`
      create table parents (id int primary key, name text not null);
      create table bookings (id int, parent_id int not null, slot text not null);
      insert into parents select g, 'parent ' || g from generate_series(1, 5000) g;
      insert into bookings select g, 1 + g % 5000, 'slot ' || g from generate_series(1, 20000) g;
      analyze parents;
      analyze bookings;
    `);
  });

  afterAll(async () => {
    await app?.end();
    await server?.stop();
  });

  it('counts the calls of each query since the reset, merged by fingerprint, with plans of the top ones', async () => {
    const before = await resetStatementStats(server.admin, DATABASE);
    for (let id = 1; id <= 7; id++) await app.query('select name from parents where id = $1', [id]);
    await app.query('select name from parents where id = 8');
    for (let i = 0; i < 3; i++) await app.query('select count(*) from bookings where parent_id = $1', [i + 1]);
    // Another database's statements are not this one's.
    await server.admin.query('select datname from pg_database where oid = $1', [1]);

    const delta = diffStatementSnapshots(before, await snapshotStatementStats(server.admin, DATABASE));
    const statements = await collectStatements(delta, { explainWith: connection, explainTop: 5 });
    const parents = statements.find((statement) => statement.query === 'select name from parents where id = $1');
    const bookings = statements.find((statement) => statement.query.startsWith('select count(*) from bookings'));
    expect(parents).toMatchObject({ calls: 8, rows: 8 });
    expect(parents!.queryIds.length).toBeGreaterThanOrEqual(1);
    expect(bookings).toMatchObject({ calls: 3, rows: 3 });
    expect(bookings!.sharedBlocksHit + bookings!.sharedBlocksRead).toBeGreaterThan(0);
    expect(statements.some((statement) => statement.query.includes('pg_database'))).toBe(false);
    expect(parents!.plan?.summary.indexes).toEqual(['parents_pkey']);
    expect(bookings!.plan).toMatchObject({ generic: true, summary: { seqScans: [{ relation: 'bookings' }] } });
    expect(delta.deallocations).toBe(0);
  });

  // Postgres 18 jumbles relation names rather than OIDs, so queryid happens to agree here too;
  // on older servers (and across major versions) it does not, and the fingerprint still does.
  it('matches a query across databases by fingerprint', async () => {
    await server.admin.query('create database collect_other');
    const other = new pg.Client({ ...server.connection, database: 'collect_other' });
    await other.connect();
    try {
      // A table created first in the other database gives parents another OID.
      await other.query('create table filler (id int); create table parents (id int primary key, name text not null)');
      const statementsOf = async (database: string, db: pg.Pool | pg.Client) => {
        const before = await resetStatementStats(server.admin, database);
        await db.query('select name from parents where id = $1', [1]);
        const delta = diffStatementSnapshots(before, await snapshotStatementStats(server.admin, database));
        return (await collectStatements(delta)).find((statement) => statement.query === 'select name from parents where id = $1')!;
      };
      const here = await statementsOf(DATABASE, app);
      const there = await statementsOf('collect_other', other);
      expect(here.calls).toBe(1);
      expect(there.calls).toBe(1);
      expect(here.fingerprint).toBe(there.fingerprint);
    } finally {
      await other.end();
    }
  });

  it('explains a table without an index as a Seq Scan and one with an index as an Index Scan, and says why it cannot explain others', async () => {
    const [unindexed, indexed, utility, untyped, twoStatements] = await explainStatements(connection, [
      'select * from bookings where parent_id = $1',
      'select * from parents where id = $1',
      'vacuum bookings',
      'select $1 + $2',
      'select 1; select 2',
    ]);
    expect(unindexed!.plan?.summary.seqScans).toEqual([{ relation: 'bookings', estimatedRows: expect.any(Number) }]);
    expect(unindexed!.plan?.summary.seqScans[0]!.estimatedRows).toBeGreaterThan(0);
    expect(unindexed!.plan?.generic).toBe(true);
    expect(indexed!.plan?.summary).toMatchObject({ seqScans: [], indexes: ['parents_pkey'] });
    expect(indexed!.plan?.summary.nodeTypes.some((type) => type.startsWith('Index'))).toBe(true);
    expect(utility).toMatchObject({ plan: null, error: expect.stringMatching(/syntax error/) });
    expect(untyped).toMatchObject({ plan: null, error: expect.stringMatching(/operator is not unique/) });
    expect(twoStatements).toMatchObject({ plan: null, error: 'not a single statement Postgres can parse' });
  });

  it('samples activity without counting itself, and sees a connection blocked on a row lock as waiting', async () => {
    // The sampler's own connection is inside the database it samples, and must not count.
    const quiet = startActivitySampler({ db: app, database: DATABASE, intervalMs: 50 });
    await waitFor(() => quiet.samples[2]);
    const quietSamples = await quiet.stop();
    expect(quietSamples.length).toBeGreaterThanOrEqual(3);
    expect(quietSamples.every((sample) => sample.active === 0 && sample.waiting === 0)).toBe(true);

    const holder = new pg.Client(connection);
    const blocked = new pg.Client(connection);
    await holder.connect();
    await blocked.connect();
    const sampler = startActivitySampler({ db: server.admin, database: DATABASE, intervalMs: 50 });
    try {
      await holder.query('begin');
      await holder.query("select * from parents where id = 1 for update");
      const update = blocked.query("update parents set name = 'secret name' where id = 1");
      const waiting = await waitFor(() => sampler.samples.find((sample) => sample.waiting > 0));
      expect(waiting.waitEvents).toHaveProperty(['Lock:transactionid'], 1);
      expect(waiting.active).toBeGreaterThanOrEqual(1);
      expect(waiting.idleInTransaction).toBe(1);
      expect(waiting.connections).toBeGreaterThanOrEqual(2);
      expect(waiting.longestRunningQuery).toBe('update parents set name = $1 where id = $2');
      expect(waiting.longestRunningMs).toBeGreaterThanOrEqual(0);
      await holder.query('rollback');
      await update;
    } finally {
      const samples = await sampler.stop();
      expect(sampler.failures.count).toBe(0);
      expect(samples.at(-1)!.time).toBeGreaterThanOrEqual(samples[0]!.time);
      await holder.end();
      await blocked.end();
    }
  });

  it('records each waiting session with the session blocking it, its statement and table, and how long a transaction sat idle', async () => {
    await app.query('create table if not exists login_counters (parent_id int primary key, logins int not null); insert into login_counters values (1, 0) on conflict do nothing');
    const holder = new pg.Client(connection);
    const blocked = new pg.Client(connection);
    const idle = new pg.Client(connection);
    const samplerConnection = new pg.Client(connection);
    await Promise.all([holder.connect(), blocked.connect(), idle.connect(), samplerConnection.connect()]);
    const pids = async (client: pg.Client) => (await client.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    const [holderPid, blockedPid, idlePid] = [await pids(holder), await pids(blocked), await pids(idle)];
    const statementsBefore = await resetStatementStats(server.admin, DATABASE);
    const sampler = startActivitySampler({ db: samplerConnection, database: DATABASE, intervalMs: 50 });
    try {
      await holder.query('begin');
      await holder.query('update login_counters set logins = logins + 1 where parent_id = 1');
      await idle.query('begin');
      await idle.query('select name from parents where id = 7');
      const update = blocked.query('update login_counters set logins = logins + 1 where parent_id = 1');
      const waiting = await waitFor(() =>
        sampler.samples.find((sample) => sample.sessions?.some((session) => session.pid === blockedPid && session.lockRelation !== null) && (sample.longestIdleInTransactionMs ?? 0) >= 200),
      );
      const sessions = new Map(waiting.sessions!.map((session) => [session.pid, session]));
      expect(sessions.has(await pids(samplerConnection))).toBe(false);
      expect(sessions.get(blockedPid)).toMatchObject({
        state: 'active',
        waitEvent: 'Lock:transactionid',
        blockedBy: [holderPid],
        lockRelation: 'login_counters',
        query: 'update login_counters set logins = logins + $1 where parent_id = $2',
      });
      expect(sessions.get(blockedPid)!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
      expect(sessions.get(holderPid)).toMatchObject({ state: 'idle in transaction', blockedBy: [], query: 'update login_counters set logins = logins + $1 where parent_id = $2' });
      expect(sessions.get(idlePid)).toMatchObject({ state: 'idle in transaction', waitEvent: 'Client:ClientRead', query: 'select name from parents where id = $1' });
      expect(sessions.get(idlePid)!.stateMs).toBeGreaterThanOrEqual(0);
      // The holder updated login_counters and holds that row locked while idle; the other idle transaction only read.
      expect(sessions.get(holderPid)!.writtenRelations).toEqual(['login_counters']);
      expect(sessions.get(idlePid)!.writtenRelations).toEqual([]);
      expect(sessions.get(blockedPid)!.writtenRelations).toBeUndefined();
      expect(sessions.get(holderPid)!.transactionMs).toBeGreaterThanOrEqual(sessions.get(holderPid)!.stateMs!);
      expect(waiting.longestIdleInTransactionMs).toBeGreaterThanOrEqual(200);
      // The sampler runs in the sampled database, yet its own statement is never one of the app's.
      const statements = diffStatementSnapshots(statementsBefore, await snapshotStatementStats(server.admin, DATABASE)).entries;
      expect(statements.map((entry) => entry.query)).toContain('update login_counters set logins = logins + $1 where parent_id = $2');
      expect(statements.filter((entry) => entry.query.includes('pg_stat_activity'))).toEqual([]);
      await holder.query('rollback');
      await idle.query('rollback');
      await update;
    } finally {
      await sampler.stop();
      expect(sampler.failures).toEqual({ count: 0, last: null });
      await Promise.all([holder.end(), blocked.end(), idle.end(), samplerConnection.end()]);
    }
  });
});

async function waitFor(find: () => ActivitySample | undefined, timeoutMs = 10_000): Promise<ActivitySample> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() > deadline) throw new Error('timed out waiting for an activity sample');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
