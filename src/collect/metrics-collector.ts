import type { MetricsSample, PoolMetricNames, RunRecord } from '../run/run-record-schema.ts';
import type { Collector } from './collector.ts';
import type { IntervalSampler } from './interval-sampler.ts';
import { startMetricsScraper } from './metrics-scraper.ts';

/** The app's Prometheus metrics at `metricsPath`, every interval, into `appMetrics`, with the config's names of its pool gauges. */
export function metricsCollector(metricsPath: string, poolMetrics?: PoolMetricNames): Collector<Pick<RunRecord, 'appMetrics'>> {
  let scraper: IntervalSampler<MetricsSample> | undefined;
  let url = '';
  let intervalMs = 0;
  return {
    name: 'app metrics',
    async start(context) {
      url = `${context.baseUrl}${metricsPath}`;
      intervalMs = context.intervalMs;
      scraper = startMetricsScraper({ url, intervalMs });
    },
    async end({ final }) {
      if (!scraper) return { appMetrics: null };
      const samples = await scraper.stop({ final });
      return { appMetrics: { url, intervalMs, samples, failures: scraper.failures, ...(poolMetrics ? { poolMetrics } : {}) } };
    },
  };
}
