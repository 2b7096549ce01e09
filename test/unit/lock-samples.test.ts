import { describe, expect, it } from 'vitest';
import { summarizeLockSamples, type LockSample } from '../../src/release/lock-samples.ts';

const MIGRATION = 100;

describe('a migration statement’s lock samples', () => {
  it('says how long each lock was seen, up to the statement’s end', () => {
    const samples: LockSample[] = [
      { time: 1_000, locks: [{ relation: 'appointments', mode: 'AccessExclusiveLock', granted: true }], blocked: [] },
      { time: 1_100, locks: [{ relation: 'appointments', mode: 'AccessExclusiveLock', granted: true }], blocked: [] },
    ];
    expect(summarizeLockSamples(samples, MIGRATION, 1_450).locks).toEqual([{ relation: 'appointments', mode: 'AccessExclusiveLock', granted: true, heldMs: 450 }]);
  });

  it('counts sessions queued behind the migration directly or behind another waiter, not unrelated waits', () => {
    const samples: LockSample[] = [
      { time: 1_000, locks: [], blocked: [{ pid: 201, waitingMs: 80, blockedBy: [MIGRATION] }] },
      {
        time: 1_100,
        locks: [],
        blocked: [
          { pid: 201, waitingMs: 180, blockedBy: [MIGRATION] },
          { pid: 202, waitingMs: 50, blockedBy: [201] },
          { pid: 300, waitingMs: 900, blockedBy: [301] },
        ],
      },
    ];
    expect(summarizeLockSamples(samples, MIGRATION, 1_200)).toMatchObject({ sessionsQueued: 2, sessionsBlocked: 2, longestWaitMs: 180 });
  });
});
