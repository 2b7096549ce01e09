import type { RunRecord } from '../run/run-record-schema.ts';
import type { Check } from './analysis.ts';
import { pagesPhrase, type CounterInputs } from './counter-checks.ts';
import { formatMs, formatPercent, formatRatio, shortQuery } from './format-number.ts';
import { msPerRequest, predecessorOf } from './query-cost.ts';
import type { PooledStatement } from './pool-runs.ts';

const per = (total: number, count: number) => (count === 0 ? 0 : total / count);
const ratioOf = (value: number, baseline: number) => (baseline === 0 ? (value === 0 ? 1 : Number.POSITIVE_INFINITY) : value / baseline);

/** One run's share of its database time taken by a query. */
function runShare(run: RunRecord, fingerprint: string): number {
  const total = run.statements.reduce((sum, statement) => sum + statement.totalMs, 0);
  return per(run.statements.filter((statement) => statement.fingerprint === fingerprint).reduce((sum, statement) => sum + statement.totalMs, 0), total);
}

/** One run's total time of a query per request of that run's load; 0 when the run did not record it. */
function runMsPerRequest(run: RunRecord, fingerprint: string): number {
  const totalMs = run.statements.filter((statement) => statement.fingerprint === fingerprint).reduce((sum, statement) => sum + statement.totalMs, 0);
  return per(totalMs, run.pages.reduce((sum, page) => sum + page.requests, 0));
}

interface QueryTime {
  statement: PooledStatement;
  before: PooledStatement | undefined;
  phrase: string;
  page: string | null;
  nowMs: number;
  wasMs: number;
  share: number;
  wasShare: number;
}

/**
 * Per query of the load: its time against its predecessor's (`query-time`)
 * and its share of the candidate's database time (`db-time-share`). Both
 * carry the query's added ms per request of the load as their cost.
 */
export function checkQueryTimes(inputs: CounterInputs): Check[] {
  const { baseline, candidate, thresholds } = inputs;
  return candidate.statements.flatMap((statement) => {
    const before = predecessorOf(statement, inputs);
    const { first, phrase } = pagesPhrase(statement, candidate, thresholds);
    const changed = before && before.fingerprint !== statement.fingerprint ? ` (rewritten from ${before.id})` : '';
    const time: QueryTime = {
      statement,
      before,
      phrase: before ? `${phrase}${changed}` : phrase.replace(/query (\w+)/, 'new query $1'),
      page: first,
      nowMs: msPerRequest(statement, candidate),
      wasMs: before ? msPerRequest(before, baseline) : 0,
      share: per(statement.totalMs, candidate.queryMs),
      wasShare: before ? per(before.totalMs, baseline.queryMs) : 0,
    };
    return [dbTimeShareCheck(time, inputs), ...(before ? [queryTimeCheck(time, before, inputs)] : [])];
  });
}

/**
 * A new or rewritten query that now takes most of the database time, its
 * predecessor having taken little of it, is the headline whatever the
 * noise. The same query text taking a much larger share is a timing change:
 * between two baseline runs of the fixture one query went from 8.7 % to
 * 33 % of the database time. So with one run per side it is a warning, and
 * with repeats on both sides it fails when every run agrees.
 */
function dbTimeShareCheck({ statement, before, phrase, page, nowMs, wasMs, share, wasShare }: QueryTime, { baseline, candidate, thresholds }: CounterInputs): Check {
  const limit = thresholds.dbTimeShare;
  const costMs = nowMs - wasMs;
  const dominates = share >= limit.share && wasShare <= limit.baselineShare && nowMs >= limit.minMsPerRequest && costMs >= limit.minMsPerRequest;
  const sameText = before !== undefined && before.fingerprint === statement.fingerprint;
  const repeated = candidate.runs.length > 1 && baseline.runs.length > 1;
  const everyRun =
    candidate.runs.every((run) => runShare(run, statement.fingerprint) >= limit.share) && baseline.runs.every((run) => runShare(run, statement.fingerprint) <= limit.baselineShare);
  const status = !dominates ? 'pass' : !sameText || (repeated && everyRun) ? 'fail' : 'warn';
  const was = before ? ` (baseline ${formatPercent(wasShare)}, ${formatMs(wasMs)})` : '';
  const caveat = status === 'warn' ? (repeated ? ' — not in every run' : ' — the same query, so a timing change: one run per side cannot tell it from machine noise; repeat both sides to judge') : '';
  return {
    id: `db-time-share:${statement.id}`,
    kind: 'db-time-share',
    status,
    page,
    queryId: statement.id,
    fingerprint: statement.fingerprint,
    sentence: `${phrase} takes ${formatPercent(share)} of the database time, ${formatMs(nowMs)} per request of the load${was}${caveat}: ${shortQuery(statement.query)}`,
    measured: share,
    baseline: wasShare,
    limit: limit.share,
    magnitude: share - wasShare,
    costMs,
  };
}

/**
 * Slower at ≥ ratio × in mean or in total per request, adding at least
 * `increaseMs` per request of the load. Timing moves with the machine: with
 * one run per side a slowdown is a warning; with repeats on both sides it
 * fails only when every candidate run is slower than every baseline run by
 * that much.
 */
function queryTimeCheck({ statement, phrase, page, nowMs, wasMs }: QueryTime, before: PooledStatement, { baseline, candidate, thresholds }: CounterInputs): Check {
  const limit = thresholds.queryTime;
  const meanNow = per(statement.totalMs, statement.calls);
  const meanWas = per(before.totalMs, before.calls);
  const costMs = nowMs - wasMs;
  const slower = (nowMs >= wasMs * limit.ratio || meanNow >= meanWas * limit.ratio) && costMs >= limit.increaseMs;
  const repeated = candidate.runs.length > 1 && baseline.runs.length > 1;
  const everyRun =
    Math.min(...candidate.runs.map((run) => runMsPerRequest(run, statement.fingerprint))) - Math.max(...baseline.runs.map((run) => runMsPerRequest(run, before.fingerprint))) >= limit.increaseMs;
  const status = !slower ? 'pass' : repeated && everyRun ? 'fail' : 'warn';
  const verdict = {
    pass: '',
    fail: ' — slower in every run',
    warn: repeated ? ' — slower overall but not in every run' : ' — slower, but one run per side cannot tell a slowdown from machine noise; repeat both sides to judge',
  }[status];
  return {
    id: `query-time:${statement.id}`,
    kind: 'query-time',
    status,
    page,
    queryId: statement.id,
    fingerprint: statement.fingerprint,
    sentence: `${phrase} — ${formatMs(nowMs)} per request of the load, baseline ${formatMs(wasMs)} (${formatRatio(ratioOf(nowMs, wasMs))}); mean ${formatMs(meanNow)}, baseline ${formatMs(meanWas)}${verdict}: ${shortQuery(statement.query)}`,
    measured: nowMs,
    baseline: wasMs,
    limit: wasMs * limit.ratio,
    magnitude: ratioOf(nowMs, wasMs),
    costMs,
  };
}
