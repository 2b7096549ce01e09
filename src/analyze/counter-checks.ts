import type { Check } from './analysis.ts';
import { formatBytes, formatCount, formatRatio, shortQuery } from './format-number.ts';
import { pagesOfQuery, type QueryMatching } from './match-queries.ts';
import type { PooledProfile, PooledProfileStatement, PooledSide, PooledStatement } from './pool-runs.ts';
import { exceeds, type Thresholds } from './thresholds.ts';

export interface CounterInputs {
  baseline: PooledSide;
  candidate: PooledSide;
  matching: QueryMatching;
  thresholds: Thresholds;
}

const ratioOf = (value: number, baseline: number) => (baseline === 0 ? (value === 0 ? 1 : Number.POSITIVE_INFINITY) : value / baseline);
const per = (total: number, count: number) => (count === 0 ? 0 : total / count);

interface Growth {
  statement: PooledProfileStatement;
  before: PooledProfileStatement | undefined;
  delta: number;
}

type Measure = (statement: PooledProfileStatement) => number;

/** Each candidate statement of a page against the baseline statement it continues, largest growth first. */
function growthOnPage(candidate: PooledProfile, baseline: PooledProfile, matching: QueryMatching, measure: Measure): Growth[] {
  return candidate.statements
    .map((statement) => {
      const previous = matching.predecessor.get(statement.fingerprint);
      const before = baseline.statements.find((entry) => entry.fingerprint === previous);
      return { statement, before, delta: measure(statement) - (before ? measure(before) : 0) };
    })
    .sort((a, b) => b.delta - a.delta || a.statement.fingerprint.localeCompare(b.statement.fingerprint));
}

/** A query that now runs many times per request, each call returning about one row: an N+1. */
function isRepeatedPerRow(growth: Growth, thresholds: Thresholds): boolean {
  const after = growth.statement.callsPerRequest;
  const before = growth.before?.callsPerRequest ?? 0;
  // A new query counts once it repeats within a request; with one row per request an N+1 cannot be told from a lookup.
  const grew = before === 0 ? after >= 2 : after / before >= thresholds.repeatedPerRowRatio;
  return grew && growth.statement.rowsPerCall <= 1;
}

function describeCallGrowth(growth: Growth, thresholds: Thresholds): string {
  const { statement, before } = growth;
  const calls = statement.callsPerRequest === 1 ? '1 call' : `${formatCount(statement.callsPerRequest)} calls`;
  const what = before ? `query ${statement.id} makes ${calls} per request (baseline ${formatCount(before.callsPerRequest)})` : `new query ${statement.id} makes ${calls} per request`;
  const repeated = isRepeatedPerRow(growth, thresholds) ? ', one row each — same query repeated per row (N+1)' : '';
  return `${what}${repeated}: ${shortQuery(statement.query)}`;
}

function pageCheck(
  kind: 'queries-per-request' | 'rows-per-request' | 'blocks-per-request' | 'response-bytes',
  page: string,
  value: number,
  baseline: number,
  limit: { ratio: number; increase: number },
  unit: string,
  culprit: Growth | undefined,
  describe: (growth: Growth) => string,
  format: (value: number) => string = formatCount,
): Check {
  const failed = exceeds(value, baseline, limit);
  const evidence = `${page}: ${format(value)} ${unit} per request, baseline ${format(baseline)}`;
  const named = failed && culprit && culprit.delta > 0 ? culprit : undefined;
  return {
    id: `${kind}:${page}`,
    kind,
    status: failed ? 'fail' : 'pass',
    page,
    queryId: named?.statement.id ?? null,
    fingerprint: named?.statement.fingerprint ?? null,
    sentence: named ? `${evidence} (${formatRatio(ratioOf(value, baseline))}) — ${describe(named)}` : evidence,
    measured: value,
    baseline,
    limit: baseline * limit.ratio,
    magnitude: ratioOf(value, baseline),
  };
}

/** Pages with a query profile on both sides: queries, rows, shared buffers and response bytes per request, and each query's calls per request. */
export function checkPageCounters({ baseline, candidate, matching, thresholds }: CounterInputs): Check[] {
  const checks: Check[] = [];
  for (const profile of candidate.profiles) {
    const before = baseline.profiles.find((entry) => entry.page === profile.page);
    if (!before) continue;
    const calls = growthOnPage(profile, before, matching, (statement) => statement.callsPerRequest);
    const repeated = calls.filter((growth) => isRepeatedPerRow(growth, thresholds));
    const callsCulprit = [...repeated, ...calls][0];
    checks.push(
      pageCheck('queries-per-request', profile.page, profile.queriesPerRequest, before.queriesPerRequest, thresholds.queriesPerRequest, 'queries', callsCulprit, (growth) =>
        describeCallGrowth(growth, thresholds),
      ),
    );
    const rows = growthOnPage(profile, before, matching, (statement) => statement.callsPerRequest * statement.rowsPerCall);
    const describeRows = ({ statement, before: was }: Growth) =>
      `query ${statement.id} returns ${formatCount(statement.rowsPerCall)} rows per call (${was ? `baseline ${formatCount(was.rowsPerCall)}` : 'new'}): ${shortQuery(statement.query)}`;
    checks.push(pageCheck('rows-per-request', profile.page, profile.rowsPerRequest, before.rowsPerRequest, thresholds.rowsPerRequest, 'rows', rows[0], describeRows));
    if (profile.responseBytesPerRequest !== null && before.responseBytesPerRequest !== null) {
      checks.push(
        pageCheck('response-bytes', profile.page, profile.responseBytesPerRequest, before.responseBytesPerRequest, thresholds.responseBytesPerRequest, 'of response body', rows[0], describeRows, formatBytes),
      );
    }
    const blocks = growthOnPage(profile, before, matching, (statement) => statement.callsPerRequest * statement.blocksPerCall);
    checks.push(
      pageCheck('blocks-per-request', profile.page, profile.blocksPerRequest, before.blocksPerRequest, thresholds.blocksPerRequest, 'shared buffers', blocks[0], ({ statement, before: was }) =>
        `query ${statement.id} reads ${formatCount(statement.callsPerRequest * statement.blocksPerCall)} buffers per request (${was ? `baseline ${formatCount(was.callsPerRequest * was.blocksPerCall)}` : 'new'}): ${shortQuery(statement.query)}`,
      ),
    );
    checks.push(...calls.map((growth) => pageQueryCallsCheck(profile.page, growth, thresholds)));
  }
  return checks;
}

function pageQueryCallsCheck(page: string, growth: Growth, thresholds: Thresholds): Check {
  const after = growth.statement.callsPerRequest;
  const before = growth.before?.callsPerRequest ?? 0;
  const failed = exceeds(after, before, thresholds.pageQueryCalls);
  return {
    id: `page-query-calls:${page}:${growth.statement.id}`,
    kind: 'page-query-calls',
    status: failed ? 'fail' : 'pass',
    page,
    queryId: growth.statement.id,
    fingerprint: growth.statement.fingerprint,
    sentence: `${page}: ${describeCallGrowth(growth, thresholds)}`,
    measured: after,
    baseline: before,
    limit: before * thresholds.pageQueryCalls.ratio,
    magnitude: ratioOf(after, before),
  };
}

export interface StatementCounters {
  callsPerRequest: number;
  rowsPerCall: number;
  blocksPerCall: number;
  meanMs: number;
}

export function statementCounters(statement: PooledStatement, side: PooledSide): StatementCounters {
  return {
    callsPerRequest: per(statement.calls, side.requests),
    rowsPerCall: per(statement.rows, statement.calls),
    blocksPerCall: per(statement.blocks, statement.calls),
    meanMs: per(statement.totalMs, statement.calls),
  };
}

/** "My Bookings, Video call: query 4d413cfd", or "query 4d413cfd" when no profiled page issues it. */
export function pagesPhrase(statement: PooledStatement, side: PooledSide, thresholds: Thresholds): { first: string | null; phrase: string } {
  const pages = pagesOfQuery(statement, side.profiles, thresholds.changedQuerySimilarity);
  if (pages.length === 0) return { first: null, phrase: `query ${statement.id}` };
  const names = pages.map((entry) => entry.page).join(', ');
  const inferred = pages.some((entry) => entry.inferred) ? ' (pages inferred from the most similar profiled query)' : '';
  return { first: pages[0]!.page, phrase: `${names}: query ${statement.id}${inferred}` };
}

/** Seq Scans in the candidate plan on relations the baseline plan did not scan sequentially. */
export function newSeqScans(candidate: PooledStatement, baseline: PooledStatement): Array<{ relation: string; estimatedRows: number }> {
  if (!candidate.plan || !baseline.plan) return [];
  const before = new Set(baseline.plan.summary.seqScans.map((scan) => scan.relation));
  const seen = new Set<string>();
  return candidate.plan.summary.seqScans.filter((scan) => !before.has(scan.relation) && !seen.has(scan.relation) && seen.add(scan.relation));
}

/** Whole-load pg_stat_statements, per query matched across the runs: calls per request, rows and buffers per call, new Seq Scans. */
export function checkQueryCounters({ baseline, candidate, matching, thresholds }: CounterInputs): Check[] {
  const checks: Check[] = [];
  for (const statement of candidate.statements) {
    const previous = matching.predecessor.get(statement.fingerprint);
    const before = baseline.statements.find((entry) => entry.fingerprint === previous);
    if (!before) continue;
    const now = statementCounters(statement, candidate);
    const was = statementCounters(before, baseline);
    const { first, phrase } = pagesPhrase(statement, candidate, thresholds);
    const changed = before.fingerprint === statement.fingerprint ? '' : ` (rewritten from ${before.id})`;
    const base = { page: first, queryId: statement.id, fingerprint: statement.fingerprint };
    const counter = (kind: 'query-calls' | 'query-rows' | 'query-blocks', value: number, baselineValue: number, limit: { ratio: number; increase: number }, what: string): Check => ({
      ...base,
      id: `${kind}:${statement.id}`,
      kind,
      status: exceeds(value, baselineValue, limit) ? 'fail' : 'pass',
      sentence: `${phrase}${changed} — ${what} ${formatCount(value)}, baseline ${formatCount(baselineValue)} (${formatRatio(ratioOf(value, baselineValue))}): ${shortQuery(statement.query)}`,
      measured: value,
      baseline: baselineValue,
      limit: baselineValue * limit.ratio,
      magnitude: ratioOf(value, baselineValue),
    });
    checks.push(counter('query-calls', now.callsPerRequest, was.callsPerRequest, thresholds.statementCallsPerRequest, 'calls per request of the load'));
    checks.push(counter('query-rows', now.rowsPerCall, was.rowsPerCall, thresholds.statementRowsPerCall, 'rows per call'));
    checks.push(counter('query-blocks', now.blocksPerCall, was.blocksPerCall, thresholds.statementBlocksPerCall, 'shared buffers per call'));
    checks.push(seqScanCheck(statement, before, now, was, phrase, changed, base, thresholds));
  }
  return checks;
}

function seqScanCheck(
  statement: PooledStatement,
  before: PooledStatement,
  now: StatementCounters,
  was: StatementCounters,
  phrase: string,
  changed: string,
  base: Pick<Check, 'page' | 'queryId' | 'fingerprint'>,
  thresholds: Thresholds,
): Check {
  const scans = newSeqScans(statement, before);
  const blocksGrew = now.blocksPerCall >= was.blocksPerCall * thresholds.seqScanBlocksRatio && now.blocksPerCall > was.blocksPerCall;
  const large = scans.filter((scan) => scan.estimatedRows >= thresholds.seqScanLargeRows);
  const failing = blocksGrew ? scans : large;
  const id = `seq-scan:${statement.id}`;
  if (failing.length === 0) {
    const note = scans.length > 0 ? `; new Seq Scan on ${scans.map((scan) => scan.relation).join(', ')} without more buffers read, not counted` : '';
    return { ...base, id, kind: 'seq-scan', status: 'pass', sentence: `${phrase}${changed}: no new Seq Scan on a large relation${note}`, measured: 0, baseline: 0, limit: 0, magnitude: 0 };
  }
  const relations = failing.map((scan) => scan.relation).join(', ');
  const evidence = blocksGrew
    ? `shared buffers per call ${formatCount(now.blocksPerCall)}, baseline ${formatCount(was.blocksPerCall)}`
    : `estimated ${formatCount(Math.max(...failing.map((scan) => scan.estimatedRows)))} rows scanned`;
  return {
    ...base,
    id,
    kind: 'seq-scan',
    status: 'fail',
    sentence: `${phrase}${changed} has a new Seq Scan on ${relations} (${evidence}): ${shortQuery(statement.query)}`,
    measured: now.blocksPerCall,
    baseline: was.blocksPerCall,
    limit: null,
    magnitude: ratioOf(now.blocksPerCall, was.blocksPerCall),
  };
}
