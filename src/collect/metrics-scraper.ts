import type { MetricsSample } from '../run/run-record-schema.ts';
import { startIntervalSampler, type IntervalSampler } from './interval-sampler.ts';
import { parsePrometheusText } from './prometheus-text.ts';

export interface MetricsScraperOptions {
  /** The app's metrics URL, e.g. `http://127.0.0.1:4123/metrics`. */
  url: string;
  /** Default 1000; use the activity sampler's, so both share one time axis. */
  intervalMs?: number;
  /** Per scrape. Default: the interval, at least 2 s (an app under load answers slowly; that is not a failure yet). */
  timeoutMs?: number;
  /** Which metric names to keep. Default: all counters and gauges. */
  include?: (name: string) => boolean;
  /** At most this many series per sample (the first ones in the exposition). Default 500. */
  maxSeries?: number;
}

/**
 * Scrapes an app's Prometheus /metrics on a fixed interval into counters and
 * gauges. A scrape that fails or answers non-2xx is counted in `failures`.
 *
 * @example
 * const metrics = startMetricsScraper({ url: `${baseUrl}/metrics` });
 * // … run the load …
 * const samples = await metrics.stop();
 */
export function startMetricsScraper(options: MetricsScraperOptions): IntervalSampler<MetricsSample> {
  const intervalMs = options.intervalMs ?? 1000;
  const maxSeries = options.maxSeries ?? 500;
  return startIntervalSampler(
    async () => {
      const time = Date.now();
      const response = await fetch(options.url, { signal: AbortSignal.timeout(options.timeoutMs ?? Math.max(intervalMs, 2000)) });
      if (!response.ok) throw new Error(`${options.url} answered ${response.status}`);
      const values = parsePrometheusText(await response.text(), options.include);
      return { time, values: Object.fromEntries(Object.entries(values).slice(0, maxSeries)) };
    },
    { intervalMs },
  );
}
