import type { RunRecord } from '../run/run-record-schema.ts';
import type { TimelinePoint } from './analysis.ts';

/**
 * One run's timeline, second by second: requests, errors and each page's p95
 * from k6, with the database's active and waiting connections from the
 * nearest pg_stat_activity sample in the same second (null where the
 * sampler had none).
 */
export function buildTimeline(run: RunRecord): { run: string; pages: string[]; points: TimelinePoint[] } {
  const pages = run.timeline.pages.map((entry) => entry.page);
  const start = run.timeline.all[0]?.time;
  if (start === undefined) return { run: run.id, pages, points: [] };
  const activityBySecond = new Map<number, { active: number; waiting: number }>();
  for (const sample of run.activity.samples) {
    const second = Math.floor((sample.time - start) / 1000);
    if (!activityBySecond.has(second)) activityBySecond.set(second, { active: sample.active, waiting: sample.waiting });
  }
  const p95s = new Map(run.timeline.pages.map((entry) => [entry.page, new Map(entry.points.map((point) => [point.time, point]))]));
  const points = run.timeline.all.map((point): TimelinePoint => {
    const second = Math.round((point.time - start) / 1000);
    const activity = activityBySecond.get(second);
    return {
      second,
      requests: point.requests,
      errors: point.errors,
      p95ByPage: Object.fromEntries(
        pages.map((page) => {
          const entry = p95s.get(page)?.get(point.time);
          return [page, entry && entry.requests > 0 ? entry.p95 : null];
        }),
      ),
      active: activity?.active ?? null,
      waiting: activity?.waiting ?? null,
    };
  });
  return { run: run.id, pages, points };
}
