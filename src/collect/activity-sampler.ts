import type { Queryable } from '../db/queryable.ts';
import type { ActivitySample, ActivitySession } from '../run/run-record-schema.ts';
import { startIntervalSampler, type IntervalSampler } from './interval-sampler.ts';
import { fingerprintQuery, normalizeQuery } from './query-fingerprint.ts';
import { OBSERVER_MARK } from './statement-snapshot.ts';

export interface ActivitySamplerOptions {
  /**
   * A connection to the server; its own backend is never counted. Connected
   * to the run's database, it also names the table a lock wait is on
   * (`regclass` resolves only inside the database that holds the table).
   */
  db: Queryable;
  /** The database whose connections are sampled (the run's clone). */
  database: string;
  /** Default 1000. */
  intervalMs?: number;
  /** Statement text kept, in characters. Default 200. */
  queryLength?: number;
}

interface SessionRow {
  pid: number;
  state: string;
  waitEvent: string | null;
  query: string | null;
  stateMs: number | null;
  transactionMs: number | null;
  blockedBy: number[];
  lockRelation: string | null;
  writtenRelations: string[] | null;
}

interface ActivityRow {
  connections: number;
  active: number;
  idleInTransaction: number;
  waiting: number;
  waitEvents: Record<string, number>;
  longestRunningMs: number | null;
  longestRunningQuery: string | null;
  longestIdleInTransactionMs: number | null;
  sessions: SessionRow[];
}

// One statement per sample. pg_blocking_pids and pg_locks take the lock
// manager's partition locks, so both are read only when a session waits on
// a lock (the one-time filter on `locks` skips the scan otherwise). A
// transactionid wait names no table: the waiter's granted tuple lock does,
// else the table the blocker holds a row-level lock mode on. A session idle
// in transaction lists the tables it has written (RowExclusiveLock): rows it
// holds locked while it sits there.
const ACTIVITY_SQL = `
with ${OBSERVER_MARK} backends as (
  select pid, state, wait_event_type, wait_event, query, query_start, state_change, xact_start, clock_timestamp() as now
    from pg_stat_activity
   where datname = $1 and backend_type = 'client backend' and pid <> pg_backend_pid()
),
busy as (
  select b.*, case when b.wait_event_type = 'Lock' then pg_blocking_pids(b.pid) else '{}'::int[] end as blocked_by
    from backends b
   where b.state is not null and b.state <> 'idle'
),
locks as materialized (
  select l.pid, l.locktype, l.relation, l.mode, l.granted,
         case when l.database = (select oid from pg_database where datname = current_database()) then l.relation::regclass::text end as name
    from pg_locks l
   where l.relation is not null and exists (select 1 from busy where wait_event_type = 'Lock')
)
select count(*)::int as connections,
       (count(*) filter (where state = 'active'))::int as active,
       (count(*) filter (where state like 'idle in transaction%'))::int as "idleInTransaction",
       (count(*) filter (where state = 'active' and wait_event_type is not null))::int as waiting,
       coalesce((select json_object_agg(event, n) from (
          select wait_event_type || ':' || wait_event as event, count(*)::int as n
            from backends where state = 'active' and wait_event_type is not null group by 1) events), '{}') as "waitEvents",
       (select extract(epoch from now - query_start) * 1000 from backends where state = 'active' order by now - query_start desc nulls last limit 1) as "longestRunningMs",
       (select query from backends where state = 'active' order by now - query_start desc nulls last limit 1) as "longestRunningQuery",
       (select max(extract(epoch from now - state_change) * 1000) from backends where state like 'idle in transaction%') as "longestIdleInTransactionMs",
       coalesce((select json_agg(json_build_object(
          'pid', s.pid,
          'state', s.state,
          'waitEvent', case when s.wait_event_type is null then null else s.wait_event_type || ':' || s.wait_event end,
          'query', nullif(s.query, ''),
          'stateMs', extract(epoch from s.now - s.state_change) * 1000,
          'transactionMs', extract(epoch from s.now - s.xact_start) * 1000,
          'blockedBy', s.blocked_by,
          'lockRelation', case when s.wait_event_type = 'Lock' then coalesce(
             (select name from locks where pid = s.pid and not granted and name is not null limit 1),
             (select name from locks where pid = s.pid and granted and locktype = 'tuple' and name is not null limit 1),
             (select l.name from locks l join pg_class c on c.oid = l.relation
               where l.pid = any(s.blocked_by) and l.granted and l.locktype = 'relation' and l.name is not null
                 and l.mode in ('RowExclusiveLock', 'RowShareLock') and c.relkind in ('r', 'p') and c.relnamespace <> 'pg_catalog'::regnamespace
               order by l.mode = 'RowExclusiveLock' desc, l.name limit 1)) end,
          'writtenRelations', case when s.state like 'idle in transaction%' then coalesce((
             select json_agg(distinct l.relation::regclass::text) from pg_locks l join pg_class c on c.oid = l.relation
              where l.pid = s.pid and l.locktype = 'relation' and l.granted and l.mode = 'RowExclusiveLock' and c.relkind in ('r', 'p')
                and l.database = (select oid from pg_database where datname = current_database())), '[]') end
        ) order by s.pid) from busy s), '[]') as sessions
  from backends`;

const CACHE_LIMIT = 1000;

/** Normalizes and fingerprints statement text, remembering recent texts: the same statements recur every sample. */
function statementNamer(queryLength: number) {
  const cache = new Map<string, Promise<{ query: string; fingerprint: string }>>();
  return (raw: string): Promise<{ query: string; fingerprint: string }> => {
    const known = cache.get(raw);
    if (known) return known;
    if (cache.size >= CACHE_LIMIT) cache.clear();
    const named = Promise.all([normalizeQuery(raw), fingerprintQuery(raw)]).then(([query, { fingerprint }]) => ({ query: query.slice(0, queryLength), fingerprint }));
    cache.set(raw, named);
    return named;
  };
}

const milliseconds = (value: number | null) => (value === null ? null : Math.max(0, Number(value)));

/**
 * Samples pg_stat_activity for one database on a fixed interval: connections,
 * active, idle in transaction, waiting (active with a wait event: a lock, I/O,
 * an LWLock), a histogram of wait events, the longest-running statement, the
 * longest idle-in-transaction time, and every non-idle session with its wait
 * event, statement, time in state and in transaction, the sessions blocking
 * it and the table of its lock wait. Statement text has its constants
 * replaced by $n, so no value a user typed is recorded.
 *
 * @example
 * const activity = startActivitySampler({ db: runDatabaseClient, database: 'rehearse_run_1', intervalMs: 250 });
 * // … run the load …
 * const samples = await activity.stop();
 */
export function startActivitySampler(options: ActivitySamplerOptions): IntervalSampler<ActivitySample> {
  const queryLength = options.queryLength ?? 200;
  const name = statementNamer(queryLength);
  const session = async (row: SessionRow): Promise<ActivitySession> => {
    const named = row.query === null ? null : await name(row.query);
    return {
      pid: row.pid,
      state: row.state,
      waitEvent: row.waitEvent,
      query: named?.query ?? null,
      fingerprint: named?.fingerprint ?? null,
      stateMs: milliseconds(row.stateMs),
      transactionMs: milliseconds(row.transactionMs),
      blockedBy: row.blockedBy,
      lockRelation: row.lockRelation,
      ...(row.writtenRelations ? { writtenRelations: [...row.writtenRelations].sort() } : {}),
    };
  };
  return startIntervalSampler(
    async () => {
      const time = Date.now();
      const { rows } = await options.db.query<ActivityRow>(ACTIVITY_SQL, [options.database]);
      const row = rows[0];
      if (!row) throw new Error('pg_stat_activity returned no row');
      const query = row.longestRunningQuery === null ? null : (await name(row.longestRunningQuery)).query;
      return {
        time,
        connections: row.connections,
        active: row.active,
        idleInTransaction: row.idleInTransaction,
        waiting: row.waiting,
        waitEvents: row.waitEvents,
        longestRunningMs: milliseconds(row.longestRunningMs),
        longestRunningQuery: query,
        longestIdleInTransactionMs: milliseconds(row.longestIdleInTransactionMs),
        sessions: await Promise.all(row.sessions.map(session)),
      };
    },
    { intervalMs: options.intervalMs ?? 1000 },
  );
}
