import type { Queryable } from '../db/queryable.ts';
import type { MigrationLock } from './release-event-schema.ts';

/** Whose locks a sample watches: the session rehearse runs migration SQL on, or the sessions a migrate command opened (by application_name). */
export type MigrationSessions = { pid: number } | { applicationName: string };

/** A session waiting on a lock, with the statement it waits to run (raw text: it may hold literals, so it never reaches the record as is). */
export interface LockWaiter {
  pid: number;
  waitingMs: number;
  blockedBy: number[];
  query: string | null;
  /** When its statement started (epoch ms): one request's statement, told apart from the next one on the same session. */
  queryStart: number | null;
}

/** What one ~100 ms look at pg_locks and pg_blocking_pids saw while a migration statement ran. */
export interface LockSample {
  time: number;
  /** The migration's sessions at that moment. */
  migrationPids: number[];
  /** The statement a migrate command's session was running (or last ran, inside its transaction); null when unknown. */
  migrationQuery: string | null;
  /** Table locks the migration's sessions held or waited for. */
  locks: { relation: string; mode: string; granted: boolean }[];
  /** Sessions of the run's database waiting on a lock, and whom they wait for. */
  blocked: LockWaiter[];
}

/** The migration's table locks (not the catalog's), and every session of the database that waits on a lock. */
export async function takeLockSample(db: Queryable, sessions: MigrationSessions): Promise<LockSample> {
  const time = Date.now();
  const migration = await migrationSessions(db, sessions);
  const locks =
    migration.pids.length === 0
      ? { rows: [] }
      : await db.query<{ relation: string; mode: string; granted: boolean }>(
          `select distinct c.relname as relation, l.mode, l.granted
             from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace
            where l.pid = any($1::int[]) and l.locktype = 'relation' and c.relkind in ('r', 'p', 'm')
              and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`,
          [migration.pids],
        );
  const blocked = await db.query<{ pid: number; waiting_ms: number; blocked_by: number[]; query: string | null; query_start: number | null }>(
    `select pid, coalesce(extract(epoch from clock_timestamp() - query_start) * 1000, 0)::float8 as waiting_ms, pg_blocking_pids(pid) as blocked_by,
            nullif(query, '') as query, (extract(epoch from query_start) * 1000)::float8 as query_start
       from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'`,
  );
  return {
    time,
    migrationPids: migration.pids,
    migrationQuery: migration.query,
    locks: locks.rows,
    blocked: blocked.rows.map((row) => ({
      pid: row.pid,
      waitingMs: Number(row.waiting_ms),
      blockedBy: row.blocked_by,
      query: row.query,
      queryStart: row.query_start === null ? null : Math.round(Number(row.query_start)),
    })),
  };
}

/**
 * A migrate command's sessions are the ones carrying the application_name
 * rehearse gave it (PGAPPNAME, which libpq, node-postgres, pgx and psql
 * honour); the statement is the active one's, else the one an open
 * transaction last ran (its locks are still held).
 */
async function migrationSessions(db: Queryable, sessions: MigrationSessions): Promise<{ pids: number[]; query: string | null }> {
  if ('pid' in sessions) return { pids: [sessions.pid], query: null };
  const { rows } = await db.query<{ pid: number; state: string | null; query: string | null }>(
    `select pid, state, nullif(query, '') as query from pg_stat_activity
      where datname = current_database() and application_name = $1 order by backend_start`,
    [sessions.applicationName],
  );
  const running = rows.find((row) => row.state === 'active' && row.query) ?? rows.find((row) => row.state?.startsWith('idle in transaction') && row.query);
  return { pids: rows.map((row) => row.pid), query: running?.query ?? null };
}

export interface LockSummary {
  locks: MigrationLock[];
  sessionsQueued: number;
  sessionsBlocked: number;
  longestWaitMs: number;
  /** The statements that waited behind the migration (raw text), each with how many distinct executions of it waited. */
  waiting: { query: string; requests: number }[];
}

/**
 * What a statement's lock samples add up to: each lock with how long it was
 * seen (first sighting to the statement's end while still held), and the
 * sessions queued behind the migration, directly or behind another waiter
 * that waits for it (Postgres queues a later lock request behind an earlier
 * conflicting one, so one ACCESS EXCLUSIVE waiter stalls every reader).
 * A waiter's statement counts once however many samples saw it waiting.
 */
export function summarizeLockSamples(samples: readonly LockSample[], endedAt: number): LockSummary {
  const seen = new Map<string, { relation: string; mode: string; granted: boolean; first: number; last: number }>();
  const blockedPids = new Set<number>();
  const waits = new Map<string, string>();
  let sessionsQueued = 0;
  let longestWaitMs = 0;
  samples.forEach((sample, position) => {
    const lastSample = position === samples.length - 1;
    for (const lock of sample.locks) {
      const key = `${lock.relation}\u0000${lock.mode}\u0000${lock.granted}`;
      const entry = seen.get(key) ?? { ...lock, first: sample.time, last: sample.time };
      entry.last = lastSample ? endedAt : sample.time;
      seen.set(key, entry);
    }
    const queued = behind(sample.migrationPids, sample.blocked);
    sessionsQueued = Math.max(sessionsQueued, queued.length);
    for (const waiter of queued) {
      blockedPids.add(waiter.pid);
      longestWaitMs = Math.max(longestWaitMs, waiter.waitingMs);
      if (waiter.query) waits.set(`${waiter.pid}:${waiter.queryStart ?? ''}`, waiter.query);
    }
  });
  const locks = [...seen.values()].map(({ relation, mode, granted, first, last }) => ({ relation, mode, granted, heldMs: Math.max(0, last - first) }));
  return { locks, sessionsQueued, sessionsBlocked: blockedPids.size, longestWaitMs: Math.round(longestWaitMs), waiting: countQueries(waits.values()) };
}

function countQueries(queries: Iterable<string>): { query: string; requests: number }[] {
  const counts = new Map<string, number>();
  for (const query of queries) counts.set(query, (counts.get(query) ?? 0) + 1);
  return [...counts].map(([query, requests]) => ({ query, requests }));
}

/** The waiters whose chain of blockers leads to one of `pids`. */
function behind(pids: readonly number[], blocked: readonly LockWaiter[]): LockWaiter[] {
  const queued = new Set<number>(pids);
  let grew = true;
  while (grew) {
    grew = false;
    for (const waiter of blocked) {
      if (queued.has(waiter.pid) || !waiter.blockedBy.some((blocker) => queued.has(blocker))) continue;
      queued.add(waiter.pid);
      grew = true;
    }
  }
  return blocked.filter((waiter) => !pids.includes(waiter.pid) && queued.has(waiter.pid));
}
