import { findRedisServer, REDIS_INSTALL_HINT, startRedisServer } from '../cache-server/start-redis.ts';
import type { CacheServerTarget } from '../collect/cache-server-collector.ts';
import type { CacheServerSection } from './run-record-schema.ts';
import type { RunInProgress } from './setup-stages.ts';

/** The cache server of a run: one to use and watch, or why there is none to watch. */
export type CacheServerUse = { target: CacheServerTarget & { pid?: number } } | { notMeasured: string };

export const CACHE_SERVER_STAGE = 'cache server';

/** What the record says of a cache server that was configured but not measured. */
export function unmeasuredCacheServer(reason: string): CacheServerSection {
  return { source: null, notMeasured: reason, intervalMs: 0, samples: [], failures: { count: 0, last: null } };
}

/**
 * The `cache server` stage, run only when the config has `services.redis`:
 * the user's Redis as it is (its password kept out of every file), or a
 * redis-server rehearse starts and stops with the run. Without a
 * redis-server on the machine the run goes on without one: the app gets no
 * REDIS_URL (the fixture keeps its in-process cache) and the report says the
 * cache server was not measured.
 */
export async function useCacheServer(run: RunInProgress): Promise<CacheServerUse> {
  const redis = run.options.loaded.config.services?.redis;
  if (!redis) throw new Error('useCacheServer needs services.redis');
  if ('url' in redis) {
    const password = decodeURIComponent(new URL(redis.url).password);
    if (password) run.secrets.push(password);
    return { target: { url: redis.url, source: 'url' } };
  }
  const binary = await findRedisServer();
  if (!binary) return { notMeasured: `cache server not measured: redis-server is not installed (${REDIS_INSTALL_HINT})` };
  const server = await startRedisServer({ binary, signal: run.options.signal });
  run.cleanups.push(() => server.stop());
  run.options.log(`  redis-server at ${server.url}`);
  return { target: { url: server.url, source: 'started', ...(server.pid ? { pid: server.pid } : {}) } };
}
