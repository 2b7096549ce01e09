import { describe, expect, it } from 'vitest';
import { summarizeCacheServer } from '../../src/analyze/cache-server-summary.ts';
import { buildTimeline } from '../../src/analyze/timeline-points.ts';
import { runRecord } from '../support/run-record-builders.ts';
import { useCacheServer } from '../../src/run/cache-server-stage.ts';
import type { RunInProgress } from '../../src/run/setup-stages.ts';
import { cacheActivityBetween, parseRedisInfo, totalCommands } from '../../src/cache-server/redis-info.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import { DOCTOR_CHECKS } from '../../src/doctor/checks.ts';
import { ConfigError } from '../../src/errors.ts';

const info = (lines: string[]) => ['# Server', 'redis_version:7.0.15', '', ...lines, ''].join('\r\n');

const BEFORE = info([
  '# Clients', 'connected_clients:2',
  '# Memory', 'used_memory:1015224',
  '# Stats', 'total_net_input_bytes:564', 'total_net_output_bytes:654', 'keyspace_hits:1', 'keyspace_misses:1',
  '# CPU', 'used_cpu_sys:0.020000', 'used_cpu_user:0.017461',
  '# Commandstats', 'cmdstat_get:calls=2,usec=9,usec_per_call=4.50,rejected_calls=0,failed_calls=0', 'cmdstat_info:calls=4,usec=400,usec_per_call=100.00,rejected_calls=0,failed_calls=0',
]);
const AFTER = info([
  '# Clients', 'connected_clients:3',
  '# Memory', 'used_memory:1100000',
  '# Stats', 'total_net_input_bytes:1564', 'total_net_output_bytes:10654', 'keyspace_hits:21', 'keyspace_misses:6',
  '# CPU', 'used_cpu_sys:0.120000', 'used_cpu_user:0.117461',
  '# Commandstats', 'cmdstat_get:calls=27,usec=90,usec_per_call=3.33,rejected_calls=0,failed_calls=0', 'cmdstat_set:calls=5,usec=20,usec_per_call=4.00,rejected_calls=0,failed_calls=0',
  'cmdstat_info:calls=9,usec=900,usec_per_call=100.00,rejected_calls=0,failed_calls=0', 'cmdstat_client|setinfo:calls=2,usec=2,usec_per_call=1.00,rejected_calls=0,failed_calls=0',
]);

describe('reading INFO from a cache server', () => {
  it('reads commands by name, hits and misses, bytes, memory, clients and CPU seconds', () => {
    expect(parseRedisInfo(BEFORE)).toEqual({
      commands: { get: 2, info: 4 },
      keyspaceHits: 1,
      keyspaceMisses: 1,
      netInputBytes: 564,
      netOutputBytes: 654,
      usedMemoryBytes: 1015224,
      connectedClients: 2,
      cpuSeconds: 0.037461,
    });
  });

  it('reads a server that lacks a section as zeros for it, not as a failure', () => {
    expect(parseRedisInfo('# Server\r\nredis_version:5.0.0\r\n')).toMatchObject({ commands: {}, keyspaceHits: 0, usedMemoryBytes: 0, cpuSeconds: 0 });
  });

  it("counts what happened between two readings, leaving rehearse's own INFO and handshakes out", () => {
    const activity = cacheActivityBetween(parseRedisInfo(BEFORE), parseRedisInfo(AFTER));
    expect(activity).toEqual({ commands: { get: 25, set: 5 }, hits: 20, misses: 5, inputBytes: 1000, outputBytes: 10000 });
    expect(totalCommands(activity)).toBe(30);
  });

  it('counts from zero after the server restarted (counters went down), never negative', () => {
    const activity = cacheActivityBetween(parseRedisInfo(AFTER), parseRedisInfo(BEFORE));
    expect(activity.commands).toEqual({ get: 2 });
    expect(activity.hits).toBe(1);
  });
});

describe('the cache server over a load', () => {
  const sample = (time: number, get: number, set: number, hits: number, misses: number, cpuCores: number) => ({
    time, commands: { get, set }, hits, misses, inputBytes: 0, outputBytes: 0, usedMemoryBytes: 1000 + time, connectedClients: 2, cpuCores,
  });

  it('gives commands per second, the hit ratio and the busiest second', () => {
    const summary = summarizeCacheServer({ source: 'started', notMeasured: null, intervalMs: 1000, failures: { count: 0, last: null }, samples: [sample(1, 90, 10, 80, 10, 0.02), sample(2, 290, 10, 280, 10, 0.1)] });
    expect(summary).toEqual({ meanCommandsPerSecond: 200, peakCommandsPerSecond: 300, hitRatio: 360 / 380, peakCpuCores: 0.1, peakMemoryBytes: 1002, peakClients: 2 });
  });

  it('puts its commands and CPU on the timeline, second by second, only when it was watched', () => {
    const record = runRecord();
    const start = record.timeline.all[0]!.time;
    const watched = { ...record, cacheServer: { source: 'started' as const, notMeasured: null, intervalMs: 1000, failures: { count: 0, last: null }, samples: [sample(start + 1000, 40, 2, 38, 2, 0.05)] } };
    const points = buildTimeline(watched).points;
    expect(points[1]).toMatchObject({ second: 1, cacheCommands: 42, cacheCpuCores: 0.05 });
    expect(points[2]).toMatchObject({ cacheCommands: null, cacheCpuCores: null });
    expect(buildTimeline(record).points[1]).not.toHaveProperty('cacheCommands');
  });

  it('gives nothing for a server that was not measured', () => {
    expect(summarizeCacheServer({ source: null, notMeasured: 'cache server not measured: redis-server is not installed', intervalMs: 0, failures: { count: 0, last: null }, samples: [] })).toBeNull();
    expect(summarizeCacheServer(undefined)).toBeNull();
  });
});

describe('services.redis in the config', () => {
  it('takes a URL of a Redis the user runs, or start: true', () => {
    expect(validateConfig('rehearse.config.ts', { services: { redis: { url: 'redis://:secret@127.0.0.1:6380' } } }).services?.redis).toEqual({ url: 'redis://:secret@127.0.0.1:6380' });
    expect(validateConfig('rehearse.config.ts', { services: { redis: { start: true } } }).services?.redis).toEqual({ start: true });
  });

  it('refuses anything else, naming the file and the path', () => {
    for (const redis of [{ url: 'http://127.0.0.1:6379' }, { start: false }, { start: true, url: 'redis://127.0.0.1' }, {}]) {
      const error = (() => {
        try {
          validateConfig('rehearse.config.ts', { services: { redis } });
        } catch (caught) {
          return caught;
        }
        return undefined;
      })();
      expect(error, JSON.stringify(redis)).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(/^rehearse\.config\.ts: services\.redis/);
      expect((error as ConfigError).exitCode).toBe(2);
    }
  });
});

describe('doctor on the cache server', () => {
  const check = DOCTOR_CHECKS.find((entry) => entry.label === 'cache server')!;
  const db = { provider: 'embedded' as const, settings: {} };

  it('warns, with the package to install, when redis-server is not there and the config asks rehearse to start one', async () => {
    const result = await check.run({ env: { PATH: '/nonexistent' }, db, redis: { start: true } });
    expect(result.status).toBe('warn');
    expect(result.detail).toMatch(/redis-server is not installed: runs will not measure the cache server/);
    expect(result.fix).toContain('apt-get install redis-server');
  });

  it('says a configured URL that does not answer is missing', async () => {
    const result = await check.run({ env: {}, db, redis: { url: 'redis://:hunter2@127.0.0.1:1' } });
    expect(result.status).toBe('missing');
    expect(result.detail).not.toContain('hunter2');
  });
});

describe('the cache server stage of a run', () => {
  /** The slice of a run in progress the stage reads: the config's services, the log, cleanups and secrets. */
  const runWith = (redis: unknown) =>
    ({ options: { loaded: { config: { services: { redis } } }, signal: new AbortController().signal, log: () => undefined }, cleanups: [], secrets: [] }) as unknown as RunInProgress;

  it('goes on without a cache server when redis-server is not installed, saying it was not measured', async () => {
    const path = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      const run = runWith({ start: true });
      expect(await useCacheServer(run)).toEqual({ notMeasured: expect.stringMatching(/^cache server not measured: redis-server is not installed \(.*apt-get install redis-server/) });
      expect(run.cleanups).toEqual([]);
    } finally {
      process.env.PATH = path;
    }
  });

  it("uses the user's Redis as it is, keeping its password out of every file", async () => {
    const run = runWith({ url: 'redis://:hunter2@127.0.0.1:6380' });
    expect(await useCacheServer(run)).toEqual({ target: { url: 'redis://:hunter2@127.0.0.1:6380', source: 'url' } });
    expect(run.secrets).toEqual(['hunter2']);
    expect(run.cleanups).toEqual([]);
  });
});
