import type { MetricsSample, PoolMetricNames, RunRecord } from '../run/run-record-schema.ts';

/** The app's connection-pool gauges, by metric name (labels dropped); null where the app exposes none. */
export interface PoolGauges {
  waiting: string | null;
  inUse: string | null;
  size: string | null;
}

/** One scrape of the pool gauges; null for a gauge the app does not expose or the scrape lacked. */
export interface PoolReading {
  time: number;
  waiting: number | null;
  inUse: number | null;
  size: number | null;
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

function roleOf(name: string): keyof PoolGauges | null {
  const lower = name.toLowerCase();
  if (!POOLISH.test(lower) || NOT_A_GAUGE.test(lower)) return null;
  return ROLES.find(([, pattern]) => pattern.test(lower))?.[0] ?? null;
}

/**
 * Which of the app's metrics are its connection pool's gauges, from their
 * names: a name about a pool (or HikariCP) that says wait/pending/queue is
 * requests waiting for a connection, in_use/busy/active/used is connections
 * checked out, size/max is the most it may open. Counters, histograms and
 * durations are never gauges of a count. The config's `app.poolMetrics`
 * names them when the names do not say; among several candidates the
 * shortest name wins (`pool_waiting` over `pool_waiting_peak`).
 *
 * @example
 * recognisePoolGauges(['portal_db_pool_waiting', 'portal_db_pool_size', 'hikaricp_connections_pending']);
 * // { waiting: 'hikaricp_connections_pending', inUse: null, size: 'portal_db_pool_size' }
 */
export function recognisePoolGauges(keys: Iterable<string>, override: PoolMetricNames = {}): PoolGauges {
  const names = [...new Set([...keys].map(metricName))].sort((a, b) => a.length - b.length || a.localeCompare(b));
  const found: PoolGauges = { waiting: null, inUse: null, size: null };
  for (const name of names) {
    const role = roleOf(name);
    if (role && found[role] === null) found[role] = name;
  }
  return {
    waiting: override.waiting ? metricName(override.waiting) : found.waiting,
    inUse: override.inUse ? metricName(override.inUse) : found.inUse,
    size: override.size ? metricName(override.size) : found.size,
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

/** The pool gauges of one run, scrape by scrape; empty when the app exposes no metrics or no pool gauge. */
export function poolReadings(run: RunRecord): { gauges: PoolGauges; intervalMs: number; readings: PoolReading[] } {
  const metrics = run.appMetrics;
  const none = { gauges: { waiting: null, inUse: null, size: null }, intervalMs: 0, readings: [] };
  if (!metrics || metrics.samples.length === 0) return none;
  const gauges = recognisePoolGauges(
    metrics.samples.flatMap((sample) => Object.keys(sample.values)),
    metrics.poolMetrics,
  );
  if (gauges.waiting === null && gauges.inUse === null) return { ...none, gauges };
  return {
    gauges,
    intervalMs: metrics.intervalMs,
    readings: metrics.samples.map((sample) => ({ time: sample.time, waiting: gaugeValue(sample, gauges.waiting), inUse: gaugeValue(sample, gauges.inUse), size: gaugeValue(sample, gauges.size) })),
  };
}
