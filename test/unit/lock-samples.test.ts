import { describe, expect, it } from 'vitest';
import { summarizeLockSamples, type LockSample, type LockWaiter } from '../../src/release/lock-samples.ts';
import { statementsOf } from '../../src/release/run-migrate-command.ts';

const MIGRATION = 100;

function sample(time: number, rest: Partial<LockSample> = {}): LockSample {
  return { time, migrationPids: [MIGRATION], migrationQuery: null, locks: [], blocked: [], ...rest };
}

function waiter(pid: number, waitingMs: number, blockedBy: number[], query: string | null = null, queryStart: number | null = null): LockWaiter {
  return { pid, waitingMs, blockedBy, query, queryStart };
}

const ACCESS_EXCLUSIVE = { relation: 'appointments', mode: 'AccessExclusiveLock', granted: true };

describe('a migration statement’s lock samples', () => {
  it('says how long each lock was seen, up to the statement’s end', () => {
    const samples = [sample(1_000, { locks: [ACCESS_EXCLUSIVE] }), sample(1_100, { locks: [ACCESS_EXCLUSIVE] })];
    expect(summarizeLockSamples(samples, 1_450).locks).toEqual([{ ...ACCESS_EXCLUSIVE, heldMs: 450 }]);
  });

  it('counts sessions queued behind the migration directly or behind another waiter, not unrelated waits', () => {
    const samples = [
      sample(1_000, { blocked: [waiter(201, 80, [MIGRATION])] }),
      sample(1_100, { blocked: [waiter(201, 180, [MIGRATION]), waiter(202, 50, [201]), waiter(300, 900, [301])] }),
    ];
    expect(summarizeLockSamples(samples, 1_200)).toMatchObject({ sessionsQueued: 2, sessionsBlocked: 2, longestWaitMs: 180 });
  });

  it('counts each waiting execution of a statement once, however many samples saw it, and leaves unrelated waiters out', () => {
    const bookings = 'select * from appointments where parent_id = 7';
    const samples = [
      sample(1_000, { blocked: [waiter(201, 10, [MIGRATION], bookings, 990), waiter(300, 10, [301], 'select 1', 990)] }),
      sample(1_100, { blocked: [waiter(201, 110, [MIGRATION], bookings, 990), waiter(202, 20, [201], bookings, 1_080)] }),
      // Session 201's next request waited again: another execution.
      sample(1_200, { blocked: [waiter(201, 30, [MIGRATION], bookings, 1_170)] }),
    ];
    expect(summarizeLockSamples(samples, 1_250).waiting).toEqual([{ query: bookings, requests: 3 }]);
  });
});

describe('a migrate command’s run, cut into the statements its session was seen running', () => {
  it('starts a statement where the session’s query changes, keeps gaps with the one before, and drops an idle start', () => {
    const samples = [
      sample(1_000, { migrationPids: [] }),
      sample(1_100, { migrationQuery: 'alter table appointments add column token text' }),
      sample(1_200, { migrationQuery: null }),
      sample(1_300, { migrationQuery: 'create index concurrently i on appointments (token)' }),
    ];
    const statements = statementsOf(samples, 950, 1_400);
    expect(statements.map(({ sql, startedAt, endedAt, samples: seen }) => [sql, startedAt, endedAt, seen.length])).toEqual([
      ['alter table appointments add column token text', 1_100, 1_300, 2],
      ['create index concurrently i on appointments (token)', 1_300, 1_400, 1],
    ]);
  });

  it('is one statement, the whole command, when no statement text was ever seen', () => {
    const samples = [sample(1_000, { locks: [ACCESS_EXCLUSIVE] }), sample(1_100)];
    expect(statementsOf(samples, 950, 1_150).map(({ sql, startedAt, endedAt }) => [sql, startedAt, endedAt])).toEqual([[null, 950, 1_150]]);
  });
});
