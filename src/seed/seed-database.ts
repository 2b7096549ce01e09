import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { throwIfAborted, whenAborted } from '../system/abort.ts';
import { CHUNK_ROWS, copyTable, type CopyChunk } from './copy-table.ts';
import { canRenderInThreads, RenderThread } from './render-thread.ts';
import { planDeferredDdl, type DeferredStatement } from './deferred-ddl.ts';
import { introspectSchema } from './introspect.ts';
import { describeLoadError } from './load-errors.ts';
import type { DataModel } from './model.ts';
import { planSeed, type SeedPlan } from './plan.ts';
import { quoteIdent, quoteLiteral, tableSql } from './quote.ts';
import { RowGenerator } from './row-generator.ts';
import { runInLanes } from './run-in-lanes.ts';
import type { SeedEvent, TableSeeded } from './seed-events.ts';

export interface SeedDatabaseOptions {
  /** Connection URL of the database to fill (already checked as safe to write). */
  url: string;
  model: DataModel;
  scale: number;
  seed: number;
  /** Concurrent COPY and index-build connections (default: half the cores, at least 2). */
  lanes?: number;
  signal?: AbortSignal;
  onEvent?: (event: SeedEvent) => void;
  /**
   * Render rows in worker threads, one per lane. Default: only with at least
   * two cores per lane (each lane's Postgres backend needs one); with fewer,
   * rendering in this thread measured faster. Plans with `custom` functions
   * always render here.
   */
  workers?: boolean;
  /** Load each table from a COPY text file instead of generating it (the benchmark's baseline). */
  rowFile?: (table: string) => string;
}

export interface DatabaseSeeded {
  tables: TableSeeded[];
  totalRows: number;
  seconds: number;
  checksum: string;
  warnings: string[];
  /** Wall-clock seconds of the COPY phase and of everything rebuilt after it. */
  phases: { copy: number; keysIndexesForeignKeysAnalyze: number };
}

/**
 * Fills one database in place: drop keys, indexes and foreign keys, COPY
 * every table (largest first, `lanes` at a time), rebuild keys and indexes,
 * then foreign keys, move sequences past the seeded keys, ANALYZE.
 */
export async function seedDatabase(options: SeedDatabaseOptions): Promise<DatabaseSeeded> {
  const started = performance.now();
  const lanes = options.lanes ?? Math.max(2, Math.floor(os.availableParallelism() / 2));
  // Named, so Ctrl-C can cancel exactly this seed's statements (a COPY, an index build, a TRUNCATE waiting on a lock).
  const applicationName = `rehearse-seed-${process.pid}-${randomBytes(4).toString('hex')}`;
  // The data is rebuilt from scratch if lost, so commits need not wait for the WAL flush.
  const pool = new pg.Pool({ connectionString: options.url, max: lanes + 1, application_name: applicationName, options: '-c synchronous_commit=off -c statement_timeout=0' });
  pool.on('error', () => undefined);
  const stopCancelling = whenAborted(options.signal, () => void cancelStatements(options.url, applicationName));
  let workers: RenderThread[] = [];
  try {
    const snapshot = await introspectSchema(pool, options.model.schema ?? 'public');
    const plan = await planSeed(snapshot, options.model, { scale: options.scale, seed: options.seed });
    options.onEvent?.({ kind: 'plan', tables: plan.tables.map((t) => ({ name: t.name, rows: t.rows })), warnings: plan.warnings });
    const generator = new RowGenerator(plan, options.seed);
    const seeded = new Set(plan.tables.map((t) => t.name));
    const ddl = planDeferredDdl(snapshot, seeded, new Set([...seeded, ...plan.emptied]));

    options.onEvent?.({ kind: 'phase', phase: 'drop-constraints' });
    const infoOf = new Map(snapshot.tables.map((t) => [t.name, t]));
    await inTransaction(pool, [...ddl.drops, ...plan.emptied.map((t) => `truncate ${tableSql(infoOf.get(t)!)}`)], options.signal);
    throwIfAborted(options.signal);

    const bySize = [...plan.tables].sort((a, b) => b.rows - a.rows);
    const useWorkers = (options.workers ?? os.availableParallelism() >= 2 * lanes) && !options.rowFile && canRenderInThreads(plan);
    workers = useWorkers ? Array.from({ length: Math.min(lanes, bySize.length) }, () => new RenderThread(plan, options.seed)) : [];
    const copyStarted = performance.now();
    const loaded = await runInLanes(bySize, lanes, async (table, lane) => {
      const client = await pool.connect();
      try {
        const result = await copyTable(client, generator.table(table.name), {
          info: table.info,
          ...rowSource(table.name, table.rows, workers[lane], options),
          signal: options.signal,
          onProgress: (p) => options.onEvent?.({ kind: 'copy-progress', ...p }),
        });
        options.onEvent?.({ kind: 'copy-done', table: table.name, rows: result.rows, seconds: result.seconds });
        client.release();
        return result;
      } catch (error) {
        client.release(true);
        throw describeLoadError(error, { kind: 'copy', table: table.name }, options.signal);
      }
    });
    const copySeconds = (performance.now() - copyStarted) / 1000;

    // Built after the whole load, not table by table as each finishes: on a
    // machine where generation and Postgres already share every core,
    // overlapping the builds with the load measured slower.
    const rowsOf = new Map(plan.tables.map((t) => [t.name, t.rows]));
    const buildStarted = performance.now();
    options.onEvent?.({ kind: 'phase', phase: 'keys-and-indexes' });
    await runStatements(pool, ddl.keysAndIndexes, rowsOf, lanes, options);
    options.onEvent?.({ kind: 'phase', phase: 'foreign-keys' });
    await runStatements(pool, ddl.foreignKeys, rowsOf, lanes, options);
    await advanceSequences(pool, plan);
    options.onEvent?.({ kind: 'phase', phase: 'analyze' });
    await runInLanes(bySize, lanes, (table) => pool.query(`analyze ${tableSql(table.info)}`));
    throwIfAborted(options.signal);
    const buildSeconds = (performance.now() - buildStarted) / 1000;

    const tables = plan.tables.map((t) => {
      const result = loaded.find((l) => l.table === t.name)!;
      return { name: t.name, rows: result.rows, seconds: round(result.seconds) };
    });
    const checksum = combineChecksums([...loaded.map((l) => [l.table, l.digest] as const), ...plan.emptied.map((t) => [t, 'empty'] as const)]);
    return {
      tables,
      totalRows: tables.reduce((sum, t) => sum + t.rows, 0),
      seconds: round((performance.now() - started) / 1000),
      checksum,
      warnings: plan.warnings,
      phases: { copy: round(copySeconds), keysIndexesForeignKeysAnalyze: round(buildSeconds) },
    };
  } catch (error) {
    throw describeLoadError(error, { kind: 'prepare' }, options.signal);
  } finally {
    stopCancelling();
    await Promise.all(workers.map((worker) => worker.stop()));
    await pool.end().catch(() => undefined);
  }
}

/** Cancels whatever this seed's connections are running, from a connection of its own. */
async function cancelStatements(url: string, applicationName: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select pg_cancel_backend(pid) from pg_stat_activity where application_name = $1 and pid <> pg_backend_pid()', [applicationName]);
  } catch {
    // The server may be going away too; its sessions go with it.
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Where a table's COPY bytes come from: a benchmark file, a worker thread, or (undefined) this thread. */
function rowSource(table: string, rows: number, worker: RenderThread | undefined, options: SeedDatabaseOptions): { source?: AsyncIterable<CopyChunk> } {
  if (options.rowFile) return { source: fileChunks(options.rowFile(table)) };
  if (worker) return { source: worker.chunks(table, rows, CHUNK_ROWS) };
  return {};
}

async function* fileChunks(file: string): AsyncGenerator<CopyChunk> {
  for await (const bytes of createReadStream(file, { highWaterMark: 256 * 1024 })) yield { bytes: bytes as Buffer, rows: 0 };
}

/** One checksum (SHA-256) over all tables' digests, independent of the order they finished in. */
export function combineChecksums(tables: readonly (readonly [string, string])[]): string {
  const hash = createHash('sha256');
  for (const [name, sha] of [...tables].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) hash.update(`${name}:${sha}\n`);
  return hash.digest('hex');
}

async function inTransaction(pool: pg.Pool, statements: string[], signal: AbortSignal | undefined): Promise<void> {
  throwIfAborted(signal);
  if (statements.length === 0) return;
  const client = await pool.connect();
  try {
    await client.query('begin');
    for (const sql of statements) await client.query(sql);
    await client.query('commit');
    client.release();
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    client.release(true);
    throw error;
  }
}

/** Largest tables first, so the last statements to run are the short ones. */
async function runStatements(pool: pg.Pool, statements: DeferredStatement[], rowsOf: Map<string, number>, lanes: number, options: SeedDatabaseOptions) {
  const ordered = [...statements].sort((a, b) => (rowsOf.get(b.table) ?? 0) - (rowsOf.get(a.table) ?? 0));
  let done = 0;
  await runInLanes(ordered, lanes, async (statement) => {
    throwIfAborted(options.signal);
    await pool.query(statement.sql).catch((error: unknown) => {
      throw describeLoadError(error, { kind: 'rebuild', table: statement.table, name: statement.name }, options.signal);
    });
    options.onEvent?.({ kind: 'ddl-done', name: statement.name, done: ++done, total: ordered.length });
  });
}

/** Next values past the seeded keys (by the sequence's own increment), so the app's inserts do not collide. */
async function advanceSequences(pool: pg.Pool, plan: SeedPlan): Promise<void> {
  for (const table of plan.tables) {
    for (const { column, sequence, increment } of table.info.sequences) {
      const last = increment < 0 ? 'min' : 'max';
      await pool.query(
        `select setval(${quoteLiteral(sequence)}::regclass, coalesce((select ${last}(${quoteIdent(column)}) from ${tableSql(table.info)}) + ${increment}, (select seqstart from pg_sequence where seqrelid = ${quoteLiteral(sequence)}::regclass)), false)`,
      );
    }
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
