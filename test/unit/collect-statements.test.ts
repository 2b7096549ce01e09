import { describe, expect, it } from 'vitest';
import { mergeByFingerprint } from '../../src/collect/collect-statements.ts';
import { dbMsPerRequest, profileQueries } from '../../src/collect/query-profile.ts';
import { isTransactionControl, opensTransaction } from '../../src/collect/transaction-control.ts';
import { diffStatementSnapshots, type StatementCounters, type StatementSnapshot } from '../../src/collect/statement-snapshot.ts';

function entry(queryId: string, query: string, timesMs: number[], rows = timesMs.length): StatementCounters {
  const calls = timesMs.length;
  const totalMs = timesMs.reduce((a, b) => a + b, 0);
  const meanMs = totalMs / calls;
  const stddevMs = Math.sqrt(timesMs.reduce((sum, t) => sum + (t - meanMs) ** 2, 0) / calls);
  return {
    userId: '10',
    queryId,
    toplevel: true,
    query,
    calls,
    totalMs,
    meanMs,
    stddevMs,
    minMs: Math.min(...timesMs),
    maxMs: Math.max(...timesMs),
    rows,
    sharedBlocksHit: calls * 3,
    sharedBlocksRead: calls,
    tempBlocksRead: 0,
    tempBlocksWritten: 0,
  };
}

function snapshot(entries: StatementCounters[], deallocations = 0): StatementSnapshot {
  return { database: 'run', takenAt: 0, deallocations, entries };
}

describe('pg_stat_statements deltas', () => {
  it('subtracts counters and derives the interval’s mean and standard deviation', () => {
    const before = snapshot([entry('1', 'select $1', [1, 3])], 2);
    const after = snapshot([entry('1', 'select $1', [1, 3, 10, 20]), entry('2', 'select 2', [5])], 5);
    const delta = diffStatementSnapshots(before, after);
    expect(delta.deallocations).toBe(3);
    const [first, second] = delta.entries;
    expect(first).toMatchObject({ calls: 2, totalMs: 30, meanMs: 15, rows: 2, sharedBlocksHit: 6, sharedBlocksRead: 2 });
    expect(first!.stddevMs).toBeCloseTo(5, 6);
    expect(second).toMatchObject({ queryId: '2', calls: 1 });
  });

  it('drops entries that were not called in between and counts a re-created entry whole', () => {
    const before = snapshot([entry('1', 'select $1', [1, 2]), entry('2', 'select 2', [1, 1, 1])]);
    const after = snapshot([entry('1', 'select $1', [1, 2]), entry('2', 'select 2', [4])]);
    expect(diffStatementSnapshots(before, after).entries).toEqual([entry('2', 'select 2', [4])]);
  });
});

describe('statements merged by fingerprint', () => {
  it('merges entries of one query shape (other queryid, other constants) and orders by total time', async () => {
    const statements = await mergeByFingerprint([
      entry('1', 'select * from posts where id = $1', [1, 1]),
      entry('2', 'select * from bookings where parent_id = $1', [2, 4, 6]),
      entry('3', 'SELECT * FROM bookings WHERE parent_id = 5', [8]),
    ]);
    expect(statements).toHaveLength(2);
    const bookings = statements[0]!;
    expect(bookings).toMatchObject({ queryIds: ['2', '3'], query: 'select * from bookings where parent_id = $1', calls: 4, totalMs: 20, meanMs: 5, minMs: 2, maxMs: 8, rows: 4 });
    expect(bookings.stddevMs).toBeCloseTo(Math.sqrt(5), 6);
    expect(bookings.id).toBe(bookings.fingerprint.slice(0, 8));
    expect(statements[1]!.query).toBe('select * from posts where id = $1');
  });
});

describe('per-page query profiles', () => {
  it('divides a probe’s statements by its requests', async () => {
    const statements = await mergeByFingerprint([
      entry('1', 'select * from bookings where parent_id = $1', Array(10).fill(1), 40),
      entry('2', 'select * from teachers where id = $1', Array(400).fill(0.1), 400),
    ]);
    const profile = profileQueries('My Bookings', 10, statements);
    expect(profile).toMatchObject({ page: 'My Bookings', requests: 10, queriesPerRequest: 41, rowsPerRequest: 44, sharedBlocksPerRequest: 164 });
    expect(profile.statements.map((statement) => [statement.query, statement.callsPerRequest, statement.rowsPerCall, statement.sharedBlocksPerCall])).toEqual([
      ['select * from teachers where id = $1', 40, 1, 4],
      ['select * from bookings where parent_id = $1', 1, 4, 4],
    ]);
  });

  it('counts BEGIN and COMMIT as transactions, not as queries, rows or buffers', async () => {
    const statements = await mergeByFingerprint([
      entry('1', 'BEGIN READ ONLY', Array(10).fill(0.01), 0),
      entry('2', 'select * from bookings where parent_id = $1', Array(10).fill(1), 40),
      entry('3', 'COMMIT', Array(10).fill(0.01), 0),
    ]);
    const profile = profileQueries('My Bookings', 10, statements);
    expect(profile).toMatchObject({ queriesPerRequest: 1, rowsPerRequest: 4, sharedBlocksPerRequest: 4, transactionsPerRequest: 1 });
    expect(profile.statements).toHaveLength(3);
  });

  it('derives the database time per request from every statement, transaction control too', async () => {
    const statements = await mergeByFingerprint([
      entry('1', 'BEGIN READ ONLY', Array(10).fill(0.01), 0),
      entry('2', 'select * from teachers where id = $1', Array(30).fill(0.2)),
      entry('3', 'COMMIT', Array(10).fill(0.05), 0),
    ]);
    expect(dbMsPerRequest(profileQueries('My Bookings', 10, statements))).toBeCloseTo(0.01 + 3 * 0.2 + 0.05);
    expect(dbMsPerRequest(profileQueries('My Bookings', 0, []))).toBe(0);
  });
});

describe('transaction control', () => {
  it('recognises transaction control and session settings in any case, with options and comments', () => {
    const control = ['BEGIN', 'begin read only', 'BEGIN ISOLATION LEVEL SERIALIZABLE', 'START TRANSACTION READ WRITE', 'commit', 'END', 'ROLLBACK', 'rollback to savepoint sp1', 'SAVEPOINT sp1', 'RELEASE SAVEPOINT sp1', 'SET application_name = $1', 'set local statement_timeout = $1', 'RESET ALL', 'DISCARD ALL', '/* app */ COMMIT', '-- orm\nBEGIN'];
    expect(control.filter((query) => !isTransactionControl(query))).toEqual([]);
    const queries = ['select * from settings', 'update sessions set seen_at = now()', 'with begin as (select 1) select * from begin', 'insert into endings values ($1)', 'SELECT set_config($1, $2, $3)'];
    expect(queries.filter(isTransactionControl)).toEqual([]);
    expect(['BEGIN', 'start transaction', 'COMMIT', 'SAVEPOINT a'].map(opensTransaction)).toEqual([true, true, false, false]);
  });
});
