import { describe, expect, it } from 'vitest';
import { analyzeRuns } from '../../src/analyze/analyze-runs.ts';
import type { Check } from '../../src/analyze/analysis.ts';
import { recognisePoolGauges } from '../../src/analyze/pool-gauges.ts';
import { poolRuns } from '../../src/analyze/pool-runs.ts';
import { summarizeSideWaits } from '../../src/analyze/session-waits.ts';
import { withLockEvidence } from '../../src/analyze/waits.ts';
import type { ActivitySample, ActivitySession, RunRecord } from '../../src/run/run-record-schema.ts';
import { fingerprint, page, profile, runRecord, START, statement } from '../support/run-record-builders.ts';

const LOGIN_UPDATE = 'update login_counters set logins = logins + $1 where parent_id = $2';
const SESSION = 'select * from sessions where token = $1';
const BOOKINGS = 'select * from bookings where parent_id = $1';
const VIDEO = 'select * from video_rooms where booking_id = $1';
const INTERVAL = 250;
const SAMPLES = 40;

type SessionSpec = Partial<ActivitySession> & { pid: number; name: string | null; query?: string };

function session(spec: SessionSpec): ActivitySession {
  const { name, ...rest } = spec;
  return {
    state: 'active',
    waitEvent: null,
    query: null,
    fingerprint: name === null ? null : fingerprint(name),
    stateMs: 10,
    transactionMs: 10,
    blockedBy: [],
    lockRelation: null,
    ...rest,
  };
}

function samples(sessionsAt: (index: number) => ActivitySession[]): ActivitySample[] {
  return Array.from({ length: SAMPLES }, (_, index) => {
    const sessions = sessionsAt(index);
    const waitEvents: Record<string, number> = {};
    for (const entry of sessions) if (entry.state === 'active' && entry.waitEvent) waitEvents[entry.waitEvent] = (waitEvents[entry.waitEvent] ?? 0) + 1;
    return {
      time: START + index * INTERVAL,
      connections: sessions.length,
      active: sessions.filter((entry) => entry.state === 'active').length,
      idleInTransaction: sessions.filter((entry) => entry.state === 'idle in transaction').length,
      waiting: Object.values(waitEvents).reduce((sum, count) => sum + count, 0),
      waitEvents,
      longestRunningMs: null,
      longestRunningQuery: null,
      longestIdleInTransactionMs: null,
      sessions,
    };
  });
}

interface Load {
  release: string;
  p95: { Login: number; 'My Bookings': number; 'Video call': number };
  sessionsAt: (index: number) => ActivitySample['sessions'];
  /** Requests waiting for a pool connection in each of 10 one-second scrapes; null: no metrics. */
  poolWaiting?: number | null;
  /** The app's wait-seconds counter in each of the 10 scrapes; absent: the app has none. */
  poolWaitSeconds?: number[];
}

function load({ release, p95, sessionsAt, poolWaiting = 0, poolWaitSeconds }: Load): RunRecord {
  const record = runRecord({
    release,
    pages: [page('Login', { p95: p95.Login }), page('My Bookings', { p95: p95['My Bookings'] }), page('Video call', { p95: p95['Video call'] })],
    statements: [statement('c1', LOGIN_UPDATE), statement('a1', SESSION), statement('b1', BOOKINGS), statement('d1', VIDEO)],
    profiles: [
      profile('Login', [{ name: 'c1', query: LOGIN_UPDATE, callsPerRequest: 1 }, { name: 'a1', query: SESSION, callsPerRequest: 1 }]),
      profile('My Bookings', [{ name: 'b1', query: BOOKINGS, callsPerRequest: 1 }, { name: 'a1', query: SESSION, callsPerRequest: 3 }]),
      profile('Video call', [{ name: 'd1', query: VIDEO, callsPerRequest: 1 }]),
    ],
  });
  const metrics =
    poolWaiting === null
      ? null
      : {
          url: 'http://127.0.0.1:3000/metrics',
          intervalMs: 1000,
          failures: { count: 0, last: null },
          samples: Array.from({ length: 10 }, (_, second) => ({
            time: START + second * 1000,
            values: { 'portal_db_pool_size': 10, 'portal_db_pool_connections_in_use': poolWaiting > 0 ? 10 : 3, 'portal_db_pool_waiting': poolWaiting, 'portal_http_requests_total{route="/login"}': second * 10,
              ...(poolWaitSeconds ? { portal_db_pool_wait_seconds_total: poolWaitSeconds[second]! } : {}),
            },
          })),
        };
  return { ...record, activity: { intervalMs: INTERVAL, samples: samples((index) => sessionsAt(index) ?? []), failures: { count: 0, last: null } }, appMetrics: metrics };
}

const quiet = { Login: 100, 'My Bookings': 100, 'Video call': 100 };
/** A login's transaction stays open while the app does slow work, holding its row lock on login_counters. */
const convoy = (index: number): ActivitySession[] => [
  session({ pid: 1, name: 'c1', query: LOGIN_UPDATE, state: 'idle in transaction', waitEvent: 'Client:ClientRead', stateMs: 100 + index * 10, writtenRelations: ['login_counters'] }),
  session({ pid: 2, name: 'c1', query: LOGIN_UPDATE, waitEvent: 'Lock:transactionid', blockedBy: [1], lockRelation: 'login_counters' }),
  session({ pid: 3, name: 'c1', query: LOGIN_UPDATE, waitEvent: 'Lock:tuple', blockedBy: [2], lockRelation: 'login_counters' }),
  session({ pid: 4, name: 'c1', query: LOGIN_UPDATE, waitEvent: 'Lock:tuple', blockedBy: [2], lockRelation: 'login_counters' }),
];
/** A short transaction around two reads, caught idle between them once. */
const shortReads = (index: number): ActivitySession[] =>
  index === 7 ? [session({ pid: 5, name: 'b1', query: BOOKINGS, state: 'idle in transaction', waitEvent: 'Client:ClientRead', stateMs: 1 })] : [];

describe('waits: attribution', () => {
  it("counts each session's time to the page whose statement it ran, splits a shared statement by calls, and puts unknown statements under other", () => {
    const run = load({
      release: 'baseline',
      p95: quiet,
      sessionsAt: () => [
        session({ pid: 1, name: 'b1', query: BOOKINGS, waitEvent: 'IO:DataFileRead', stateMs: 30 }),
        session({ pid: 2, name: 'a1', query: SESSION, waitEvent: 'LWLock:BufferContent' }),
        session({ pid: 3, name: 'zz', query: 'select pg_sleep($1)' }),
      ],
    });
    const { waits } = analyzeRuns({ candidates: [run] });
    const byPage = new Map(waits.pages.map((entry) => [entry.page, entry]));
    // 40 samples × 250 ms = 10 session-seconds each; the session lookup is 1 call per login and 3 per booking page (equal requests).
    expect(byPage.get('My Bookings')!.waitSecondsByType).toEqual({ IO: 10, LWLock: 7.5 });
    expect(byPage.get('Login')!.waitSecondsByEvent).toEqual({ 'LWLock:BufferContent': 2.5 });
    expect(byPage.get('other')).toMatchObject({ activeSeconds: 10, lockWaitMsPerRequest: null });
    expect(waits.pages.at(-1)!.page).toBe('other');
    expect(waits.sampled).toBe(true);
    expect(byPage.get('My Bookings')!.longestStatements[0]).toMatchObject({ query: BOOKINGS, ms: 30 });
  });

  it('pairs waiting sessions with the session at the head of the blocking chain, with its statement and table', () => {
    const { waits } = analyzeRuns({ candidates: [load({ release: 'baseline', p95: quiet, sessionsAt: convoy })] });
    expect(waits.blocking).toEqual([
      {
        blockedPages: ['Login'],
        blockingPages: ['Login'],
        waitEvents: ['Lock:tuple', 'Lock:transactionid'],
        relation: 'login_counters',
        blockingQuery: LOGIN_UPDATE,
        blockingId: 'c1000000',
        blockingFingerprint: fingerprint('c1'),
        blockingState: 'idle in transaction',
        peakWaiting: 3,
        secondsSeen: 10,
      },
    ]);
    const login = waits.pages.find((entry) => entry.page === 'Login')!;
    expect(login.lockWaitMsPerRequest).toBe(300);
    expect(login.idleInTransactionMsPerRequest).toBe(100);
    expect(login.longestIdleInTransactionMs).toBe(490);
  });

  it('records without per-session samples give no per-page waits and no wait checks', () => {
    const old = runRecord();
    const analysis = analyzeRuns({ baselines: [old], candidates: [runRecord({ release: 'next' })] });
    expect(analysis.waits).toMatchObject({ sampled: false, pages: [], blocking: [], pool: null });
    expect(analysis.checks.filter((check) => ['lock-waits', 'idle-in-transaction', 'pool-waits'].includes(check.kind))).toEqual([]);
  });
});

describe('waits: pool gauges', () => {
  it('recognises pool gauges by their names, counters and durations excluded', () => {
    expect(recognisePoolGauges(['portal_db_pool_size', 'portal_db_pool_connections_open', 'portal_db_pool_connections_in_use', 'portal_db_pool_waiting', 'portal_http_requests_total{route="/"}'])).toEqual({
      waiting: 'portal_db_pool_waiting',
      inUse: 'portal_db_pool_connections_in_use',
      size: 'portal_db_pool_size',
      waitSeconds: null,
    });
    expect(recognisePoolGauges(['hikaricp_connections_pending{pool="HikariPool-1"}', 'hikaricp_connections_active{pool="HikariPool-1"}', 'hikaricp_connections_max{pool="HikariPool-1"}', 'hikaricp_connections_timeout_total{pool="HikariPool-1"}', 'hikaricp_connections_acquire_seconds_count'])).toEqual({
      waiting: 'hikaricp_connections_pending',
      inUse: 'hikaricp_connections_active',
      size: 'hikaricp_connections_max',
      waitSeconds: null,
    });
  });

  it('recognises a counter of seconds spent waiting for or acquiring a connection', () => {
    expect(recognisePoolGauges(['portal_db_pool_wait_seconds_total', 'portal_db_pool_waiting']).waitSeconds).toBe('portal_db_pool_wait_seconds_total');
    expect(recognisePoolGauges(['hikaricp_connections_acquire_seconds_sum{pool="HikariPool-1"}', 'hikaricp_connections_acquire_seconds_count{pool="HikariPool-1"}']).waitSeconds).toBe('hikaricp_connections_acquire_seconds_sum');
    expect(recognisePoolGauges(['pgxpool_acquire_duration_seconds_total']).waitSeconds).toBe('pgxpool_acquire_duration_seconds_total');
    // Not about a pool, a count rather than seconds, or a histogram's count: none is time waited.
    expect(recognisePoolGauges(['http_request_wait_seconds_total', 'db_pool_wait_total', 'db_pool_acquire_seconds_count']).waitSeconds).toBeNull();
    expect(recognisePoolGauges(['db_pool_wait_seconds_total', 'http_requests_waiting'])).toEqual({ waiting: null, inUse: null, size: null, waitSeconds: 'db_pool_wait_seconds_total' });
  });

  it('takes the config names over the recognised ones', () => {
    expect(recognisePoolGauges(['app_pool_waiting', 'knex_acquire_queue'], { waiting: 'knex_acquire_queue{db="main"}', size: 'max_conns' })).toEqual({ waiting: 'knex_acquire_queue', inUse: null, size: 'max_conns', waitSeconds: null });
    expect(recognisePoolGauges(['app_pool_wait_seconds_total', 'knex_acquire_ms_total'], { waitSeconds: 'knex_acquire_ms_total' }).waitSeconds).toBe('knex_acquire_ms_total');
  });

  it('sums the waiting gauge over time: the time requests waited for a connection, per request of the load', () => {
    const { waits } = analyzeRuns({ candidates: [load({ release: 'baseline', p95: quiet, sessionsAt: () => [], poolWaiting: 9 })] });
    // 9 waiting × 10 one-second scrapes = 90 request-seconds over 300 requests.
    expect(waits.pool).toEqual({
      gauges: { waiting: 'portal_db_pool_waiting', inUse: 'portal_db_pool_connections_in_use', size: 'portal_db_pool_size', waitSeconds: null },
      peakWaiting: 9,
      meanWaiting: 9,
      secondsWaiting: 10,
      waitMsPerRequest: 300,
      peakInUse: 10,
      size: 10,
      baseline: null,
    });
  });

  it("prefers the app's wait-seconds counter to the gauge: waits of milliseconds that no one-second scrape sees still count", () => {
    // The gauge is 0 at every scrape; the counter grew 6 s over the run (restarting once, at the 6th scrape).
    const counter = [1, 1.5, 2, 3, 4, 0.5, 1.5, 2, 2.5, 3];
    const { waits } = analyzeRuns({ candidates: [load({ release: 'pool-too-small', p95: quiet, sessionsAt: () => [], poolWaiting: 0, poolWaitSeconds: counter })] });
    expect(waits.pool).toMatchObject({ gauges: { waitSeconds: 'portal_db_pool_wait_seconds_total' }, peakWaiting: 0, waitMsPerRequest: 6000 / 300 });
  });

  it('fails pool-waits from the counter when the gauge never saw a request waiting, and passes the baseline against itself', () => {
    const steady = Array.from({ length: 10 }, (_, second) => 0.01 * second);
    const starved = Array.from({ length: 10 }, (_, second) => 0.5 * second);
    const before = load({ release: 'baseline', p95: quiet, sessionsAt: () => [], poolWaitSeconds: steady });
    const check = (candidate: RunRecord) => analyzeRuns({ baselines: [before], candidates: [candidate] }).checks.find((entry) => entry.kind === 'pool-waits')!;
    expect(check(load({ release: 'pool-too-small', p95: quiet, sessionsAt: () => [], poolWaitSeconds: starved }))).toMatchObject({ status: 'fail', measured: 4500 / 300, baseline: 90 / 300 });
    expect(check(load({ release: 'baseline-again', p95: quiet, sessionsAt: () => [], poolWaitSeconds: steady }))).toMatchObject({ status: 'pass', measured: 90 / 300 });
  });
});

describe('query time that is lock waiting', () => {
  it("says a query's time was lock waiting when its sessions were caught waiting on a lock", () => {
    const candidate = load({ release: 'hot-row', p95: quiet, sessionsAt: convoy });
    const slow: Check = { id: 'db-time-share:c1000000', kind: 'db-time-share', status: 'fail', page: 'Login', queryId: 'c1000000', fingerprint: fingerprint('c1'), sentence: 'Login: query c1000000 takes 90 % of the database time: update …', measured: 0.9, baseline: 0.1, limit: 0.5, magnitude: 9 };
    const explained = withLockEvidence(slow, summarizeSideWaits(poolRuns([candidate]), 0.5));
    expect(explained.sentence).toBe(`${slow.sentence} — its sessions were caught waiting on Lock:tuple, Lock:transactionid (on login_counters) in 120 samples: lock waiting, not work, is part of that time`);
    expect(withLockEvidence({ ...slow, fingerprint: fingerprint('a1') }, summarizeSideWaits(poolRuns([candidate]), 0.5)).sentence).toBe(slow.sentence);
  });

  it("takes the sampled lock waiting out of the cost of any check naming that query, so the lock-wait check leads", () => {
    const waits = summarizeSideWaits(poolRuns([load({ release: 'hot-row', p95: quiet, sessionsAt: convoy })]), 0.5);
    // 120 samples × 250 ms over the load's 300 requests: 100 ms per request was waiting, not the upsert's work.
    const added: Check = { id: 'queries-per-request:Login', kind: 'queries-per-request', status: 'fail', page: 'Login', queryId: 'c1000000', fingerprint: fingerprint('c1'), sentence: 'Login: 5 queries per request, baseline 2 (2.5×) — new query c1000000 …', measured: 5, baseline: 2, limit: 4, magnitude: 2.5, costMs: 130 };
    expect(withLockEvidence(added, waits)).toEqual({ ...added, costMs: 30 });
    expect(withLockEvidence({ ...added, costMs: 60 }, waits).costMs).toBe(0);
    expect(withLockEvidence({ ...added, status: 'pass' }, waits).costMs).toBe(130);
  });
});

describe('pool waits against the request time', () => {
  it('fails 15 ms of waiting per request in an app answering in 50 ms, and passes the same wait in one answering in 2 s', () => {
    const steady = Array.from({ length: 10 }, () => 0);
    const starved = Array.from({ length: 10 }, (_, second) => 0.5 * second);
    const before = load({ release: 'baseline', p95: quiet, sessionsAt: () => [], poolWaitSeconds: steady });
    const slowApp = (record: RunRecord): RunRecord => ({ ...record, totals: { ...record.totals!, latencyMs: { ...record.totals!.latencyMs, mean: 2000 } } });
    const check = (candidate: RunRecord) => analyzeRuns({ baselines: [before], candidates: [candidate] }).checks.find((entry) => entry.kind === 'pool-waits')!;
    const candidate = load({ release: 'pool-too-small', p95: quiet, sessionsAt: () => [], poolWaitSeconds: starved });
    expect(check(candidate)).toMatchObject({ status: 'fail', measured: 15 });
    expect(check(slowApp(candidate))).toMatchObject({ status: 'pass', measured: 15, limit: 100 });
  });

  it('names no page as the holder when no page ran statements for longer: an app holding idle connections shows nowhere in the database', () => {
    const starved = Array.from({ length: 10 }, (_, second) => 0.5 * second);
    const before = load({ release: 'baseline', p95: quiet, sessionsAt: shortReads, poolWaitSeconds: Array.from({ length: 10 }, () => 0) });
    const slow = { Login: 100, 'My Bookings': 400, 'Video call': 300 };
    const check = analyzeRuns({ baselines: [before], candidates: [load({ release: 'pool-too-small', p95: slow, sessionsAt: shortReads, poolWaitSeconds: starved })] }).checks.find((entry) => entry.kind === 'pool-waits')!;
    expect(check.status).toBe('fail');
    expect(check.sentence).toMatch(/^My Bookings, Video call: requests waited for a connection: /);
  });
});

describe('waits: checks', () => {
  const baseline = load({ release: 'baseline', p95: quiet, sessionsAt: shortReads });
  const slow = { Login: 500, 'My Bookings': 400, 'Video call': 300 };

  it("a transaction held open across slow work fails idle-in-transaction and lock-waits, naming the holder's statement and table", () => {
    const analysis = analyzeRuns({ baselines: [baseline], candidates: [load({ release: 'login-holds-transaction', p95: slow, sessionsAt: convoy })] });
    const byId = new Map(analysis.checks.map((check) => [check.id, check]));
    expect(byId.get('idle-in-transaction:Login')).toMatchObject({
      status: 'fail',
      measured: 100,
      baseline: 0,
      costMs: 100 / 3,
      sentence: `Login: transactions sat idle 100 ms per request (longest observed 490 ms) after \`${LOGIN_UPDATE}\`, holding the rows it had written in login_counters locked, baseline 0.00 ms; 3 sessions of Login waited at peak on its locks: Lock:tuple (row lock in login_counters)`,
    });
    expect(byId.get('lock-waits:Login')).toMatchObject({
      status: 'fail',
      measured: 300,
      costMs: 100,
      sentence: `Login: 300 ms per request waiting on locks, baseline 0.00 ms: 3 sessions waiting at peak on Lock:tuple (row lock in login_counters) held by Login's \`${LOGIN_UPDATE}\` (idle in transaction)`,
    });
    expect(byId.get('lock-waits:My Bookings')).toMatchObject({ status: 'pass', costMs: 0 });
    expect(analysis.waits.pages[0]!.page).toBe('Login');
  });

  it('a short transaction around reads does not fail idle-in-transaction', () => {
    const analysis = analyzeRuns({ baselines: [load({ release: 'no-transactions', p95: quiet, sessionsAt: () => [] })], candidates: [baseline] });
    const bookings = analysis.checks.find((check) => check.id === 'idle-in-transaction:My Bookings')!;
    expect(bookings).toMatchObject({ status: 'pass', measured: 2.5, sentence: 'My Bookings: idle in transaction 2.50 ms per request, baseline 0.00 ms' });
  });

  it("a starved pool fails pool-waits, naming the pages that slowed and the page whose transactions held the connections", () => {
    const candidate = load({ release: 'login-holds-transaction', p95: slow, sessionsAt: (index) => convoy(index).slice(0, 1), poolWaiting: 9 });
    const analysis = analyzeRuns({ baselines: [baseline], candidates: [candidate] });
    const pool = analysis.checks.find((check) => check.kind === 'pool-waits')!;
    expect(pool).toMatchObject({
      id: 'pool-waits:app',
      status: 'fail',
      page: null,
      measured: 300,
      baseline: 0,
      costMs: 300,
      sentence: "My Bookings, Video call: waited for connections held by Login's transaction (idle in transaction 100 ms per Login request): 9 requests waiting at peak (10 of 10 connections in use), 300 ms waiting for a connection per request, baseline 0.00 ms",
    });
    expect(analysis.waits.pool!.baseline).toMatchObject({ peakWaiting: 0, waitMsPerRequest: 0 });
  });

  it('the baseline against itself fails none of the wait checks', () => {
    const again = load({ release: 'baseline-again', p95: quiet, sessionsAt: convoy, poolWaiting: 2 });
    const analysis = analyzeRuns({ baselines: [load({ release: 'baseline', p95: quiet, sessionsAt: convoy, poolWaiting: 2 })], candidates: [again] });
    const waitChecks = analysis.checks.filter((check) => ['lock-waits', 'idle-in-transaction', 'pool-waits'].includes(check.kind));
    expect(waitChecks).toHaveLength(7);
    expect(waitChecks.every((check) => check.status === 'pass' && check.costMs === 0)).toBe(true);
  });

  it('the timeline shows lock waits, idle in transaction and pool waiting each second', () => {
    const analysis = analyzeRuns({ candidates: [load({ release: 'baseline', p95: quiet, sessionsAt: convoy, poolWaiting: 9 })] });
    expect(analysis.timeline.points[0]).toMatchObject({ lockWaiting: 3, idleInTransaction: 1, poolWaiting: 9, waitsByType: { Lock: 3 } });
    expect(analysis.timeline.points[20]).toMatchObject({ lockWaiting: null, idleInTransaction: null, poolWaiting: null });
  });
});
