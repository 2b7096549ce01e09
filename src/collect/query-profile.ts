import type { QueryProfile, Statement } from '../run/run-record-schema.ts';
import { compareText } from './compare-text.ts';
import { isTransactionControl, opensTransaction } from './transaction-control.ts';

/**
 * A page's database cost per request, from the statements a probe of that
 * page alone caused (a pg_stat_statements delta, merged by fingerprint):
 * queries, rows and shared blocks per request (and, given the body bytes of
 * the answers, response bytes per request), and per statement its calls
 * per request. Transaction control (BEGIN, COMMIT, SET, …) is listed among
 * the statements but counted apart, as transactions per request. These counts do not move with machine noise, so an N+1 or a
 * missing index shows as a large, exact change.
 *
 * @example
 * const profile = profileQueries('My Bookings', 20, await mergeByFingerprint(delta.entries));
 * profile.queriesPerRequest; // 41 for an N+1 over 40 bookings
 */
export function profileQueries(page: string, requests: number, statements: readonly Statement[], responseBytes?: number): QueryProfile {
  const per = (total: number, count: number) => (count === 0 ? 0 : total / count);
  const blocks = (statement: Statement) => statement.sharedBlocksHit + statement.sharedBlocksRead;
  const queries = statements.filter((statement) => !isTransactionControl(statement.query));
  const calls = queries.reduce((total, statement) => total + statement.calls, 0);
  const rows = queries.reduce((total, statement) => total + statement.rows, 0);
  const sharedBlocks = queries.reduce((total, statement) => total + blocks(statement), 0);
  const transactions = statements.filter((statement) => opensTransaction(statement.query)).reduce((total, statement) => total + statement.calls, 0);
  return {
    page,
    requests,
    queriesPerRequest: per(calls, requests),
    rowsPerRequest: per(rows, requests),
    sharedBlocksPerRequest: per(sharedBlocks, requests),
    ...(responseBytes !== undefined ? { responseBytesPerRequest: per(responseBytes, requests) } : {}),
    transactionsPerRequest: per(transactions, requests),
    statements: [...statements]
      .sort((a, b) => b.calls - a.calls || compareText(a.fingerprint, b.fingerprint))
      .map((statement) => ({
        fingerprint: statement.fingerprint,
        id: statement.id,
        query: statement.query,
        calls: statement.calls,
        callsPerRequest: per(statement.calls, requests),
        rowsPerCall: per(statement.rows, statement.calls),
        sharedBlocksPerCall: per(blocks(statement), statement.calls),
        meanMs: statement.meanMs,
      })),
  };
}

/**
 * Database time per request of a profiled page: every statement's mean
 * execution time by its calls (transaction control too: a COMMIT is the
 * database's time as well), over the profile's requests. Derived, not
 * recorded, as the statements already carry it.
 *
 * @example
 * dbMsPerRequest(profile); // 0.9 for 3 queries of 0.3 ms each per request
 */
export function dbMsPerRequest(profile: Pick<QueryProfile, 'requests' | 'statements'>): number {
  if (profile.requests === 0) return 0;
  return profile.statements.reduce((sum, statement) => sum + statement.meanMs * statement.calls, 0) / profile.requests;
}
