import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import { explainStatements, type ExplainResult } from '../collect/explain-statement.ts';
import { describePlanChanges } from '../analyze/query-rows.ts';
import { connectClient } from '../db/connect-client.ts';
import { withDatabase } from '../db/connection-url.ts';
import { embeddedOptions, type DbOptions } from '../db/create-provider.ts';
import { EmbeddedProvider } from '../db/embedded.ts';
import type { PostgresMajor } from '../db/postgres-majors.ts';
import { createProjectProvider } from '../db/project-provider.ts';
import type { RunningDatabase } from '../db/provider.ts';
import { createDatabase, dropDatabase } from '../db/template.ts';
import { UsageError } from '../errors.ts';
import { throwIfAborted } from '../system/abort.ts';
import { planDeferredDdl } from '../seed/deferred-ddl.ts';
import { introspectSchema } from '../seed/introspect.ts';
import type { DataModel } from '../seed/model.ts';
import { tableSql } from '../seed/quote.ts';
import { resolveSchemaSource } from '../seed/schema-source.ts';
import { seed } from '../seed/seed.ts';
import { copySequences, copyTable, type TableCopied } from './copy-database.ts';
import { extrapolateDowntime, type DowntimeEstimate, type UpgradeStep } from './extrapolate-downtime.ts';
import { prepareWindowLoad, startLoadOn, type LoadOnServer, type PreparedWindowLoad, type WindowLoadOptions } from './window-load.ts';
import { rehearseLogicalPath, type LogicalReplicationResult } from './logical-replication.ts';
import { compareWindowPages, type WindowPage } from './window-pages.ts';

export interface UpgradeOptions {
  from: PostgresMajor;
  to: PostgresMajor;
  /** The database options after precedence (settings; the provider must be embedded). */
  db: DbOptions;
  /** The project root: the old major's data is seeded on its cluster there, so the template is reused. */
  root: string;
  model: DataModel;
  scale: number;
  seed: number;
  /** Production's total rows, to extrapolate the downtime to (none: no extrapolation). */
  productionRows?: number;
  /** Queries (SQL with $n parameters) whose plans are compared before and after ANALYZE on the new server. */
  queries?: readonly string[];
  /**
   * A scenario whose load runs against the new server (the config's app
   * started on it) before ANALYZE and again after it: what users would see
   * right after cutover, and once statistics exist.
   */
  load?: WindowLoadOptions;
  /** Also rehearse the logical-replication path (the old server then runs with wal_level=logical). */
  logical?: boolean;
  signal?: AbortSignal;
  onProgress?: (line: string) => void;
}

export interface WindowPlan {
  query: string;
  /** From the plan without statistics to the plan after ANALYZE (`appointments: Seq Scan → Index Scan`); empty when equal. */
  changes: string[];
  error: string | null;
}

export interface UpgradeResult {
  from: { major: number; version: string };
  to: { major: number; version: string };
  scale: number;
  seed: number;
  tables: TableCopied[];
  rows: number;
  bytes: number;
  /** Measured in order: schema, data, sequences, keys and indexes, foreign keys, ANALYZE. */
  steps: UpgradeStep[];
  /**
   * Seconds from the moment the new server holds the data, keys and indexes
   * (when it could take traffic) until ANALYZE finished: the planner has no
   * statistics in that window.
   */
  noStatisticsSeconds: number;
  /** Each query's plan in the no-statistics window against its plan after ANALYZE. */
  windowPlans: WindowPlan[];
  /** The scenario's load in the no-statistics window against after ANALYZE, per page; null without a scenario. */
  windowLoad: WindowLoad | null;
  /** The logical-replication path, measured; null unless asked for. */
  logical: LogicalReplicationResult | null;
  estimate: DowntimeEstimate | null;
}

export interface WindowLoad {
  scenario: string;
  /** Seconds each phase of the load took (the app's start not counted). */
  seconds: { noStatistics: number; afterAnalyze: number };
  pages: WindowPage[];
  /**
   * Tables autovacuum analyzed while the first phase ran (it may, once the
   * copy's inserts count as changes): those had statistics for part of it.
   */
  autoAnalyzed: string[];
}

const SOURCE_DATABASE = 'rehearse_upgrade_source';
const TARGET_DATABASE = 'rehearse_upgrade_target';

/**
 * Rehearses a major upgrade by dump and restore at the seeded scale: the
 * model is seeded on the old major (the project's cluster for it, template
 * reused), a temporary cluster of the new major gets the schema from the
 * model's migrations without keys and indexes, then the data (COPY, streamed
 * server to server), the sequences, the keys and indexes, the foreign keys
 * and ANALYZE, each step timed. Between the indexes and ANALYZE the new
 * server has no statistics: the given queries are planned there and again
 * after ANALYZE. With `productionRows`, the measured rates give the downtime
 * at production size.
 *
 * @example
 * const result = await rehearseUpgrade({ from: 16, to: 18, db, root, model, scale: 0.05, seed: 42, productionRows: 4.2e9 });
 * console.log(result.estimate?.sentence);
 */
export async function rehearseUpgrade(options: UpgradeOptions): Promise<UpgradeResult> {
  if (options.db.provider !== 'embedded') throw new UsageError(`rehearse upgrade runs both majors itself, on the embedded provider; the provider chosen is ${options.db.provider}. Drop --db / REHEARSE_DB, or set db.provider to "embedded".`);
  assertUpgradeMajors(options.from, options.to);
  const source = await resolveSchemaSource(undefined, options.model);
  if (source.kind !== 'migrations') throw new UsageError(`model "${options.model.name}" has no migrations: rehearse upgrade creates the schema on the new major from the model's migrations (data.model → migrations).`);
  const progress = options.onProgress;
  const load = options.load ? await prepareWindowLoad(options.load, options.signal, progress) : undefined;
  // Logical decoding needs it at server start; the project cluster takes its settings at every start.
  const db = options.logical ? { ...options.db, settings: { ...options.db.settings, wal_level: 'logical' } } : options.db;
  const old = await createProjectProvider({ ...db, version: options.from, why: `embedded Postgres ${options.from}, the major upgraded from` }, options.root).start({ signal: options.signal, onProgress: progress });
  try {
    progress?.(`seeding model ${options.model.name} at scale ${options.scale} on Postgres ${options.from}`);
    await seed({ database: old, model: options.model, scale: options.scale, seed: options.seed, targetDatabase: SOURCE_DATABASE, ...(options.signal ? { signal: options.signal } : {}) });
    progress?.(`database: a temporary embedded Postgres ${options.to}, the major upgraded to`);
    const fresh = await new EmbeddedProvider(embeddedOptions({ ...options.db, version: options.to })).start({ signal: options.signal, onProgress: progress });
    try {
      const result = await upgradeInto(old, fresh, source.sql, options, load);
      if (!options.logical) return result;
      const logical = await rehearseLogicalPath({
        old,
        fresh,
        sourceDatabase: SOURCE_DATABASE,
        migrations: source.sql,
        schema: options.model.schema ?? 'public',
        signal: options.signal ?? new AbortController().signal,
        ...(load ? { load } : {}),
        ...(progress ? { onProgress: progress } : {}),
      });
      return { ...result, logical };
    } finally {
      await fresh.stop();
    }
  } finally {
    await dropDatabase(old.admin, SOURCE_DATABASE).catch(() => undefined);
    await old.stop();
  }
}

/** An upgrade goes from an older major to a newer one (exit 2 otherwise). */
export function assertUpgradeMajors(from: PostgresMajor, to: PostgresMajor): void {
  if (from >= to) throw new UsageError(`--from ${from} --to ${to}: an upgrade goes from an older major to a newer one.`);
}

async function upgradeInto(old: RunningDatabase, fresh: RunningDatabase, migrations: readonly string[], options: UpgradeOptions, load: PreparedWindowLoad | undefined): Promise<UpgradeResult> {
  await createDatabase(fresh.admin, TARGET_DATABASE);
  const from = await connectClient(withDatabase(old.url, SOURCE_DATABASE));
  const to = await connectClient(withDatabase(fresh.url, TARGET_DATABASE));
  try {
    const steps: UpgradeStep[] = [];
    const timed = async <T>(name: UpgradeStep['name'], work: () => Promise<T>): Promise<T> => {
      throwIfAborted(options.signal);
      options.onProgress?.(`upgrade: ${name}`);
      const started = performance.now();
      const value = await work();
      steps.push({ name, seconds: (performance.now() - started) / 1000 });
      return value;
    };
    const snapshot = await timed('schema', () => createSchemaWithoutKeys(to, migrations, options.model));
    const tables = await timed('data', async () => {
      const copied: TableCopied[] = [];
      for (const table of snapshot.tables) copied.push(await copyTable(from, to, table));
      return copied;
    });
    await timed('sequences', () => copySequences(from, to, snapshot.tables));
    const ddl = planDeferredDdl(await introspectSchema(from, options.model.schema ?? 'public'), allOf(snapshot), allOf(snapshot));
    await timed('keys and indexes', () => runEach(to, ddl.keysAndIndexes.map((statement) => statement.sql)));
    await timed('foreign keys', () => runEach(to, ddl.foreignKeys.map((statement) => statement.sql)));
    const openedAt = performance.now();
    const withoutStatistics = await explainOn(fresh, options.queries ?? []);
    const traffic = load ? await startWindowTraffic(load, fresh, options) : undefined;
    let windowLoad: WindowLoad | null = null;
    let noStatisticsSeconds: number;
    try {
      const before = traffic ? await timedLoad(traffic, 'no statistics', to) : undefined;
      await timed('analyze', () => to.query('analyze'));
      // The window as users would wait through it: without the rehearsal's own app start and load.
      noStatisticsSeconds = (performance.now() - openedAt) / 1000 - (traffic ? traffic.startSeconds + before!.seconds : 0);
      if (traffic && before) {
        const after = await timedLoad(traffic, 'after ANALYZE', to);
        windowLoad = { scenario: load!.scenario.name, seconds: { noStatistics: before.seconds, afterAnalyze: after.seconds }, pages: compareWindowPages(before.pages, after.pages), autoAnalyzed: before.autoAnalyzed };
      }
    } finally {
      await traffic?.load.stop();
    }
    const withStatistics = await explainOn(fresh, options.queries ?? []);
    const rows = tables.reduce((sum, table) => sum + table.rows, 0);
    return {
      from: { major: options.from, version: await serverVersion(from) },
      to: { major: options.to, version: await serverVersion(to) },
      scale: options.scale,
      seed: options.seed,
      tables,
      rows,
      bytes: tables.reduce((sum, table) => sum + table.bytes, 0),
      steps,
      noStatisticsSeconds,
      windowPlans: (options.queries ?? []).map((query, index) => windowPlan(query, withoutStatistics[index], withStatistics[index])),
      windowLoad,
      logical: null,
      estimate: options.productionRows ? extrapolateDowntime(steps, tables, options.productionRows) : null,
    };
  } finally {
    await from.end().catch(() => undefined);
    await to.end().catch(() => undefined);
  }
}

/**
 * pg_restore's pre-data section: the model's migrations, then its keys,
 * indexes and foreign keys dropped (rebuilt after the data) and any rows the
 * migrations inserted removed (the old server's copy of them comes with the data).
 */
async function createSchemaWithoutKeys(db: pg.Client, migrations: readonly string[], model: DataModel) {
  for (const sql of migrations) await db.query(sql);
  const snapshot = await introspectSchema(db, model.schema ?? 'public');
  const ddl = planDeferredDdl(snapshot, allOf(snapshot), allOf(snapshot));
  await runEach(db, ddl.drops);
  if (snapshot.tables.length > 0) await db.query(`truncate ${snapshot.tables.map(tableSql).join(', ')}`);
  return snapshot;
}

function allOf(snapshot: { tables: readonly { name: string }[] }): Set<string> {
  return new Set(snapshot.tables.map((table) => table.name));
}

async function runEach(db: pg.Client, statements: readonly string[]): Promise<void> {
  for (const sql of statements) await db.query(sql);
}

async function serverVersion(db: pg.Client): Promise<string> {
  const { rows } = await db.query<{ version: string }>(`select current_setting('server_version') as version`);
  return rows[0]?.version ?? '?';
}

interface WindowTraffic {
  load: LoadOnServer;
  startSeconds: number;
}

async function startWindowTraffic(prepared: PreparedWindowLoad, fresh: RunningDatabase, options: UpgradeOptions): Promise<WindowTraffic> {
  const started = performance.now();
  options.onProgress?.(`upgrade: starting the app on the new server for ${prepared.scenario.name}`);
  const load = await startLoadOn(prepared, fresh, TARGET_DATABASE, options.signal ?? new AbortController().signal, (line) => options.onProgress?.(line));
  return { load, startSeconds: (performance.now() - started) / 1000 };
}

/** One phase of the load; for the first, which tables autovacuum analyzed meanwhile (they left the window early). */
async function timedLoad(traffic: WindowTraffic, phase: string, db: pg.Client) {
  const started = performance.now();
  const pages = await traffic.load.drive(phase);
  const seconds = (performance.now() - started) / 1000;
  const { rows } = await db.query<{ name: string }>(`select relname as name from pg_stat_user_tables where last_autoanalyze is not null order by relname`);
  return { pages, seconds, autoAnalyzed: rows.map((row) => row.name) };
}

function explainOn(server: RunningDatabase, queries: readonly string[]): Promise<ExplainResult[]> {
  if (queries.length === 0) return Promise.resolve([]);
  return explainStatements({ ...server.connection, database: TARGET_DATABASE }, queries);
}

function windowPlan(query: string, without: ExplainResult | undefined, after: ExplainResult | undefined): WindowPlan {
  const error = without?.error ?? after?.error ?? null;
  return { query, changes: describePlanChanges(after?.plan?.summary, without?.plan?.summary), error };
}
