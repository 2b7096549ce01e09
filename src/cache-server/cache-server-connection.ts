import { createClient } from '@redis/client';
import { parseRedisInfo, type RedisInfo } from './redis-info.ts';

/** The slice of a Redis client rehearse uses to watch a cache server. */
export interface CacheServerConnection {
  /** One `INFO all` reading (one round trip for every section rehearse reads). */
  readInfo(): Promise<RedisInfo>;
  close(): void;
}

/** A connection of rehearse's own: no reconnect loop (a server gone is a failed sample), errors never thrown at the process. */
export async function connectCacheServer(url: string): Promise<CacheServerConnection> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
  client.on('error', () => undefined);
  await client.connect();
  return {
    readInfo: async () => parseRedisInfo(String(await client.info('all'))),
    close: () => client.destroy(),
  };
}
