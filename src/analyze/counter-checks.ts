import type { Check } from './analysis.ts';
import { formatBytes, formatCount, formatMs, formatRatio, shortQuery } from './format-number.ts';
import { matchQueries, pagesOfQuery, type QueryMatching } from './match-queries.ts';
import type { PooledProfile, PooledProfileStatement, PooledSide, PooledStatement } from './pool-runs.ts';
import { addedMsPerRequest, predecessorOf, withCost } from './query-cost.ts';
import { rowsPerCallHint } from './rows-per-call-hint.ts';
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

/**
 * Each candidate statement of a page against the baseline statement it
 * continues on that page, largest growth first. Matched per page, not over
 * the whole load: a release may rewrite a query on one page while another
 * page still runs the old text, and the rewrite must still be compared with
 * the query it replaced there.
 */
function growthOnPage(candidate: PooledProfile, baseline: PooledProfile, minSimilarity: number, measure: Measure): Growth[] {
  const matching = matchQueries(baseline.statements, candidate.statements, minSimilarity);
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

/** Fingerprint → " (Seq Scan on posts)" for a query whose plan scans relations its predecessor's did not; "" otherwise. */
type ScanNote = (fingerprint: string) => string;

function describeCallGrowth(growth: Growth, thresholds: Thresholds, scanNote: ScanNote): string {
  const { statement, before } = growth;
  const calls = statement.callsPerRequest === 1 ? '1 call' : `${formatCount(statement.callsPerRequest)} calls`;
  const what = before ? `query ${statement.id} makes ${calls} per request (baseline ${formatCount(before.callsPerRequest)})` : `new query ${statement.id} makes ${calls} per request`;
  const repeated = isRepeatedPerRow(growth, thresholds) ? ', one row each — same query repeated per row (N+1)' : '';
  return `${what}${scanNote(statement.fingerprint)}${repeated}: ${shortQuery(statement.query)}`;
}

/** What a page check says of its culprit's plan: the Seq Scans it added, from the whole load's EXPLAIN. */
function scanNotes(inputs: CounterInputs): ScanNote {
  return (fingerprint) => {
    const statement = inputs.candidate.statements.find((entry) => entry.fingerprint === fingerprint);
    if (!statement) return '';
    const before = predecessorOf(statement, inputs);
    const scans = newSeqScans(statement, before);
    return scans.length === 0 ? '' : ` (${before ? 'new ' : ''}Seq Scan on ${scans.map((scan) => scan.relation).join(', ')})`;
  };
}

function pageCheck(
  kind: 'queries-per-request' | 'rows-per-request' | 'blocks-per-request' | 'response-bytes' | 'app-cpu-per-request',
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

/**
 * Pages with a query profile on both sides: queries, rows, shared buffers and
 * response bytes per request, and each query's calls per request. A check
 * that names a query carries that query's added time over the load.
 */
export function checkPageCounters(inputs: CounterInputs): Check[] {
  return pageCounterChecks(inputs).map((check) => withCost(check, inputs));
}

function pageCounterChecks(inputs: CounterInputs): Check[] {
  const { baseline, candidate, thresholds } = inputs;
  const scanNote = scanNotes(inputs);
  const checks: Check[] = [];
  for (const profile of candidate.profiles) {
    const before = baseline.profiles.find((entry) => entry.page === profile.page);
    if (!before) continue;
    const calls = growthOnPage(profile, before, thresholds.changedQuerySimilarity, (statement) => statement.callsPerRequest);
    const repeated = calls.filter((growth) => isRepeatedPerRow(growth, thresholds));
    const callsCulprit = [...repeated, ...calls][0];
    checks.push(
      pageCheck('queries-per-request', profile.page, profile.queriesPerRequest, before.queriesPerRequest, thresholds.queriesPerRequest, 'queries', callsCulprit, (growth) =>
        describeCallGrowth(growth, thresholds, scanNote),
      ),
    );
    const rows = growthOnPage(profile, before, thresholds.changedQuerySimilarity, (statement) => statement.callsPerRequest * statement.rowsPerCall);
    const describeRows = ({ statement, before: was }: Growth) => {
      const hint = was ? rowsPerCallHint({ now: statement.rowsPerCall, was: was.rowsPerCall, query: statement.query, previousQuery: was.query }, thresholds.rowsPerCallHint) : null;
      const evidence = `query ${statement.id} returns ${formatCount(statement.rowsPerCall)} rows per call (${was ? `baseline ${formatCount(was.rowsPerCall)}` : 'new'})`;
      return hint ? `${evidence}${hint} — ${shortQuery(statement.query)}` : `${evidence}: ${shortQuery(statement.query)}`;
    };
    checks.push(pageCheck('rows-per-request', profile.page, profile.rowsPerRequest, before.rowsPerRequest, thresholds.rowsPerRequest, 'rows', rows[0], describeRows));
    if (profile.responseBytesPerRequest !== null && before.responseBytesPerRequest !== null) {
      checks.push(
        pageCheck('response-bytes', profile.page, profile.responseBytesPerRequest, before.responseBytesPerRequest, thresholds.responseBytesPerRequest, 'of response body', rows[0], describeRows, formatBytes),
      );
    }
    if (typeof profile.appCpuMsPerRequest === 'number' && typeof before.appCpuMsPerRequest === 'number') {
      // The app's own work: no query to blame, the page is the culprit.
      checks.push(pageCheck('app-cpu-per-request', profile.page, profile.appCpuMsPerRequest, before.appCpuMsPerRequest, thresholds.appCpuMsPerRequest, 'of app CPU', undefined, () => '', formatMs));
    }
    // A page that never touches the cache on either side has nothing to say about it.
    const cached = profile.cacheCommandsPerRequest !== null && before.cacheCommandsPerRequest !== null && (profile.cacheCommandsPerRequest > 0 || before.cacheCommandsPerRequest > 0);
    if (cached) checks.push(cacheCommandsCheck(profile, before, thresholds));
    const blocks = growthOnPage(profile, before, thresholds.changedQuerySimilarity, (statement) => statement.callsPerRequest * statement.blocksPerCall);
    checks.push(
      pageCheck('blocks-per-request', profile.page, profile.blocksPerRequest, before.blocksPerRequest, thresholds.blocksPerRequest, 'shared buffers', blocks[0], ({ statement, before: was }) =>
        `query ${statement.id} reads ${formatCount(statement.callsPerRequest * statement.blocksPerCall)} buffers per request (${was ? `baseline ${formatCount(was.callsPerRequest * was.blocksPerCall)}` : 'new'}): ${shortQuery(statement.query)}`,
      ),
    );
    checks.push(...calls.map((growth) => pageQueryCallsCheck(profile.page, growth, thresholds, scanNote)));
  }
  return checks;
}

/**
 * "Posts: 2 cache commands per request, baseline 1 (2×) — GET 1, SET 1 per request (baseline GET 1);
 * 1 missed lookups per request, baseline 0": the cache server's work per request of a page, by
 * command, and the lookups that missed, which is how a cache key that no longer matches looks from
 * the server.
 */
function cacheCommandsCheck(profile: PooledProfile, before: PooledProfile, thresholds: Thresholds): Check {
  const value = profile.cacheCommandsPerRequest ?? 0;
  const baseline = before.cacheCommandsPerRequest ?? 0;
  const failed = exceeds(value, baseline, thresholds.cacheCommandsPerRequest);
  const evidence = `${profile.page}: ${formatCount(value)} cache commands per request, baseline ${formatCount(baseline)}`;
  const detail = `${commandMix(profile.cacheCommands)} per request (baseline ${commandMix(before.cacheCommands)}); ${formatCount(profile.cacheMissesPerRequest ?? 0)} missed lookups per request, baseline ${formatCount(before.cacheMissesPerRequest ?? 0)}`;
  return {
    id: `cache-commands-per-request:${profile.page}`,
    kind: 'cache-commands-per-request',
    status: failed ? 'fail' : 'pass',
    page: profile.page,
    queryId: null,
    fingerprint: null,
    sentence: `${evidence} (${formatRatio(ratioOf(value, baseline))}) — ${detail}`,
    measured: value,
    baseline,
    limit: baseline * thresholds.cacheCommandsPerRequest.ratio,
    magnitude: ratioOf(value, baseline),
  };
}

/** "GET 1, SET 1": commands per request, most first; "none" without any. */
function commandMix(commands: Record<string, number>): string {
  const entries = Object.entries(commands).filter(([, calls]) => calls > 0);
  if (entries.length === 0) return 'none';
  return entries
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([command, calls]) => `${command.toUpperCase()} ${formatCount(calls)}`)
    .join(', ');
}

function pageQueryCallsCheck(page: string, growth: Growth, thresholds: Thresholds, scanNote: ScanNote): Check {
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
    sentence: `${page}: ${describeCallGrowth(growth, thresholds, scanNote)}`,
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

/** Seq Scans in the candidate plan on relations the baseline plan did not scan sequentially (every Seq Scan of a new query). */
export function newSeqScans(candidate: PooledStatement, baseline: PooledStatement | undefined): Array<{ relation: string; estimatedRows: number }> {
  if (!candidate.plan || (baseline && !baseline.plan)) return [];
  const before = new Set(baseline?.plan?.summary.seqScans.map((scan) => scan.relation) ?? []);
  const seen = new Set<string>();
  return candidate.plan.summary.seqScans.filter((scan) => !before.has(scan.relation) && !seen.has(scan.relation) && seen.add(scan.relation));
}

interface QueryContext {
  statement: PooledStatement;
  before: PooledStatement | undefined;
  now: StatementCounters;
  was: StatementCounters | undefined;
  phrase: string;
  changed: string;
  base: Pick<Check, 'page' | 'queryId' | 'fingerprint' | 'costMs'>;
}

/**
 * Whole-load pg_stat_statements, per query: against its predecessor, calls
 * per request, rows and buffers per call and new Seq Scans; a new query
 * only for Seq Scans (its counters have nothing to be compared with).
 */
export function checkQueryCounters(inputs: CounterInputs): Check[] {
  const { baseline, candidate, thresholds } = inputs;
  const checks: Check[] = [];
  for (const statement of candidate.statements) {
    const before = predecessorOf(statement, inputs);
    const { first, phrase } = pagesPhrase(statement, candidate, thresholds);
    const costMs = addedMsPerRequest(statement.fingerprint, inputs);
    const query: QueryContext = {
      statement,
      before,
      now: statementCounters(statement, candidate),
      was: before ? statementCounters(before, baseline) : undefined,
      phrase: before ? phrase : phrase.replace(/query (\w+)/, 'new query $1'),
      changed: !before || before.fingerprint === statement.fingerprint ? '' : ` (rewritten from ${before.id})`,
      base: { page: first, queryId: statement.id, fingerprint: statement.fingerprint, ...(costMs === undefined ? {} : { costMs }) },
    };
    checks.push(...counterChecks(query, inputs), seqScanCheck(query, thresholds));
  }
  return checks;
}

type PerCall = 'rowsPerCall' | 'blocksPerCall';

/**
 * The probe's verdict on a per-call counter: each page that runs the query
 * (and, in the baseline, its predecessor) measured it on the same users in
 * both runs. null when no page profiled both; otherwise whether any page's
 * figure grew past the limit too. The load's figures also move with which
 * users the load happened to pick (a teacher with a full evening reads more
 * buffers), which the probe rules out.
 */
function probeConfirms(statement: PooledStatement, before: PooledStatement, inputs: CounterInputs, measure: PerCall, limit: { ratio: number; increase: number }): boolean | null {
  const pairs = inputs.candidate.profiles.flatMap((profile) => {
    const now = profile.statements.find((entry) => entry.fingerprint === statement.fingerprint);
    const was = inputs.baseline.profiles.find((entry) => entry.page === profile.page)?.statements.find((entry) => entry.fingerprint === before.fingerprint);
    return now && was ? [{ now: now[measure], was: was[measure] }] : [];
  });
  if (pairs.length === 0) return null;
  return pairs.some((pair) => exceeds(pair.now, pair.was, limit));
}

function counterChecks({ statement, before, now, was, phrase, changed, base }: QueryContext, inputs: CounterInputs): Check[] {
  const { thresholds } = inputs;
  if (!before || !was) return [];
  const counter = (kind: 'query-calls' | 'query-rows' | 'query-blocks', value: number, baselineValue: number, limit: { ratio: number; increase: number }, what: string, hint: string | null = null, probed: PerCall | null = null): Check => {
    const failed = exceeds(value, baselineValue, limit);
    const unconfirmed = failed && probed !== null && probeConfirms(statement, before, inputs, probed, limit) === false;
    const probeNote = unconfirmed ? ' — over the load only: the per-page probe (the same users on both sides) shows no such change, so the load\'s mix of users may explain it' : '';
    return {
      ...base,
      id: `${kind}:${statement.id}`,
      kind,
      status: unconfirmed ? 'warn' : failed ? 'fail' : 'pass',
      sentence: hint
        ? `${phrase}${changed} — ${what} ${formatCount(baselineValue)} → ${formatCount(value)}${hint}${probeNote} — ${shortQuery(statement.query)}`
        : `${phrase}${changed} — ${what} ${formatCount(value)}, baseline ${formatCount(baselineValue)} (${formatRatio(ratioOf(value, baselineValue))})${probeNote}: ${shortQuery(statement.query)}`,
      measured: value,
      baseline: baselineValue,
      limit: baselineValue * limit.ratio,
      magnitude: ratioOf(value, baselineValue),
    };
  };
  const rowsHint = rowsPerCallHint({ now: now.rowsPerCall, was: was.rowsPerCall, query: statement.query, previousQuery: before.query }, thresholds.rowsPerCallHint);
  return [
    counter('query-calls', now.callsPerRequest, was.callsPerRequest, thresholds.statementCallsPerRequest, 'calls per request of the load'),
    counter('query-rows', now.rowsPerCall, was.rowsPerCall, thresholds.statementRowsPerCall, 'rows per call', rowsHint, 'rowsPerCall'),
    counter('query-blocks', now.blocksPerCall, was.blocksPerCall, thresholds.statementBlocksPerCall, 'shared buffers per call', null, 'blocksPerCall'),
  ];
}

/**
 * A Seq Scan counts by what it costs: a matched query's scan when its
 * buffers per call grew `seqScanBlocksRatio` × and by `seqScanBlocksIncrease`,
 * or when it is estimated to return many rows; a new query's scan when it
 * returns many rows or reads many buffers per call. Its magnitude is the
 * buffers per request of the load it added, its cost the time it added.
 */
function seqScanCheck({ statement, before, now, was, phrase, changed, base }: QueryContext, thresholds: Thresholds): Check {
  const scans = newSeqScans(statement, before);
  const blocksPerRequest = (counters: StatementCounters | undefined) => (counters ? counters.callsPerRequest * counters.blocksPerCall : 0);
  const addedBlocks = blocksPerRequest(now) - blocksPerRequest(was);
  const blocksGrew = was
    ? now.blocksPerCall >= was.blocksPerCall * thresholds.seqScanBlocksRatio && now.blocksPerCall - was.blocksPerCall >= thresholds.seqScanBlocksIncrease
    : now.blocksPerCall >= thresholds.seqScanNewQueryBlocksPerCall;
  const large = scans.filter((scan) => scan.estimatedRows >= thresholds.seqScanLargeRows);
  const failing = blocksGrew ? scans : large;
  const id = `seq-scan:${statement.id}`;
  if (failing.length === 0) {
    const note = scans.length > 0 ? `; ${was ? 'new ' : ''}Seq Scan on ${scans.map((scan) => scan.relation).join(', ')} without ${was ? 'more' : 'many'} buffers read, not counted` : '';
    const what = was ? 'no new Seq Scan on a large relation' : 'no Seq Scan on a large relation';
    return { ...base, id, kind: 'seq-scan', status: 'pass', sentence: `${phrase}${changed}: ${what}${note}`, measured: 0, baseline: 0, limit: 0, magnitude: 0 };
  }
  const relations = failing.map((scan) => scan.relation).join(', ');
  const buffers = was ? `shared buffers per call ${formatCount(now.blocksPerCall)}, baseline ${formatCount(was.blocksPerCall)}` : `${formatCount(now.blocksPerCall)} shared buffers per call`;
  const evidence = blocksGrew ? buffers : `estimated ${formatCount(Math.max(...failing.map((scan) => scan.estimatedRows)))} rows scanned`;
  // A scan that came with many more rows per call is often the symptom: the question about the rows goes with it.
  const rowsHint = before && was ? rowsPerCallHint({ now: now.rowsPerCall, was: was.rowsPerCall, query: statement.query, previousQuery: before.query }, thresholds.rowsPerCallHint) : null;
  const rows = rowsHint && was ? `; rows per call ${formatCount(was.rowsPerCall)} → ${formatCount(now.rowsPerCall)}${rowsHint}` : '';
  return {
    ...base,
    id,
    kind: 'seq-scan',
    status: 'fail',
    sentence: `${phrase}${changed} has a ${was ? 'new ' : ''}Seq Scan on ${relations} (${evidence})${rows ? `${rows} — ` : ': '}${shortQuery(statement.query)}`,
    measured: now.blocksPerCall,
    baseline: was?.blocksPerCall ?? 0,
    limit: null,
    magnitude: Math.max(addedBlocks, 0),
  };
}
