import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { ConfigError } from '../../src/errors.ts';

const FILE = 'rehearse.config.ts';

function errorFor(value: unknown): ConfigError {
  try {
    validateConfig(FILE, value);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

describe('config validation', () => {
  it('accepts a full valid config and fills in defaults', () => {
    const config = validateConfig(FILE, {
      db: { provider: 'testcontainers', image: 'postgres:17', settings: { work_mem: '16MB', jit: false, max_connections: 300 } },
      app: { command: 'node server.js', healthPath: '/health', env: { NODE_ENV: 'production' }, metricsPath: '/metrics', poolMetrics: { waiting: 'knex_pool_pending_acquires' } },
      data: { model: './model.ts', scale: 0.5, seed: 7 },
      scenarios: { dir: 'load' },
      budgets: { pages: { 'My Bookings': { p95Ms: 300, errorRate: 0.01, queriesPerRequest: 6 } }, queries: { '*': { meanMs: 50 }, '4d413cfd': { callsPerRequest: 1 }, 'select * from posts where id = 1': { rowsPerCall: 1 } }, tolerance: 0.2 },
    });
    expect(config.db.provider).toBe('testcontainers');
    expect(config.app?.readyTimeoutSeconds).toBe(30);
    expect(config.app?.poolMetrics).toEqual({ waiting: 'knex_pool_pending_acquires' });
    expect(config.budgets.pages['My Bookings']?.p95Ms).toBe(300);
    expect(Object.keys(config.budgets.queries)).toEqual(['*', '4d413cfd', 'select * from posts where id = 1']);
  });

  it('accepts an empty config: every part has a default', () => {
    const config = validateConfig(FILE, {});
    // The provider's default ("embedded") is applied with the other sources, so precedence can say where it came from.
    expect(config.db).toEqual({ settings: {} });
    expect(config.data).toEqual({ scale: 1, seed: 42 });
    expect(config.scenarios.dir).toBe('scenarios');
  });

  const invalid: [string, unknown, string][] = [
    ['an unknown provider', { db: { provider: 'docker' } }, 'rehearse.config.ts: db.provider: expected "embedded" | "testcontainers" | "url", got "docker"'],
    ['an unknown top-level key', { database: {} }, 'rehearse.config.ts: database: unknown key'],
    ['a Postgres major rehearse cannot run', { db: { version: 14 } }, 'rehearse.config.ts: db.version:'],
    ['an unknown nested key', { db: { provider: 'embedded', port: 5432 } }, 'rehearse.config.ts: db.port: unknown key'],
    ['a wrong type', { data: { scale: 'big' } }, 'rehearse.config.ts: data.scale: expected number, got "big"'],
    ['a non-positive scale', { data: { scale: 0 } }, 'rehearse.config.ts: data.scale: expected > 0, got 0'],
    ['a fractional seed', { data: { seed: 1.5 } }, 'rehearse.config.ts: data.seed: expected an integer, got 1.5'],
    ['an app with neither command nor baseUrl', { app: { healthPath: '/up' } }, 'rehearse.config.ts: app: expected exactly one of "command"'],
    ['an app with both command and baseUrl', { app: { command: 'x', baseUrl: 'http://127.0.0.1:3000' } }, 'rehearse.config.ts: app: expected exactly one of'],
    ['a health path without a slash', { app: { command: 'x', healthPath: 'healthz' } }, 'rehearse.config.ts: app.healthPath: expected a string starting with "/", got "healthz"'],
    ['an unknown pool gauge role', { app: { command: 'x', poolMetrics: { queued: 'app_pool_queue' } } }, 'rehearse.config.ts: app.poolMetrics.queued: unknown key'],
    ['a pool gauge that is not a name', { app: { command: 'x', poolMetrics: { waiting: 3 } } }, 'rehearse.config.ts: app.poolMetrics.waiting: expected string, got 3'],
    ['a malformed url', { db: { provider: 'url', url: 'not a url' } }, 'rehearse.config.ts: db.url: expected a URL, got "not a url"'],
    ['a budget with a string', { budgets: { pages: { 'My Bookings': { p95Ms: '300ms' } } } }, 'rehearse.config.ts: budgets.pages["My Bookings"].p95Ms: expected number, got "300ms"'],
    ['an error rate above 1', { budgets: { pages: { posts: { errorRate: 5 } } } }, 'rehearse.config.ts: budgets.pages.posts.errorRate: expected <= 1, got 5'],
    ['a query budget keyed by a page name', { budgets: { queries: { 'My Bookings': { meanMs: 5 } } } }, 'rehearse.config.ts: budgets.queries["My Bookings"]: invalid key, expected "*", a query id from a report (8 hex digits), its fingerprint (16 hex digits), or the query\'s SQL'],
    ['an unknown query budget field', { budgets: { queries: { '*': { p95Ms: 5 } } } }, 'rehearse.config.ts: budgets.queries["*"].p95Ms: unknown key'],
    ['a bad setting name', { db: { settings: { 'Work-Mem': '1MB' } } }, 'rehearse.config.ts: db.settings["Work-Mem"]: invalid key, expected a Postgres setting name'],
    ['a setting of the wrong type', { db: { settings: { work_mem: ['1MB'] } } }, 'rehearse.config.ts: db.settings.work_mem:'],
    ['a release whose env value is a number', { releases: { 'pool-too-small': { env: { POOL_SIZE: 2 } } } }, 'rehearse.config.ts: releases["pool-too-small"].env.POOL_SIZE: expected string, got 2'],
    ['a release with an unknown key', { releases: { candidate: { environment: {} } } }, 'rehearse.config.ts: releases.candidate.environment: unknown key'],
    ['a release with an empty command', { releases: { candidate: { command: '' } } }, 'rehearse.config.ts: releases.candidate.command:'],
    ['a release name with a space', { releases: { 'my release': {} } }, 'rehearse.config.ts: releases["my release"]: invalid key, expected a release name of letters, digits'],
    ['a release env name that is not a variable name', { releases: { candidate: { env: { 'FEATURE-X': 'on' } } } }, 'rehearse.config.ts: releases.candidate.env["FEATURE-X"]: invalid key, expected an environment variable name'],
    ['releases that are not an object', { releases: ['baseline'] }, 'rehearse.config.ts: releases: expected record, got an array'],
    ['an expected peak of zero', { capacity: { peak: { parents: 0 } } }, 'rehearse.config.ts: capacity.peak.parents: expected > 0, got 0'],
    ['an expected peak as text', { capacity: { peak: { parents: '16/s' } } }, 'rehearse.config.ts: capacity.peak.parents: expected number, got "16/s"'],
    ['an expected peak for a name that is no journey name', { capacity: { peak: { 'My Bookings': 3 } } }, 'rehearse.config.ts: capacity.peak["My Bookings"]: invalid key, expected a journey name made of letters, digits and _'],
    ['a config that is not an object', 'embedded', 'rehearse.config.ts: (top level): expected object, got "embedded"'],
  ];

  it.each(invalid)('rejects %s with exit 2 and a message naming the path', (_label, value, message) => {
    const error = errorFor(value);
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(message);
  });
});
