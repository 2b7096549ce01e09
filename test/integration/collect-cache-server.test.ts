import { readdirSync } from 'node:fs';
import os from 'node:os';
import { createClient } from '@redis/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectCacheServer } from '../../src/cache-server/cache-server-connection.ts';
import { findRedisServer, startRedisServer, type RunningRedis } from '../../src/cache-server/start-redis.ts';
import { cacheServerCollector } from '../../src/collect/cache-server-collector.ts';
import type { CollectorContext } from '../../src/collect/collector.ts';
import { sleep } from '../../src/system/abort.ts';

const binary = await findRedisServer();
if (!binary) console.warn('SKIP test/integration/collect-cache-server.test.ts: redis-server is not installed (apt-get install -y redis-server)');

/** The collector reads only `intervalMs` of its context. */
const context = { intervalMs: 200 } as CollectorContext;

describe.skipIf(!binary)('the cache server collector, on a redis-server rehearse started', () => {
  let redis: RunningRedis;
  beforeAll(async () => {
    redis = await startRedisServer({ binary: binary! });
  });
  afterAll(async () => {
    await redis?.stop();
  });

  it('starts a private server on a loopback port, with no persistence', async () => {
    expect(redis.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
    expect(redis.url).not.toBe('redis://127.0.0.1:6379');
    const client = createClient({ url: redis.url });
    await client.connect();
    try {
      expect(await client.configGet('save')).toEqual({ save: '' });
      expect(await client.configGet('appendonly')).toEqual({ appendonly: 'no' });
      expect(String(await client.configGet('dir').then((reply) => reply.dir))).toContain(`${os.tmpdir()}/rehearse-redis-`);
    } finally {
      client.destroy();
    }
  });

  it('counts an app\'s commands by type, hits and misses, bytes, memory, clients and CPU, leaving its own INFO out', async () => {
    const collector = cacheServerCollector({ url: redis.url, source: 'started' });
    await collector.start(context);
    const app = createClient({ url: redis.url });
    await app.connect();
    try {
      await app.set('feed:a', 'x'.repeat(1000));
      for (let round = 0; round < 5; round += 1) {
        await app.get('feed:a');
        await app.get('feed:missing');
      }
      await sleep(700);
    } finally {
      app.destroy();
    }
    const { cacheServer } = await collector.end({ final: true });
    expect(cacheServer).toMatchObject({ source: 'started', notMeasured: null, intervalMs: 200, failures: { count: 0 } });
    const samples = cacheServer!.samples;
    expect(samples.length).toBeGreaterThanOrEqual(3);
    const sum = (read: (sample: (typeof samples)[number]) => number) => samples.reduce((total, sample) => total + read(sample), 0);
    expect(sum((sample) => sample.commands.get ?? 0)).toBe(10);
    expect(sum((sample) => sample.commands.set ?? 0)).toBe(1);
    expect(samples.every((sample) => sample.commands.info === undefined)).toBe(true);
    expect(sum((sample) => sample.hits)).toBe(5);
    expect(sum((sample) => sample.misses)).toBe(5);
    // Five 1000-byte values out, one in; the collector's own INFO (≈ 5 KB a reading) is not among them.
    expect(sum((sample) => sample.outputBytes)).toBeGreaterThanOrEqual(5000);
    expect(sum((sample) => sample.outputBytes)).toBeLessThan(5000 + 600);
    expect(sum((sample) => sample.inputBytes)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...samples.map((sample) => sample.connectedClients))).toBe(1);
    expect(samples.every((sample) => sample.usedMemoryBytes > 0 && sample.cpuCores >= 0)).toBe(true);
  });

  it('counts a failed reading when the server is gone, and keeps what it had', async () => {
    const other = await startRedisServer({ binary: binary! });
    const collector = cacheServerCollector({ url: other.url, source: 'started' });
    await collector.start(context);
    await sleep(500);
    await other.stop();
    await sleep(500);
    const { cacheServer } = await collector.end({ final: false });
    expect(cacheServer!.samples.length).toBeGreaterThanOrEqual(1);
    expect(cacheServer!.failures.count).toBeGreaterThanOrEqual(1);
  });

  it('stops the server and removes its folder', async () => {
    const other = await startRedisServer({ binary: binary! });
    const folders = () => readdirSync(os.tmpdir()).filter((name) => name.startsWith(`rehearse-redis-${process.pid}-`));
    const before = folders();
    await other.stop();
    expect(folders().length).toBe(before.length - 1);
    expect(await connectCacheServer(other.url).then((again) => (again.close(), 'answered'), () => 'refused')).toBe('refused');
  });
});
