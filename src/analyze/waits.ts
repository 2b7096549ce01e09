import type { Check, PageWaitNumbers, PageWaits, PoolWaitNumbers, WaitsSummary } from './analysis.ts';
import type { PooledSide } from './pool-runs.ts';
import { OTHER_PAGE, summarizeSideWaits, type SideWaits } from './session-waits.ts';
import type { Thresholds } from './thresholds.ts';
import { checkIdleInTransaction, checkLockWaits, checkPoolWaits } from './wait-checks.ts';

export interface WaitsInputs {
  candidate: PooledSide;
  baseline: PooledSide | null;
  thresholds: Thresholds;
  tolerance: number;
}

function numbers(page: SideWaits['pages'] extends Map<string, infer Value> ? Value : never): PageWaitNumbers {
  return {
    waitSecondsByType: page.waitSecondsByType,
    waitSecondsByEvent: page.waitSecondsByEvent,
    activeSeconds: page.activeSeconds,
    lockWaitMsPerRequest: page.lockWaitMsPerRequest,
    idleInTransactionSeconds: page.idleInTransactionSeconds,
    idleInTransactionMsPerRequest: page.idleInTransactionMsPerRequest,
    longestIdleInTransactionMs: page.longestIdleInTransactionMs,
    longestStatements: page.longestStatements,
  };
}

const waitSeconds = (page: PageWaitNumbers) => Object.values(page.waitSecondsByType).reduce((sum, seconds) => sum + seconds, 0);

function poolNumbers(pool: NonNullable<SideWaits['pool']>): PoolWaitNumbers {
  const { gauges: _gauges, ...rest } = pool;
  return rest;
}

/**
 * Waits per page, blocking pairs and the connection pool of the candidate,
 * each beside the baseline's, and the checks they feed: lock waits and
 * idle-in-transaction time per page, and pool waits app-wide (candidate
 * against baseline; without a baseline, no check).
 */
/**
 * A failing check naming a query whose sessions were caught waiting on a
 * lock: that waiting is the lock's cost, not the query's. pg_stat_statements
 * counts a statement's lock wait in its time, so a new upsert queueing on a
 * hot row would otherwise rank (by the time it added) level with the lock
 * waits it suffers, and lead half the time; its cost is taken down by the
 * sampled waiting (samples × interval ÷ the load's requests), leaving the
 * lock-wait check, the cause, to lead. A query-time or database-time check
 * also says so: its time is queueing for a row, not work, and the fix is the
 * transaction holding the row, not the query's plan.
 */
export function withLockEvidence(check: Check, candidateWaits: SideWaits): Check {
  if (check.status === 'pass' || !check.fingerprint) return check;
  const locks = candidateWaits.lockWaitsByStatement.get(check.fingerprint);
  if (!locks) return check;
  const waitedMs = candidateWaits.requests > 0 ? (locks.samples * candidateWaits.intervalMs) / candidateWaits.requests : 0;
  const costed = check.costMs === undefined ? check : { ...check, costMs: Math.max(0, check.costMs - waitedMs) };
  if (check.kind !== 'db-time-share' && check.kind !== 'query-time') return costed;
  const on = locks.relations.length > 0 ? ` (on ${locks.relations.join(', ')})` : '';
  const caught = `its sessions were caught waiting on ${locks.events.join(', ')}${on} in ${locks.samples} sample${locks.samples === 1 ? '' : 's'}: lock waiting, not work, is part of that time`;
  return { ...costed, sentence: `${check.sentence} — ${caught}` };
}

export function analyzeWaits(inputs: WaitsInputs): { summary: WaitsSummary; checks: Check[]; explain: (check: Check) => Check } {
  const minSimilarity = inputs.thresholds.changedQuerySimilarity;
  const candidateWaits = summarizeSideWaits(inputs.candidate, minSimilarity);
  const baselineWaits = inputs.baseline ? summarizeSideWaits(inputs.baseline, minSimilarity) : null;
  const pages = [...candidateWaits.pages.entries()]
    .map(([page, entry]): PageWaits => {
      const before = baselineWaits?.sampled ? baselineWaits.pages.get(page) : undefined;
      return { page, requests: entry.requests, ...numbers(entry), baseline: before ? numbers(before) : null };
    })
    .filter((page) => page.page !== OTHER_PAGE || page.activeSeconds + page.idleInTransactionSeconds > 0)
    .sort((a, b) => Number(a.page === OTHER_PAGE) - Number(b.page === OTHER_PAGE) || waitSeconds(b) + b.idleInTransactionSeconds - (waitSeconds(a) + a.idleInTransactionSeconds) || a.page.localeCompare(b.page));
  const pool = candidateWaits.pool ? { gauges: candidateWaits.pool.gauges, ...poolNumbers(candidateWaits.pool), baseline: baselineWaits?.pool ? poolNumbers(baselineWaits.pool) : null } : null;
  const summary: WaitsSummary = {
    sampled: candidateWaits.sampled,
    intervalMs: candidateWaits.intervalMs,
    pages: candidateWaits.sampled ? pages : [],
    blocking: candidateWaits.blocking,
    baselineBlocking: baselineWaits?.blocking ?? [],
    pool,
  };
  const explain = (check: Check) => withLockEvidence(check, candidateWaits);
  if (!inputs.baseline || !baselineWaits) return { summary, checks: [], explain };
  const checkInputs = { baseline: inputs.baseline, candidate: inputs.candidate, baselineWaits, candidateWaits, thresholds: inputs.thresholds, tolerance: inputs.tolerance };
  return { summary, checks: [...checkLockWaits(checkInputs), ...checkIdleInTransaction(checkInputs), ...checkPoolWaits(checkInputs)], explain };
}
