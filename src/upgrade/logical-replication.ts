import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { connectClient } from '../db/connect-client.ts';
import { withDatabase } from '../db/connection-url.ts';
import type { RunningDatabase } from '../db/provider.ts';
import { createDatabase } from '../db/template.ts';
import { InfrastructureError } from '../errors.ts';
import { sleep, throwIfAborted } from '../system/abort.ts';
import { introspectSchema } from '../seed/introspect.ts';
import type { TableInfo } from '../seed/schema-snapshot.ts';
import { quoteIdent, quoteLiteral, tableSql } from '../seed/quote.ts';
import { copySequences } from './copy-database.ts';
import type { PreparedWindowLoad } from './window-load.ts';
import { startLoadOn } from './window-load.ts';

/** The logical-replication path of an upgrade, measured: initial sync, lag under load, cutover pause. */
export interface LogicalReplicationResult {
  /** From CREATE SUBSCRIPTION until every table's initial copy is done (`pg_subscription_rel` all ready). */
  initialSyncSeconds: number;
  /** Rows copied by the initial sync (the seeded rows). */
  rows: number;
  load: { kind: 'scenario' | 'writes'; name: string; seconds: number };
  /** Replication lag of a heartbeat row written every 250 ms during the load: when the new server applied it minus when the old one wrote it. */
  lagSeconds: { samples: number; p50: number; p95: number; max: number };
  /** Writes stopped → the new server has applied the last one (`caughtUp`) → sequences set (`sequences`): the pause users see. */
  cutover: { caughtUpSeconds: number; sequencesSeconds: number; pauseSeconds: number };
  /** Tables without a replica identity: their UPDATE and DELETE fail on the old server once it publishes them. */
  withoutReplicaIdentity: string[];
  /** Tables on the old server the new one never got: created after the schema was copied (no DDL is replicated). */
  notReplicated: string[];
}

export interface LogicalPathInputs {
  old: RunningDatabase;
  fresh: RunningDatabase;
  sourceDatabase: string;
  /** The model's migrations: the schema on the new server, complete (keys and indexes too). */
  migrations: readonly string[];
  schema: string;
  /** The scenario's load on the old server during replication; without it, a synthetic write load. */
  load?: PreparedWindowLoad;
  signal: AbortSignal;
  onProgress?: (line: string) => void;
}

const LOGICAL_DATABASE = 'rehearse_upgrade_logical';
const NAME = 'rehearse_upgrade';
/** Written on the old server, read on the new one: replication lag in time, whatever WAL feedback says. */
const HEARTBEAT = 'rehearse_replication_heartbeat';
const SAMPLE_MS = 250;
const SYNTHETIC_WRITE_SECONDS = 10;
const SYNC_TIMEOUT_MS = 30 * 60_000;

/**
 * The other way to upgrade a major: the new server subscribes to the old
 * one (a publication of the model's schema, created first from the
 * model's migrations), copies every table, then follows its writes until
 * cutover. The old server must run with `wal_level=logical`. Measured:
 * the initial sync, the lag while the scenario's load (or a synthetic
 * write load) runs on the old server — from a heartbeat row written there
 * every 250 ms and read on the new server — and the cutover pause: from the
 * moment writes stop until the new server has applied the last one and its
 * sequences are set (logical replication does not carry sequences).
 */
export async function rehearseLogicalPath(inputs: LogicalPathInputs): Promise<LogicalReplicationResult> {
  const progress = inputs.onProgress;
  await createDatabase(inputs.fresh.admin, LOGICAL_DATABASE);
  const source = await connectClient(withDatabase(inputs.old.url, inputs.sourceDatabase));
  const target = await connectClient(withDatabase(inputs.fresh.url, LOGICAL_DATABASE));
  try {
    progress?.('logical replication: schema on the new server, publication on the old one');
    const tables = await createSubscriberSchema(target, inputs.migrations, inputs.schema);
    const withoutReplicaIdentity = await tablesWithoutReplicaIdentity(source, inputs.schema);
    await source.query(`create table if not exists ${HEARTBEAT} (id bigint primary key, at timestamptz not null)`);
    // A column the old server lacks takes its default when a row is applied: each beat's lag is exact, not a polling interval.
    await target.query(`create table ${HEARTBEAT} (id bigint primary key, at timestamptz not null, applied_at timestamptz not null default clock_timestamp())`);
    // The tables the new server has, as a schema-first migration publishes them: not FOR ALL TABLES
    // (rehearse's own marker stays home), and not the whole schema, whose tables created later (an app's
    // schema_migrations at its start) the new server would not have — logical replication carries no DDL.
    await source.query(`create publication ${NAME} for table ${[...tables.map(tableSql), HEARTBEAT].join(', ')}`);
    try {
      progress?.('logical replication: initial sync');
      const started = performance.now();
      await target.query(`create subscription ${NAME} connection ${quoteLiteral(connectionString(inputs.old, inputs.sourceDatabase))} publication ${NAME}`);
      try {
        await waitForInitialSync(target, inputs.signal);
        const initialSyncSeconds = (performance.now() - started) / 1000;
        const rows = await countRows(target, tables);
        const load = await followUnderLoad(source, inputs);
        // At once, as a cutover would: whatever lag there is when writes stop is part of the pause.
        progress?.('logical replication: cutover');
        const cutover = await measureCutover(source, target, tables, inputs.signal);
        const notReplicated = await tablesNotPublished(source, inputs.schema);
        return { initialSyncSeconds, rows, load, lagSeconds: await heartbeatLag(target), cutover, withoutReplicaIdentity, notReplicated };
      } finally {
        // Dropping the subscription drops its slot on the old server, which would otherwise keep WAL forever.
        await target.query(`drop subscription if exists ${NAME}`).catch(() => undefined);
      }
    } finally {
      await source.query(`drop publication if exists ${NAME}`).catch(() => undefined);
      await source.query(`drop table if exists ${HEARTBEAT}`).catch(() => undefined);
    }
  } finally {
    await source.end().catch(() => undefined);
    await target.end().catch(() => undefined);
  }
}

/** Both servers run on this machine: the subscription connects over loopback with the old server's own credentials. */
function connectionString(server: RunningDatabase, database: string): string {
  const { host, port, user, password } = server.connection;
  const quote = (value: string | number) => `'${String(value).replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  return `host=${quote(host)} port=${quote(port)} user=${quote(user)} password=${quote(password)} dbname=${quote(database)}`;
}

/** The full schema (as pg_dump --schema-only would give it), without the rows migrations insert: those come with the initial copy. */
async function createSubscriberSchema(db: pg.Client, migrations: readonly string[], schema: string): Promise<TableInfo[]> {
  for (const sql of migrations) await db.query(sql);
  const snapshot = await introspectSchema(db, schema);
  if (snapshot.tables.length > 0) await db.query(`truncate ${snapshot.tables.map(tableSql).join(', ')}`);
  return snapshot.tables;
}

async function tablesWithoutReplicaIdentity(db: pg.Client, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind = 'r'
        and (c.relreplident = 'n' or (c.relreplident = 'd' and not exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisprimary)))
      order by 1`,
    [schema],
  );
  return rows.map((row) => row.name);
}

async function tablesNotPublished(db: pg.Client, schema: string): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 and c.relkind in ('r', 'p') and not c.relispartition
        and not exists (select 1 from pg_publication_tables p where p.pubname = $2 and p.schemaname = n.nspname and p.tablename = c.relname)
      order by 1`,
    [schema, NAME],
  );
  return rows.map((row) => row.name);
}

/** The apply worker retries an error forever (every 5 s): a count that grows means it will never catch up. */
async function refuseApplyErrors(db: pg.Client): Promise<void> {
  const { rows } = await db.query<{ errors: string }>(`select (apply_error_count + sync_error_count)::text as errors from pg_stat_subscription_stats where subname = $1`, [NAME]);
  const errors = Number(rows[0]?.errors ?? 0);
  if (errors > 0) throw new InfrastructureError(`logical replication: the new server failed to apply the old server's changes (${errors} errors; its log says which): it cannot catch up`);
}

async function waitForInitialSync(db: pg.Client, signal: AbortSignal): Promise<void> {
  const deadline = Date.now() + SYNC_TIMEOUT_MS;
  for (;;) {
    throwIfAborted(signal);
    const { rows } = await db.query<{ tables: number; pending: number }>(`select count(*)::int as tables, count(*) filter (where srsubstate <> 'r')::int as pending from pg_subscription_rel`);
    if (rows[0]!.tables > 0 && rows[0]!.pending === 0) return;
    await refuseApplyErrors(db);
    if (Date.now() > deadline) throw new InfrastructureError(`logical replication: the initial sync did not finish in ${SYNC_TIMEOUT_MS / 60_000} min (${rows[0]!.pending} of ${rows[0]!.tables} tables not ready)`);
    await sleep(100, signal);
  }
}

async function countRows(db: pg.Client, tables: readonly TableInfo[]): Promise<number> {
  let rows = 0;
  for (const table of tables) rows += Number((await db.query<{ n: string }>(`select count(*)::text as n from ${tableSql(table)}`)).rows[0]!.n);
  return rows;
}

/** The load on the old server, with a heartbeat written there every 250 ms; each beat's lag is when the new server applied it minus when it was written. */
async function followUnderLoad(source: pg.Client, inputs: LogicalPathInputs): Promise<LogicalReplicationResult['load']> {
  let beating = true;
  let beat = 0;
  const heartbeat = (async () => {
    while (beating) {
      beat += 1;
      await source.query(`insert into ${HEARTBEAT} (id, at) values ($1, clock_timestamp())`, [beat]);
      await sleep(SAMPLE_MS);
    }
  })();
  try {
    return await loadOldServer(inputs);
  } finally {
    beating = false;
    await heartbeat;
  }
}

/** Every beat of the load has arrived once the cutover's fence has. */
async function heartbeatLag(target: pg.Client): Promise<LogicalReplicationResult['lagSeconds']> {
  const { rows } = await target.query<{ lag: number }>(`select extract(epoch from applied_at - at)::float8 as lag from ${HEARTBEAT} where id > 0`);
  return summarize(rows.map((row) => Math.max(row.lag, 0)));
}

async function loadOldServer(inputs: LogicalPathInputs): Promise<LogicalReplicationResult['load']> {
  const started = performance.now();
  if (!inputs.load) {
    inputs.onProgress?.(`logical replication: ${SYNTHETIC_WRITE_SECONDS} s of writes on the old server while the new one follows`);
    await syntheticWrites(inputs.old, inputs.sourceDatabase, inputs.schema, SYNTHETIC_WRITE_SECONDS, inputs.signal);
    return { kind: 'writes', name: 'updates of every table with a primary key', seconds: (performance.now() - started) / 1000 };
  }
  inputs.onProgress?.(`logical replication: ${inputs.load.scenario.name} on the old server while the new one follows`);
  const traffic = await startLoadOn(inputs.load, inputs.old, inputs.sourceDatabase, inputs.signal, (line) => inputs.onProgress?.(line));
  const loadStarted = performance.now();
  try {
    await traffic.drive('logical replication');
  } finally {
    await traffic.stop();
  }
  return { kind: 'scenario', name: inputs.load.scenario.name, seconds: (performance.now() - loadStarted) / 1000 };
}

async function waitForRow(target: pg.Client, id: number | string, signal: AbortSignal): Promise<void> {
  const started = performance.now();
  for (;;) {
    throwIfAborted(signal);
    const seen = await target.query(`select 1 from ${HEARTBEAT} where id = $1`, [id]);
    if (seen.rowCount) return;
    await refuseApplyErrors(target);
    if (performance.now() - started > SYNC_TIMEOUT_MS) throw new InfrastructureError('logical replication: the new server did not catch up with the old one');
    await sleep(5, signal);
  }
}

/** Rewrites rows of each table with a one-column primary key in turn (an UPDATE of the key to itself: WAL, no change). */
async function syntheticWrites(server: RunningDatabase, database: string, schema: string, seconds: number, signal: AbortSignal): Promise<void> {
  const db = await connectClient(withDatabase(server.url, database));
  try {
    const { rows: keyed } = await db.query<{ table: string; key: string }>(
      `select c.relname as table, a.attname as key from pg_index i join pg_class c on c.oid = i.indrelid join pg_namespace n on n.oid = c.relnamespace
         join pg_attribute a on a.attrelid = c.oid and a.attnum = i.indkey[0]
        where i.indisprimary and i.indnatts = 1 and n.nspname = $1 and c.relname <> $2 order by 1`,
      [schema, HEARTBEAT],
    );
    if (keyed.length === 0) return;
    const until = performance.now() + seconds * 1000;
    for (let index = 0; performance.now() < until; index += 1) {
      throwIfAborted(signal);
      const { table, key } = keyed[index % keyed.length]!;
      const relation = `${quoteIdent(schema)}.${quoteIdent(table)}`;
      await db.query(`update ${relation} set ${quoteIdent(key)} = ${quoteIdent(key)} where ${quoteIdent(key)} in (select ${quoteIdent(key)} from ${relation} tablesample system (5) limit 200)`);
    }
  } finally {
    await db.end().catch(() => undefined);
  }
}

/** Writes stop; the last heartbeat is the fence: once the new server has it, it has everything before it. */
async function measureCutover(source: pg.Client, target: pg.Client, tables: readonly TableInfo[], signal: AbortSignal): Promise<LogicalReplicationResult['cutover']> {
  const started = performance.now();
  const { rows } = await source.query<{ id: string }>(`insert into ${HEARTBEAT} (id, at) values (-1, clock_timestamp()) returning id::text`);
  await waitForRow(target, rows[0]!.id, signal);
  const caughtUp = performance.now();
  await copySequences(source, target, tables);
  const done = performance.now();
  return { caughtUpSeconds: (caughtUp - started) / 1000, sequencesSeconds: (done - caughtUp) / 1000, pauseSeconds: (done - started) / 1000 };
}

function summarize(values: readonly number[]): LogicalReplicationResult['lagSeconds'] {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (share: number) => (sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)]!);
  return { samples: sorted.length, p50: at(0.5), p95: at(0.95), max: sorted.at(-1) ?? 0 };
}
