import type { Queryable } from '../db/queryable.ts';
import type { ActivitySample } from '../run/run-record-schema.ts';
import { startIntervalSampler, type IntervalSampler } from './interval-sampler.ts';
import { normalizeQuery } from './query-fingerprint.ts';

export interface ActivitySamplerOptions {
  /** Any connection to the server, e.g. RunningDatabase.admin; its own backend is never counted. */
  db: Queryable;
  /** The database whose connections are sampled (the run's clone). */
  database: string;
  /** Default 1000. */
  intervalMs?: number;
  /** Longest-running statement text kept, in characters. Default 200. */
  queryLength?: number;
}

interface ActivityRow {
  connections: number;
  active: number;
  idleInTransaction: number;
  waiting: number;
  waitEvents: Record<string, number>;
  longestRunningMs: number | null;
  longestRunningQuery: string | null;
}

const ACTIVITY_SQL = `
with backends as (
  select state, wait_event_type, wait_event, query, clock_timestamp() - query_start as running
    from pg_stat_activity
   where datname = $1 and backend_type = 'client backend' and pid <> pg_backend_pid()
)
select count(*)::int as connections,
       (count(*) filter (where state = 'active'))::int as active,
       (count(*) filter (where state like 'idle in transaction%'))::int as "idleInTransaction",
       (count(*) filter (where state = 'active' and wait_event_type is not null))::int as waiting,
       coalesce((select json_object_agg(event, n) from (
          select wait_event_type || ':' || wait_event as event, count(*)::int as n
            from backends where state = 'active' and wait_event_type is not null group by 1) events), '{}') as "waitEvents",
       (select extract(epoch from running) * 1000 from backends where state = 'active' order by running desc nulls last limit 1) as "longestRunningMs",
       (select query from backends where state = 'active' order by running desc nulls last limit 1) as "longestRunningQuery"
  from backends`;

/**
 * Samples pg_stat_activity for one database on a fixed interval: connections,
 * active, idle in transaction, waiting (active with a wait event: a lock, I/O,
 * an LWLock), a histogram of wait events, and the longest-running statement
 * with its constants replaced by $n so no value a user typed is recorded.
 *
 * @example
 * const activity = startActivitySampler({ db: database.admin, database: 'rehearse_run_1' });
 * // … run the load …
 * const samples = await activity.stop();
 */
export function startActivitySampler(options: ActivitySamplerOptions): IntervalSampler<ActivitySample> {
  const queryLength = options.queryLength ?? 200;
  return startIntervalSampler(
    async () => {
      const time = Date.now();
      const { rows } = await options.db.query<ActivityRow>(ACTIVITY_SQL, [options.database]);
      const row = rows[0];
      if (!row) throw new Error('pg_stat_activity returned no row');
      const query = row.longestRunningQuery === null ? null : (await normalizeQuery(row.longestRunningQuery)).slice(0, queryLength);
      return {
        time,
        connections: row.connections,
        active: row.active,
        idleInTransaction: row.idleInTransaction,
        waiting: row.waiting,
        waitEvents: row.waitEvents,
        longestRunningMs: row.longestRunningMs === null ? null : Math.max(0, Number(row.longestRunningMs)),
        longestRunningQuery: query,
      };
    },
    { intervalMs: options.intervalMs ?? 1000 },
  );
}
