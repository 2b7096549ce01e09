import type { Queryable } from '../db/queryable.ts';
import { InfrastructureError } from '../errors.ts';

/** One pg_stat_statements entry, counters as numbers. */
export interface StatementCounters {
  userId: string;
  /** For looking the entry up on this server only: it differs across major versions and (before 18) relation OIDs. */
  queryId: string;
  toplevel: boolean;
  query: string;
  calls: number;
  totalMs: number;
  meanMs: number;
  stddevMs: number;
  minMs: number;
  maxMs: number;
  rows: number;
  sharedBlocksHit: number;
  sharedBlocksRead: number;
  tempBlocksRead: number;
  tempBlocksWritten: number;
}

/** pg_stat_statements for one database at one moment. */
export interface StatementSnapshot {
  database: string;
  /** unix epoch milliseconds */
  takenAt: number;
  /** pg_stat_statements_info.dealloc: entries evicted for lack of room, server-wide and cumulative. */
  deallocations: number;
  entries: StatementCounters[];
}

/**
 * Inside every statement rehearse itself runs in the run's database (the
 * activity sampler connects there to name tables), so they are left out of
 * the app's statements. Inside, not in front: pg_stat_statements keeps the
 * statement's own text, comments within it included, but not a comment
 * before it.
 */
export const OBSERVER_MARK = '/* rehearse observer */';

// Marked itself, so that reading a database's statements through a connection to that very database
// (rehearse collect --db-url) leaves the reading out of what it reads next time.
const SNAPSHOT_SQL = `
select ${OBSERVER_MARK} s.userid::text as "userId", s.queryid::text as "queryId", s.toplevel, s.query,
       s.calls::float8 as calls, s.total_exec_time as "totalMs", s.mean_exec_time as "meanMs",
       s.stddev_exec_time as "stddevMs", s.min_exec_time as "minMs", s.max_exec_time as "maxMs",
       s.rows::float8 as rows, s.shared_blks_hit::float8 as "sharedBlocksHit",
       s.shared_blks_read::float8 as "sharedBlocksRead", s.temp_blks_read::float8 as "tempBlocksRead",
       s.temp_blks_written::float8 as "tempBlocksWritten"
  from pg_stat_statements s
  join pg_database d on d.oid = s.dbid
 where d.datname = $1 and s.calls > 0 and strpos(s.query, $2) = 0`;

/**
 * Empties pg_stat_statements for `database` only (other databases on the
 * server keep theirs) and returns the empty snapshot to diff against.
 * `db` is any connection to the server, e.g. RunningDatabase.admin.
 *
 * @example
 * const before = await resetStatementStats(database.admin, 'rehearse_run_1');
 * // … run the load …
 * const delta = diffStatementSnapshots(before, await snapshotStatementStats(database.admin, 'rehearse_run_1'));
 */
export async function resetStatementStats(db: Queryable, database: string): Promise<StatementSnapshot> {
  const { rowCount } = await guard(database, () =>
    db.query(`select pg_stat_statements_reset(0::oid, d.oid, 0::bigint) from pg_database d where d.datname = $1`, [database]),
  );
  if (rowCount === 0) throw new InfrastructureError(`cannot reset pg_stat_statements for ${database}: there is no such database on the server`);
  return { database, takenAt: Date.now(), deallocations: await readDeallocations(db, database), entries: [] };
}

/** The current pg_stat_statements entries of `database`. */
export async function snapshotStatementStats(db: Queryable, database: string): Promise<StatementSnapshot> {
  const takenAt = Date.now();
  const { rows } = await guard(database, () => db.query<StatementCounters>(SNAPSHOT_SQL, [database, OBSERVER_MARK]));
  return { database, takenAt, deallocations: await readDeallocations(db, database), entries: rows };
}

async function readDeallocations(db: Queryable, database: string): Promise<number> {
  const { rows } = await guard(database, () => db.query<{ dealloc: number }>(`select ${OBSERVER_MARK} dealloc::float8 as dealloc from pg_stat_statements_info`));
  return rows[0]?.dealloc ?? 0;
}

async function guard<T>(database: string, query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    const message = (error as Error).message;
    if (!/pg_stat_statements/.test(message)) throw error;
    throw new InfrastructureError(
      `pg_stat_statements is not usable for ${database}: ${message}. Add pg_stat_statements to shared_preload_libraries and run "create extension pg_stat_statements" in the database rehearse connects to.`,
    );
  }
}

/**
 * What happened between two snapshots of the same database: entries whose
 * calls grew, with counters subtracted. Mean and standard deviation of the
 * interval are derived from the two cumulative ones (sums of squares); min and
 * max cannot be, and are the later snapshot's. An entry evicted and created
 * again in between (fewer calls than before) counts whole.
 */
export function diffStatementSnapshots(before: StatementSnapshot, after: StatementSnapshot): StatementSnapshot {
  const earlier = new Map(before.entries.map((entry) => [entryKey(entry), entry]));
  const entries: StatementCounters[] = [];
  for (const entry of after.entries) {
    const previous = earlier.get(entryKey(entry));
    if (!previous || previous.calls > entry.calls) entries.push(entry);
    else if (entry.calls > previous.calls) entries.push(subtract(entry, previous));
  }
  return { ...after, deallocations: Math.max(0, after.deallocations - before.deallocations), entries };
}

function entryKey(entry: StatementCounters): string {
  return `${entry.userId}/${entry.queryId}/${entry.toplevel}`;
}

function subtract(after: StatementCounters, before: StatementCounters): StatementCounters {
  const calls = after.calls - before.calls;
  const totalMs = Math.max(0, after.totalMs - before.totalMs);
  const meanMs = totalMs / calls;
  const squares = Math.max(0, sumOfSquares(after) - sumOfSquares(before));
  return {
    ...after,
    calls,
    totalMs,
    meanMs,
    stddevMs: Math.sqrt(Math.max(0, squares / calls - meanMs * meanMs)),
    rows: after.rows - before.rows,
    sharedBlocksHit: after.sharedBlocksHit - before.sharedBlocksHit,
    sharedBlocksRead: after.sharedBlocksRead - before.sharedBlocksRead,
    tempBlocksRead: after.tempBlocksRead - before.tempBlocksRead,
    tempBlocksWritten: after.tempBlocksWritten - before.tempBlocksWritten,
  };
}

/** Σx² from pg_stat_statements' population standard deviation: n·(σ² + μ²). */
export function sumOfSquares(entry: Pick<StatementCounters, 'calls' | 'meanMs' | 'stddevMs'>): number {
  return entry.calls * (entry.stddevMs * entry.stddevMs + entry.meanMs * entry.meanMs);
}
