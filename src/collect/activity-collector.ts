import type { ActivitySample, RunRecord } from '../run/run-record-schema.ts';
import { startActivitySampler } from './activity-sampler.ts';
import type { Collector } from './collector.ts';
import type { IntervalSampler } from './interval-sampler.ts';

/** pg_stat_activity of the run's database, every interval, into `activity`. */
export function activityCollector(): Collector<Pick<RunRecord, 'activity'>> {
  let sampler: IntervalSampler<ActivitySample> | undefined;
  let intervalMs = 0;
  return {
    name: 'activity',
    async start(context) {
      intervalMs = context.intervalMs;
      sampler = startActivitySampler({ db: context.admin, database: context.database, intervalMs });
    },
    async end({ final }) {
      if (!sampler) return { activity: { intervalMs, samples: [], failures: { count: 0, last: null } } };
      const samples = await sampler.stop({ final });
      return { activity: { intervalMs, samples, failures: sampler.failures } };
    },
  };
}
