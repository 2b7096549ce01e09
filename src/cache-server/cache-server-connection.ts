import { createClient } from '@redis/client';
import { parseRedisInfo, type RedisInfo } from './redis-info.ts';

/**
 * What one `INFO all` costs on the wire, which the server counts in its own
 * byte counters: the request as RESP (`*2 $4 INFO $3 all`), and the reply's
 * framing beside its text (a RESP3 verbatim string: `=<length>` and `txt:`).
 */
export const INFO_REQUEST_BYTES = 23;
const INFO_REPLY_FRAMING_BYTES = 16;

/** An INFO reading, and the bytes its reply took (left out of the next interval's output bytes). */
export interface InfoReading {
  info: RedisInfo;
  replyBytes: number;
}

/** The slice of a Redis client rehearse uses to watch a cache server. */
export interface CacheServerConnection {
  /** One `INFO all` reading (one round trip for every section rehearse reads). */
  readInfo(): Promise<InfoReading>;
  close(): void;
}

/** A connection of rehearse's own: no reconnect loop (a server gone is a failed sample), errors never thrown at the process. */
export async function connectCacheServer(url: string): Promise<CacheServerConnection> {
  const client = createClient({ url, socket: { reconnectStrategy: false, connectTimeout: 2_000 } });
  client.on('error', () => undefined);
  await client.connect();
  return {
    readInfo: async () => {
      const text = String(await client.info('all'));
      return { info: parseRedisInfo(text), replyBytes: Buffer.byteLength(text) + INFO_REPLY_FRAMING_BYTES };
    },
    close: () => client.destroy(),
  };
}
