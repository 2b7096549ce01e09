import { describe, expect, it } from 'vitest';
import { analyzeReleaseEvent } from '../../src/analyze/release-checks.ts';
import { recoverySeconds, releaseWindows, windowStats } from '../../src/analyze/release-windows.ts';
import type { ReleaseEvent } from '../../src/release/release-event-schema.ts';
import type { RunRecord, Timeline, TimelinePoint } from '../../src/run/run-record-schema.ts';

const T0 = 1_700_000_000_000;
const at = (second: number) => T0 + second * 1000;

/** One page's seconds: [p95 ms, requests, errors] from second 0 on. */
function points(seconds: Array<[p95: number, requests: number, errors?: number]>): TimelinePoint[] {
  return seconds.map(([p95, requests, errors = 0], second) => ({ time: at(second), requests, errors, p95 }));
}

function timeline(page: string, pagePoints: TimelinePoint[]): Timeline {
  return { bucketSeconds: 1, all: pagePoints, pages: [{ page, points: pagePoints }] };
}

function event(actions: ReleaseEvent['actions']): ReleaseEvent {
  return { baseline: 'baseline', candidate: 'next', actions, migrate: { kind: 'none', source: null }, statements: [], findings: [], proxyErrors: 0, candidateLog: null, firstErrorAfterRollback: null, lockSampleFailures: 0, loadStartedAt: T0 };
}

const steady = (count: number): Array<[number, number]> => Array.from({ length: count }, () => [10, 5]);

describe('the windows around a release action', () => {
  it('splits a page into before, during (start to switch) and after, and counts errors during the switch', () => {
    const page = points([...steady(10), [40, 5, 2], [30, 5, 1], ...steady(10)]);
    const [deploy] = releaseWindows(event([{ kind: 'deploy', atSeconds: 10, startedAt: at(10) + 200, switchedAt: at(11) + 500, error: null }]), timeline('Posts', page));
    expect(deploy!.startedSecond).toBe(10.2);
    expect(deploy!.switchedSecond).toBe(11.5);
    expect(deploy!.pages[0]).toMatchObject({
      page: 'Posts',
      before: { requests: 50, errors: 0, p95Ms: 10 },
      during: { requests: 10, errors: 3, errorRate: 0.3, p95Ms: 40 },
      after: { requests: 50, errors: 0, p95Ms: 10 },
      failedDuringSwitch: 3,
      // The last second out of band (11) ends one second after the switch second.
      recoverySeconds: 1,
      secondsOutOfBand: 2,
    });
    expect(deploy!.failedDuringSwitch).toBe(3);
  });

  it('weights the window p95 by each second’s requests', () => {
    const page = points([[10, 90], [500, 10]]);
    expect(windowStats(page, [at(0), at(2)]).p95Ms).toBe(500);
    expect(windowStats(points([[10, 99], [500, 1]]), [at(0), at(2)]).p95Ms).toBe(10);
  });
});

describe('recovery to the pre-deploy band', () => {
  const band = { p95Ms: 10, errorRate: 0 };

  it('is the time from the switch to the end of the last second out of band', () => {
    const page = points([...steady(5), [80, 5], [60, 5], [12, 5], [90, 5], ...steady(6)]);
    expect(recoverySeconds(page, band, at(5), at(6), at(20))).toBe(3);
  });

  it('is 0 when the page never left the band', () => {
    expect(recoverySeconds(points(steady(10)), band, at(2), at(3), at(10))).toBe(0);
  });

  it('says "did not recover" (null) when too few seconds in band follow the last one out of it', () => {
    const page = points([...steady(5), [80, 5], [60, 5], [10, 5], [10, 5]]);
    expect(recoverySeconds(page, band, at(5), at(5), at(9))).toBeNull();
  });

  it('counts a second with errors as out of band even when fast', () => {
    const page = points([...steady(5), [10, 5, 1], ...steady(5)]);
    expect(recoverySeconds(page, band, at(5), at(5), at(11))).toBe(1);
  });
});

describe('the rollback verdict', () => {
  const record = (afterRollback: Array<[number, number, number?]>, firstError: string | null) => {
    const page = points([...steady(10), ...steady(5), ...afterRollback]);
    const releaseEvent = {
      ...event([
        { kind: 'deploy', atSeconds: 10, startedAt: at(10), switchedAt: at(11), error: null },
        { kind: 'rollback', atSeconds: 15, startedAt: at(15), switchedAt: at(15), error: null },
      ]),
      firstErrorAfterRollback: firstError,
    };
    return { timeline: timeline('Posts', page), releaseEvent } as unknown as RunRecord;
  };

  it('passes when errors after the rollback are back to what they were before the deploy', () => {
    const analysed = analyzeReleaseEvent(record(steady(8), null))!;
    expect(analysed.summary.actions[1]!.restoredService).toBe(true);
    expect(analysed.checks.map((check) => `${check.kind}:${check.status}`)).toEqual(['release-rollback:pass']);
  });

  it('fails, with the app’s first error, when the baseline keeps failing on the migrated schema', () => {
    const failing: Array<[number, number, number]> = Array.from({ length: 8 }, () => [5, 5, 5]);
    const analysed = analyzeReleaseEvent(record(failing, 'GET /posts failed: column p.body does not exist'))!;
    const [rollback] = analysed.checks;
    expect(rollback).toMatchObject({ kind: 'release-rollback', status: 'fail' });
    expect(rollback!.sentence).toMatch(/did not restore service \(Posts 100\.0 % errors\).*column p\.body does not exist/);
  });

  it('checks budgets.release: errors during the switch and recovery seconds', () => {
    const analysed = analyzeReleaseEvent(record(steady(8), null), { maxErrorRateDuringSwitch: 0.01, maxRecoverySeconds: 5 })!;
    expect(analysed.checks.map((check) => `${check.kind}:${check.status}`).sort()).toEqual([
      'release-recovery:pass', 'release-recovery:pass', 'release-rollback:pass', 'release-switch-errors:pass', 'release-switch-errors:pass',
    ]);
  });
});

describe('the pages stuck behind a migration statement', () => {
  const BOOKINGS = { fingerprint: 'aaaaaaaaaaaaaaaa', query: 'select * from appointments where parent_id = $1' };
  const SHARED = { fingerprint: 'bbbbbbbbbbbbbbbb', query: 'select name from parents where id = $1' };
  const profile = (page: string, statements: Array<[typeof BOOKINGS, number]>) => ({
    page,
    statements: statements.map(([query, callsPerRequest]) => ({ ...query, id: query.fingerprint.slice(0, 8), calls: 1, callsPerRequest, rowsPerCall: 1, sharedBlocksPerCall: 1, meanMs: 1 })),
  });
  const PROFILES = [profile('My Bookings', [[BOOKINGS, 1], [SHARED, 1]]), profile('Posts', [[SHARED, 3]])];

  const statement = (waitingQueries: Array<{ fingerprint: string; query: string; requests: number }> | undefined) => ({
    file: '002.sql', index: 1, sql: 'alter table appointments add column token uuid not null default gen_random_uuid()', startedAt: at(12), durationMs: 4_200, error: null,
    locks: [{ relation: 'appointments', mode: 'AccessExclusiveLock', granted: true, heldMs: 4_200 }],
    sessionsQueued: 4, sessionsBlocked: 9, longestWaitMs: 4_100, samples: 42, ...(waitingQueries ? { waitingQueries } : {}),
  });

  const record = (migration: ReturnType<typeof statement>) => {
    const bookings = points([...steady(12), [4_300, 5], [4_300, 5], [4_300, 5], [4_300, 5], [4_300, 5], ...steady(8)]);
    const releaseEvent = { ...event([{ kind: 'deploy', atSeconds: 12, startedAt: at(12), switchedAt: at(17), error: null }]), migrate: { kind: 'sql', source: 'migrations' }, statements: [migration] };
    const posts = points(steady(25));
    return {
      timeline: { bucketSeconds: 1, all: bookings, pages: [{ page: 'My Bookings', points: bookings }, { page: 'Posts', points: posts }] },
      queryProfiles: PROFILES,
      releaseEvent,
    } as unknown as RunRecord;
  };

  it('come from the waiting sessions’ own statements, mapped to pages by the probe’s fingerprints', () => {
    const analysed = analyzeReleaseEvent(record(statement([{ ...BOOKINGS, requests: 37 }, { ...SHARED, requests: 8 }])))!;
    // The shared query goes to its pages by calls per request: 1 of 4 to My Bookings, 3 of 4 to Posts.
    expect(analysed.summary.statements[0]!.pagesWaited.map((page) => [page.page, page.requestsWaited])).toEqual([['My Bookings', 39], ['Posts', 6]]);
    expect(analysed.summary.statements[0]!.cost).toMatch(/held AccessExclusiveLock on appointments for 4\.2 s; .*39 My Bookings request\(s\) waited \(p95 4300 ms vs 10\.0 ms before\), 6 Posts request\(s\) waited/);
  });

  it('fall back to the pages whose p95 left their band when no waiting statement maps to a page', () => {
    for (const waiting of [undefined, [{ fingerprint: 'cccccccccccccccc', query: 'select 1', requests: 3 }]]) {
      const analysed = analyzeReleaseEvent(record(statement(waiting)))!;
      expect(analysed.summary.statements[0]!.pagesWaited.map((page) => [page.page, page.requestsWaited])).toEqual([['My Bookings', null]]);
      expect(analysed.summary.statements[0]!.cost).toMatch(/My Bookings p95 4300 ms vs 10.0 ms before/);
    }
  });
});
