import type { MetricsSample, PoolMetricNames, RunRecord } from '../run/run-record-schema.ts';

/** The app's connection-pool gauges, by metric name (labels dropped); null where the app exposes none. */
export interface PoolGauges {
  waiting: string | null;
  inUse: string | null;
  size: string | null;
  /** A counter of the seconds spent acquiring connections (`…pool…wait…seconds_total`, HikariCP's `…acquire_seconds_sum`). */
  waitSeconds: string | null;
}

/** One scrape of the pool gauges; null for a gauge the app does not expose or the scrape lacked. */
export interface PoolReading {
  time: number;
  waiting: number | null;
  inUse: number | null;
  size: number | null;
  /** The wait-seconds counter's value (summed over label sets). */
  waitSeconds: number | null;
}

const POOLISH = /pool|hikari/;
const NOT_A_GAUGE = /(_total|_bucket|_sum|_count|_created|_seconds|_ms|_milliseconds|_duration|_time)$/;
const ROLES: Array<[keyof PoolGauges, RegExp]> = [
  ['waiting', /(^|_)(wait|waiting|waiters|pending|queue|queued|queue_size|waiting_count)(_|$)/],
  ['inUse', /(^|_)(in_use|inuse|busy|active|used|checked_out|borrowed|leased)(_|$)/],
  ['size', /(^|_)(size|max|limit|capacity|max_size|maximum)(_|$)/],
];

/** `portal_db_pool_waiting{pool="main"}` → `portal_db_pool_waiting`. */
export function metricName(key: string): string {
  const brace = key.indexOf('{');
  return brace < 0 ? key : key.slice(0, brace);
}

const WAIT_SECONDS_COUNTER = /(^|_)(wait|waiting|acquire|acquisition)(_.*)?_seconds_(total|sum)$/;

function roleOf(name: string): keyof PoolGauges | null {
  const lower = name.toLowerCase();
  if (!POOLISH.test(lower)) return null;
  if (WAIT_SECONDS_COUNTER.test(lower)) return 'waitSeconds';
  if (NOT_A_GAUGE.test(lower)) return null;
  return ROLES.find(([, pattern]) => pattern.test(lower))?.[0] ?? null;
}

/**
 * Which of the app's metrics are its connection pool's gauges, from their
 * names: a name about a pool (or HikariCP) that says wait/pending/queue is
 * requests waiting for a connection, in_use/busy/active/used is connections
 * checked out, size/max is the most it may open. Counters, histograms and
 * durations are never gauges of a count, except one: a counter of seconds
 * spent waiting for or acquiring a connection (`…pool…wait…_seconds_total`,
 * or a histogram's `_sum` such as HikariCP's
 * `hikaricp_connections_acquire_seconds_sum`), which counts every wait where
 * a gauge scraped each second misses those of milliseconds. The config's
 * `app.poolMetrics` names them when the names do not say; among several
 * candidates the shortest name wins (`pool_waiting` over `pool_waiting_peak`).
 *
 * @example
 * recognisePoolGauges(['portal_db_pool_waiting', 'portal_db_pool_size', 'portal_db_pool_wait_seconds_total']);
 * // { waiting: 'portal_db_pool_waiting', inUse: null, size: 'portal_db_pool_size', waitSeconds: 'portal_db_pool_wait_seconds_total' }
 */
export function recognisePoolGauges(keys: Iterable<string>, override: PoolMetricNames = {}): PoolGauges {
  const names = [...new Set([...keys].map(metricName))].sort((a, b) => a.length - b.length || a.localeCompare(b));
  const found: PoolGauges = { waiting: null, inUse: null, size: null, waitSeconds: null };
  for (const name of names) {
    const role = roleOf(name);
    if (role && found[role] === null) found[role] = name;
  }
  return {
    waiting: override.waiting ? metricName(override.waiting) : found.waiting,
    inUse: override.inUse ? metricName(override.inUse) : found.inUse,
    size: override.size ? metricName(override.size) : found.size,
    waitSeconds: override.waitSeconds ? metricName(override.waitSeconds) : found.waitSeconds,
  };
}

/** A gauge's value in one scrape: the sum over its label sets (one pool per label set), null when absent. */
function gaugeValue(sample: MetricsSample, name: string | null): number | null {
  if (name === null) return null;
  let total: number | null = null;
  for (const [key, value] of Object.entries(sample.values)) {
    if (metricName(key) === name && Number.isFinite(value)) total = (total ?? 0) + value;
  }
  return total;
}

/** The pool gauges of one run, scrape by scrape; empty when the app exposes no metrics or no pool metric. */
export function poolReadings(run: RunRecord): { gauges: PoolGauges; intervalMs: number; readings: PoolReading[] } {
  const metrics = run.appMetrics;
  const none = { gauges: { waiting: null, inUse: null, size: null, waitSeconds: null }, intervalMs: 0, readings: [] };
  if (!metrics || metrics.samples.length === 0) return none;
  const gauges = recognisePoolGauges(
    metrics.samples.flatMap((sample) => Object.keys(sample.values)),
    metrics.poolMetrics,
  );
  if (gauges.waiting === null && gauges.inUse === null && gauges.waitSeconds === null) return { ...none, gauges };
  return {
    gauges,
    intervalMs: metrics.intervalMs,
    readings: metrics.samples.map((sample) => ({ time: sample.time, waiting: gaugeValue(sample, gauges.waiting), inUse: gaugeValue(sample, gauges.inUse), size: gaugeValue(sample, gauges.size), waitSeconds: gaugeValue(sample, gauges.waitSeconds) })),
  };
}

/**
 * How much a counter grew over the readings, as Prometheus' increase():
 * a drop is a restart, after which the counter counts from zero.
 */
export function counterIncrease(values: readonly number[]): number {
  let total = 0;
  for (let index = 1; index < values.length; index += 1) {
    const delta = values[index]! - values[index - 1]!;
    total += delta >= 0 ? delta : values[index]!;
  }
  return total;
}
