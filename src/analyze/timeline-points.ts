import type { ActivitySample, RunRecord } from '../run/run-record-schema.ts';
import type { TimelinePoint } from './analysis.ts';
import { poolReadings } from './pool-gauges.ts';

interface SecondOfActivity {
  active: number;
  waiting: number;
  waitsByType: Record<string, number>;
  idleInTransaction: number;
}

function waitsByType(sample: ActivitySample): Record<string, number> {
  const byType: Record<string, number> = {};
  for (const [event, count] of Object.entries(sample.waitEvents)) {
    const type = event.split(':')[0]!;
    byType[type] = (byType[type] ?? 0) + count;
  }
  return byType;
}

function activityBySecond(run: RunRecord, start: number): Map<number, SecondOfActivity> {
  const seconds = new Map<number, SecondOfActivity>();
  for (const sample of run.activity.samples) {
    const second = Math.floor((sample.time - start) / 1000);
    const types = waitsByType(sample);
    const seen = seconds.get(second);
    if (!seen) {
      seconds.set(second, { active: sample.active, waiting: sample.waiting, waitsByType: types, idleInTransaction: sample.idleInTransaction });
      continue;
    }
    for (const [type, count] of Object.entries(types)) seen.waitsByType[type] = Math.max(seen.waitsByType[type] ?? 0, count);
    seen.idleInTransaction = Math.max(seen.idleInTransaction, sample.idleInTransaction);
  }
  return seconds;
}

function poolWaitingBySecond(run: RunRecord, start: number): Map<number, number> {
  const seconds = new Map<number, number>();
  for (const reading of poolReadings(run).readings) {
    if (reading.waiting === null) continue;
    const second = Math.floor((reading.time - start) / 1000);
    seconds.set(second, Math.max(seconds.get(second) ?? 0, reading.waiting));
  }
  return seconds;
}

/** The cache server's commands and CPU per second of the load (the sample that closes each second). */
function cacheBySecond(run: RunRecord, start: number): Map<number, { commands: number; cpuCores: number }> {
  const seconds = new Map<number, { commands: number; cpuCores: number }>();
  for (const sample of run.cacheServer?.samples ?? []) {
    const second = Math.floor((sample.time - start) / 1000);
    const commands = Object.values(sample.commands).reduce((sum, calls) => sum + calls, 0);
    const seen = seconds.get(second);
    seconds.set(second, { commands: (seen?.commands ?? 0) + commands, cpuCores: Math.max(seen?.cpuCores ?? 0, sample.cpuCores) });
  }
  return seconds;
}

/**
 * One run's timeline, second by second: requests, errors and each page's p95
 * from k6; the database's active and waiting connections from the first
 * pg_stat_activity sample in the second; sessions waiting by wait type, on
 * locks, and idle in transaction, and requests waiting for the app's pool,
 * each the most at once in the second (null where nothing was sampled); and
 * the cache server's commands and CPU, when one was watched.
 */
export function buildTimeline(run: RunRecord): { run: string; pages: string[]; points: TimelinePoint[] } {
  const pages = run.timeline.pages.map((entry) => entry.page);
  const start = run.timeline.all[0]?.time;
  if (start === undefined) return { run: run.id, pages, points: [] };
  const activity = activityBySecond(run, start);
  const pool = poolWaitingBySecond(run, start);
  const exposesPool = pool.size > 0;
  const cache = cacheBySecond(run, start);
  const watchesCache = cache.size > 0;
  const p95s = new Map(run.timeline.pages.map((entry) => [entry.page, new Map(entry.points.map((point) => [point.time, point]))]));
  const points = run.timeline.all.map((point): TimelinePoint => {
    const second = Math.round((point.time - start) / 1000);
    const sampled = activity.get(second);
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
      active: sampled?.active ?? null,
      waiting: sampled?.waiting ?? null,
      waitsByType: sampled?.waitsByType ?? null,
      lockWaiting: sampled ? (sampled.waitsByType.Lock ?? 0) : null,
      idleInTransaction: sampled?.idleInTransaction ?? null,
      poolWaiting: exposesPool ? (pool.get(second) ?? null) : null,
      ...(watchesCache ? { cacheCommands: cache.get(second)?.commands ?? null, cacheCpuCores: cache.get(second)?.cpuCores ?? null } : {}),
    };
  });
  return { run: run.id, pages, points };
}
