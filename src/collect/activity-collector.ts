import pg from 'pg';
import type { ActivitySample, RunRecord } from '../run/run-record-schema.ts';
import { startActivitySampler } from './activity-sampler.ts';
import type { Collector } from './collector.ts';
import type { IntervalSampler } from './interval-sampler.ts';

/**
 * Four samples a second: a 10-second run still gets 40, and a lock wait or a
 * transaction left open for a few hundred milliseconds is caught. One sample
 * is one statement of a few milliseconds at most (see docs/REPORTS.md).
 */
export const ACTIVITY_INTERVAL_MS = 250;

/**
 * pg_stat_activity of the run's database, every 250 ms, into `activity`.
 * It samples over a connection of its own to the run's database, so a lock
 * wait's table can be named (the sampler's own backend is not counted).
 */
export function activityCollector(): Collector<Pick<RunRecord, 'activity'>> {
  let sampler: IntervalSampler<ActivitySample> | undefined;
  let client: pg.Client | undefined;
  const intervalMs = ACTIVITY_INTERVAL_MS;
  return {
    name: 'activity',
    async start(context) {
      client = new pg.Client({ ...context.connection, application_name: 'rehearse activity sampler' });
      client.on('error', () => undefined);
      await client.connect();
      sampler = startActivitySampler({ db: client, database: context.database, intervalMs });
    },
    async end({ final }) {
      try {
        if (!sampler) return { activity: { intervalMs, samples: [], failures: { count: 0, last: null } } };
        const samples = await sampler.stop({ final });
        return { activity: { intervalMs, samples, failures: sampler.failures } };
      } finally {
        await client?.end().catch(() => undefined);
      }
    },
  };
}
