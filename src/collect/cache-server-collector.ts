import { connectCacheServer, INFO_REQUEST_BYTES, type CacheServerConnection, type InfoReading } from '../cache-server/cache-server-connection.ts';
import { cacheActivityBetween } from '../cache-server/redis-info.ts';
import type { CacheSample, RunRecord } from '../run/run-record-schema.ts';
import type { Collector } from './collector.ts';
import { startIntervalSampler, type IntervalSampler } from './interval-sampler.ts';

/** The cache server the run uses, as a collector sees it. */
export interface CacheServerTarget {
  url: string;
  source: 'started' | 'url';
}

/**
 * The cache server every interval of the load, into `cacheServer`: commands
 * by type, hits and misses, bytes in and out (INFO deltas over the
 * interval), memory and connected clients at its end, and the server's CPU
 * as cores busy (INFO cpu, so a Redis rehearse did not start is measured
 * too). Its own connection is left out of the clients.
 */
export function cacheServerCollector(target: CacheServerTarget): Collector<Pick<RunRecord, 'cacheServer'>> {
  let connection: CacheServerConnection | undefined;
  let sampler: IntervalSampler<CacheSample | undefined> | undefined;
  let intervalMs = 0;
  return {
    name: 'cache server',
    async start(context) {
      intervalMs = context.intervalMs;
      connection = await connectCacheServer(target.url);
      const connected = connection;
      let previous: { time: number; reading: InfoReading } | undefined;
      sampler = startIntervalSampler(async () => {
        const now = { time: Date.now(), reading: await connected.readInfo() };
        const sample = previous && sampleBetween(previous, now);
        previous = now;
        return sample;
      }, { intervalMs });
    },
    async end({ final }) {
      try {
        const samples = sampler ? (await sampler.stop({ final })).filter((sample): sample is CacheSample => sample !== undefined) : [];
        return { cacheServer: { source: target.source, notMeasured: null, intervalMs, samples, failures: sampler?.failures ?? { count: 0, last: null } } };
      } finally {
        connection?.close();
      }
    },
  };
}

/** The interval between two readings; the bytes of rehearse's own INFO (this reading's request, the previous one's reply) left out. */
function sampleBetween(before: { time: number; reading: InfoReading }, after: { time: number; reading: InfoReading }): CacheSample | undefined {
  const wallMs = after.time - before.time;
  if (wallMs <= 0) return undefined;
  const { info } = after.reading;
  const activity = cacheActivityBetween(before.reading.info, info);
  return {
    time: after.time,
    ...activity,
    inputBytes: Math.max(0, activity.inputBytes - INFO_REQUEST_BYTES),
    outputBytes: Math.max(0, activity.outputBytes - before.reading.replyBytes),
    usedMemoryBytes: info.usedMemoryBytes,
    connectedClients: Math.max(0, info.connectedClients - 1),
    cpuCores: Math.max(0, info.cpuSeconds - before.reading.info.cpuSeconds) / (wallMs / 1000),
  };
}
