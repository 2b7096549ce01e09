import type { Queryable } from '../db/queryable.ts';
import type { MigrationLock } from './release-event-schema.ts';

/** What one ~100 ms look at pg_locks and pg_blocking_pids saw while a migration statement ran. */
export interface LockSample {
  time: number;
  /** Table locks the migration's session held or waited for. */
  locks: { relation: string; mode: string; granted: boolean }[];
  /** Sessions of the run's database waiting on a lock, and whom they wait for. */
  blocked: { pid: number; waitingMs: number; blockedBy: number[] }[];
}

/** The migration's table locks (not the catalog's), and every session of the database that waits on a lock. */
export async function takeLockSample(db: Queryable, migrationPid: number): Promise<LockSample> {
  const time = Date.now();
  const locks = await db.query<{ relation: string; mode: string; granted: boolean }>(
    `select c.relname as relation, l.mode, l.granted
       from pg_locks l join pg_class c on c.oid = l.relation join pg_namespace n on n.oid = c.relnamespace
      where l.pid = $1 and l.locktype = 'relation' and c.relkind in ('r', 'p', 'm')
        and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg_toast%'`,
    [migrationPid],
  );
  const blocked = await db.query<{ pid: number; waiting_ms: number; blocked_by: number[] }>(
    `select pid, coalesce(extract(epoch from clock_timestamp() - query_start) * 1000, 0)::float8 as waiting_ms, pg_blocking_pids(pid) as blocked_by
       from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and wait_event_type = 'Lock'`,
  );
  return {
    time,
    locks: locks.rows,
    blocked: blocked.rows.map((row) => ({ pid: row.pid, waitingMs: Number(row.waiting_ms), blockedBy: row.blocked_by })),
  };
}

export interface LockSummary {
  locks: MigrationLock[];
  sessionsQueued: number;
  sessionsBlocked: number;
  longestWaitMs: number;
}

/**
 * What a statement's lock samples add up to: each lock with how long it was
 * seen (first sighting to the statement's end while still held), and the
 * sessions queued behind the migration, directly or behind another waiter
 * that waits for it (Postgres queues a later lock request behind an earlier
 * conflicting one, so one ACCESS EXCLUSIVE waiter stalls every reader).
 */
export function summarizeLockSamples(samples: readonly LockSample[], migrationPid: number, endedAt: number): LockSummary {
  const seen = new Map<string, { relation: string; mode: string; granted: boolean; first: number; last: number }>();
  const blockedPids = new Set<number>();
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
    const queued = behind(migrationPid, sample.blocked);
    sessionsQueued = Math.max(sessionsQueued, queued.length);
    for (const waiter of queued) {
      blockedPids.add(waiter.pid);
      longestWaitMs = Math.max(longestWaitMs, waiter.waitingMs);
    }
  });
  const locks = [...seen.values()].map(({ relation, mode, granted, first, last }) => ({ relation, mode, granted, heldMs: Math.max(0, last - first) }));
  return { locks, sessionsQueued, sessionsBlocked: blockedPids.size, longestWaitMs: Math.round(longestWaitMs) };
}

/** The waiters whose chain of blockers leads to `pid`. */
function behind(pid: number, blocked: LockSample['blocked']): LockSample['blocked'] {
  const queued = new Set<number>([pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const waiter of blocked) {
      if (queued.has(waiter.pid) || !waiter.blockedBy.some((blocker) => queued.has(blocker))) continue;
      queued.add(waiter.pid);
      grew = true;
    }
  }
  return blocked.filter((waiter) => waiter.pid !== pid && queued.has(waiter.pid));
}
