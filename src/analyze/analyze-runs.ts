import { majorOf } from '../db/postgres-majors.ts';
import type { RunRecord } from '../run/run-record-schema.ts';
import { ANALYSIS_SCHEMA_VERSION, CHECK_KINDS, type Analysis, type Check, type PageRow, type QueryRow, type RatioInterval, type RunRef } from './analysis.ts';
import { checkBudgets, resolvePageBudget, type BudgetSets } from './budget-checks.ts';
import { analyzeCapacity } from './capacity.ts';
import { capacityChange, checkCapacityChange, checkHeadroom } from './capacity-checks.ts';
import { checkK6Thresholds, checkRunStatus } from './run-checks.ts';
import { checkComparable } from './check-comparable.ts';
import { checkLoadDelivered, distrustTimings } from './delivery-checks.ts';
import { summarizeDelivery } from './load-delivery.ts';
import { checkPageCounters, checkQueryCounters } from './counter-checks.ts';
import { formatCount, formatPercent } from './format-number.ts';
import { matchQueries, type QueryMatching, type QueryText } from './match-queries.ts';
import { poolRuns, type PooledSide } from './pool-runs.ts';
import { buildQueryRows } from './query-rows.ts';
import { checkQueryTimes } from './query-time-checks.ts';
import { DEFAULT_THRESHOLDS, DEFAULT_TOLERANCE, type Thresholds } from './thresholds.ts';
import { checkTimings, type TimingOutcome } from './timing-checks.ts';
import { buildTimeline } from './timeline-points.ts';
import { analyzeWaits } from './waits.ts';
import { analyzeReleaseEvent } from './release-checks.ts';
import { checkCacheServer } from './cache-checks.ts';
import { cacheServerRuns } from './cache-server-summary.ts';

export interface AnalyzeOptions {
  /** The run(s) under judgement; several are repeats of one release. */
  candidates: readonly RunRecord[];
  /** Repeats of the baseline release; none for a report without comparison (budgets only). */
  baselines?: readonly RunRecord[];
  budgets?: BudgetSets;
  /** Timing tolerance as a fraction; default 0.1. */
  tolerance?: number;
  thresholds?: Partial<Thresholds>;
  /** Said at the top of the report, e.g. that the scenario's budgets could not be read. */
  notes?: readonly string[];
  /** k6's own threshold outcome (the scenario's budgets) as a check of each candidate run; default true. */
  k6Thresholds?: boolean;
  /** A NOT SURE timing verdict or timing budget fails instead of warning (`compare --strict`); default false. */
  strict?: boolean;
}

/**
 * Budgets and delivery judged over the whole load, which a capacity run is
 * meant to break on its top plateaus: there they are judged per plateau
 * instead (the capacity-headroom check).
 */
const WHOLE_LOAD_CHECKS = new Set<Check['kind']>(['budget-p95', 'budget-p99', 'budget-error-rate', 'k6-thresholds', 'load-delivered']);
/** Between two capacity runs, the change of capacity is the timing verdict: whole-load percentiles mix every plateau, the overloaded ones most. */
const WHOLE_LOAD_TIMINGS = new Set<Check['kind']>(['p95-ratio', 'p50-ratio']);

const STATUS_ORDER = { fail: 0, warn: 1, pass: 2 } as const;
const KIND_ORDER = new Map(CHECK_KINDS.map((kind, index) => [kind, index]));

/** Why a run's measurements cannot be taken at face value leads, before any cost. */
const LEADING_KINDS = new Map<Check['kind'], number>([
  ['run-status', 0],
  ['load-delivered', 1],
]);

/**
 * Failing before warnings before passing. Within each: `run-status` and
 * `load-delivered` first (why a run cannot pass), then checks with a
 * measured cost of at least `costFloorMs`, largest first, so the lead
 * sentence names the largest measured cause; then the rest by the kind's
 * rank (deterministic evidence first) and how far past the limit. Checks naming the same query carry the
 * same cost: the kind's rank picks the sentence that says why.
 */
export function orderChecks(checks: readonly Check[], costFloorMs = DEFAULT_THRESHOLDS.costRankFloorMs): Check[] {
  const costOf = (check: Check) => (check.costMs !== undefined && check.costMs >= costFloorMs ? check.costMs : 0);
  const leading = (check: Check) => LEADING_KINDS.get(check.kind) ?? LEADING_KINDS.size;
  return [...checks].sort(
    (a, b) =>
      STATUS_ORDER[a.status] - STATUS_ORDER[b.status] ||
      leading(a) - leading(b) ||
      costOf(b) - costOf(a) ||
      KIND_ORDER.get(a.kind)! - KIND_ORDER.get(b.kind)! ||
      b.magnitude - a.magnitude ||
      a.id.localeCompare(b.id),
  );
}

function runRef(run: RunRecord): RunRef {
  return { id: run.id, release: run.context.release, scenario: run.context.scenario.name, status: run.status, startedAt: run.startedAt };
}

function queryTexts(side: PooledSide): QueryText[] {
  const byFingerprint = new Map<string, QueryText>();
  for (const statement of [...side.statements, ...side.profiles.flatMap((profile) => profile.statements)]) {
    if (!byFingerprint.has(statement.fingerprint)) byFingerprint.set(statement.fingerprint, statement);
  }
  return [...byFingerprint.values()];
}

function checkErrors(baseline: PooledSide, candidate: PooledSide, thresholds: Thresholds): Check[] {
  return candidate.pages.flatMap((page) => {
    const before = baseline.pages.find((entry) => entry.page === page.page);
    if (!before) return [];
    const failed = page.errorRate - before.errorRate >= thresholds.errorRateIncrease && page.errors >= thresholds.minErrors;
    return [
      {
        id: `errors:${page.page}`,
        kind: 'errors' as const,
        status: failed ? ('fail' as const) : ('pass' as const),
        page: page.page,
        queryId: null,
        fingerprint: null,
        sentence: `${page.page}: error rate ${formatPercent(page.errorRate)} (${formatCount(page.errors)} errors), baseline ${formatPercent(before.errorRate)}`,
        measured: page.errorRate,
        baseline: before.errorRate,
        limit: before.errorRate + thresholds.errorRateIncrease,
        magnitude: page.errorRate - before.errorRate,
      },
    ];
  });
}

function notesFor(runs: readonly RunRecord[], role: string): string[] {
  return runs.flatMap((run) => [
    ...(run.statementsDeallocated > 0 ? [`${role} run ${run.id}: pg_stat_statements evicted ${run.statementsDeallocated} entries; query numbers are incomplete (raise pg_stat_statements.max).`] : []),
    ...(run.queryProfiles.length === 0 ? [`${role} run ${run.id} has no query profile; page counters are not compared.`] : []),
  ]);
}

function dataNotes(candidates: readonly RunRecord[], baselines: readonly RunRecord[]): string[] {
  const first = candidates[0]?.context;
  const differs = baselines.find((run) => run.context.scale !== first?.scale || String(run.context.seed) !== String(first?.seed));
  if (!first || !differs) return [];
  return [`Baseline run ${differs.id} rehearsed other data (scale ${differs.context.scale}, seed ${differs.context.seed}) than the candidate (scale ${first.scale}, seed ${first.seed}): rows and buffers per request differ for that reason alone.`];
}

/**
 * Two runs on different Postgres majors compare like two releases: the
 * server is what changed, so its plan changes are listed query by query.
 */
function serverNotes(candidates: readonly RunRecord[], baselines: readonly RunRecord[], compared: readonly QueryRow[]): string[] {
  const after = candidates[0]?.context.postgresVersion;
  const before = baselines[0]?.context.postgresVersion;
  if (!after || !before || majorOf(after) === majorOf(before)) return [];
  const changed = compared.filter((row) => row.planChanges.length > 0);
  const where = (row: QueryRow) => `${row.pages.map((page) => page.page).join(', ') || 'query'} ${row.id}`;
  const plans = changed.length === 0 ? 'no query changed plan' : `${changed.length} quer${changed.length === 1 ? 'y' : 'ies'} changed plan: ${changed.map((row) => `${where(row)}: ${row.planChanges.join(', ')}`).join('; ')}`;
  return [`The baseline ran on PostgreSQL ${before}, the candidate on ${after}: the server major differs, so ${plans}.`];
}

/** `lead`: a sentence said before the counts (a capacity run's headroom). */
function headline(checks: readonly Check[], candidate: readonly RunRecord[], baseline: readonly RunRecord[], lead: string | null = null): string {
  const failed = checks.filter((check) => check.status === 'fail').length;
  const releaseOf = (runs: readonly RunRecord[]) => runs[0]?.context.release ?? runs[0]?.id ?? '?';
  const repeats = (runs: readonly RunRecord[]) => (runs.length > 1 ? ` (${runs.length} runs)` : '');
  const against = baseline.length > 0 ? ` against ${releaseOf(baseline)}${repeats(baseline)}` : '';
  const subject = `${candidate[0]?.context.scenario.name}: ${releaseOf(candidate)}${repeats(candidate)}${against}`;
  const warned = checks.filter((check) => check.status === 'warn').length;
  const warnings = warned > 0 ? ` (${warned} warning${warned === 1 ? '' : 's'})` : '';
  if (!somethingJudged(checks)) return `FAIL — ${subject}: nothing was checked (no baseline, no budgets in the scenario or the config), so nothing can pass`;
  // Why a run cannot pass comes first: the counts alone would hide it.
  const reasons = checks.filter((check) => check.status === 'fail' && LEADING_KINDS.has(check.kind));
  const reason = `${reasons.map((check) => ` ${check.sentence};`).join('')}${lead ? ` ${lead}` : ''}`;
  return failed === 0 ? `PASS — ${subject}:${lead ? ` ${lead}` : ''} ${checks.length - warned} of ${checks.length} checks passed${warnings}` : `FAIL — ${subject}:${reason} ${failed} of ${checks.length} checks failed${warnings}`;
}

/** Pass only when something was checked and nothing failed: a report with no check is not a pass. */
function verdictOf(checks: readonly Check[]): Analysis['verdict'] {
  return !somethingJudged(checks) || checks.some((check) => check.status === 'fail') ? 'fail' : 'pass';
}

/** A load that was delivered is what makes the run worth judging, not a judgement of the release: alone it is nothing checked. */
function somethingJudged(checks: readonly Check[]): boolean {
  // A load-delivered check that did not fail (delivered, or delivered on a busy machine) judges the load, not the release.
  return checks.some((check) => !(check.kind === 'load-delivered' && check.status !== 'fail'));
}

function hasScenarioBudgets(budgets: BudgetSets): boolean {
  const limits = [...Object.values(budgets.scenario ?? {}), budgets.overall ?? {}];
  return limits.some((limit) => Object.keys(limit).length > 0);
}

/**
 * A failing overall budget also fails each page that is itself over that
 * limit, so a page with every request failed never shows "pass".
 */
function pagesOverFailingOverall(side: PooledSide, failing: readonly Check[], budgets: BudgetSets): string[] {
  const overall = budgets.overall ?? {};
  const failed = new Set(failing.filter((check) => check.page === null && check.id.endsWith(':overall')).map((check) => check.kind));
  return side.pages
    .filter(
      (page) =>
        (failed.has('budget-error-rate') && page.errorRate > overall.errorRate!) ||
        (failed.has('budget-p95') && page.latencyMs.p95 > overall.p95Ms!) ||
        (failed.has('budget-p99') && page.latencyMs.p99 > overall.p99Ms!),
    )
    .map((page) => page.page);
}

/**
 * Compares candidate runs with baseline runs and checks budgets: a pure
 * function of the records, returning plain data for the renderers.
 *
 * @example
 * const analysis = analyzeRuns({ candidates: [await readRunRecord(dir)], baselines: [await readRunRecord(baseDir)] });
 * analysis.verdict; // 'fail'
 * analysis.checks[0].sentence; // "My Bookings: 63 queries per request, baseline 3 — …"
 */
export function analyzeRuns(options: AnalyzeOptions): Analysis {
  const baselines = options.baselines ?? [];
  checkComparable(options.candidates, baselines);
  const thresholds = { ...DEFAULT_THRESHOLDS, ...options.thresholds };
  const tolerance = options.tolerance ?? DEFAULT_TOLERANCE;
  const budgets = options.budgets ?? {};
  const candidate = poolRuns(options.candidates);
  const baseline = baselines.length > 0 ? poolRuns(baselines) : null;
  const matching: QueryMatching | null = baseline ? matchQueries(queryTexts(baseline), queryTexts(candidate), thresholds.changedQuerySimilarity) : null;

  const strict = options.strict ?? false;
  let timings: Omit<TimingOutcome, 'checks'> = { intervals: new Map<string, RatioInterval>(), p50Intervals: new Map(), verdicts: new Map(), p50Verdicts: new Map() };
  const unordered: Check[] = [];
  if (baseline && matching) {
    const inputs = { baseline, candidate, matching, thresholds };
    unordered.push(...checkPageCounters(inputs), ...checkQueryCounters(inputs), ...checkQueryTimes(inputs), ...checkErrors(baseline, candidate, thresholds));
    const { checks: timingChecks, ...judged } = checkTimings({ baseline, candidate, tolerance, thresholds, strict });
    unordered.push(...timingChecks);
    timings = judged;
  }
  const waits = analyzeWaits({ candidate, baseline, thresholds, tolerance });
  unordered.push(...waits.checks);
  const budgetOutcome = checkBudgets(candidate, budgets, thresholds, strict);
  unordered.push(...budgetOutcome.checks);
  unordered.push(...checkRunStatus(options.candidates, baselines), ...(options.k6Thresholds === false ? [] : checkK6Thresholds(options.candidates, hasScenarioBudgets(budgets))));
  const cache = checkCacheServer({ candidates: options.candidates, baselines, thresholds, ...(budgets.cache ? { budget: budgets.cache } : {}) });
  unordered.push(...cache.checks);
  const releaseEvent = analyzeReleaseEvent(options.candidates[0]!, budgets.release);
  unordered.push(...(releaseEvent?.checks ?? []));
  const delivery = summarizeDelivery(options.candidates, baselines, thresholds.loadDelivery);
  unordered.push(...checkLoadDelivered(delivery));
  const capacity = analyzeCapacity(options.candidates[0]!);
  const baselineCapacity = baselines[0] ? analyzeCapacity(baselines[0]) : null;
  const change = capacity && baselineCapacity ? capacityChange(baselineCapacity, capacity) : null;
  const judged = capacity ? [...unordered.filter((check) => !WHOLE_LOAD_CHECKS.has(check.kind) && !(change && WHOLE_LOAD_TIMINGS.has(check.kind))), checkHeadroom(capacity), ...(change ? [checkCapacityChange(change, tolerance)] : [])] : unordered;
  // A capacity run's top plateaus drop arrivals on purpose: delivery is judged per plateau there, not over the whole load.
  const checks = orderChecks(judged.map(waits.explain).map(capacity ? (check: Check) => check : distrustTimings(delivery)), thresholds.costRankFloorMs);
  const failing = checks.filter((check) => check.status === 'fail');
  const failingPages = new Set([...failing.map((check) => check.page), ...pagesOverFailingOverall(candidate, failing, budgets)]);
  const failingQueries = new Set(failing.flatMap((check) => (check.fingerprint ? [check.fingerprint] : [])));

  const pages = candidate.pages.map((page): PageRow => {
    const before = baseline?.pages.find((entry) => entry.page === page.page);
    const profile = candidate.profiles.find((entry) => entry.page === page.page);
    const baseProfile = baseline?.profiles.find((entry) => entry.page === page.page);
    const counters = (entry: typeof profile) =>
      entry
        ? { queriesPerRequest: entry.queriesPerRequest, rowsPerRequest: entry.rowsPerRequest, blocksPerRequest: entry.blocksPerRequest, responseBytesPerRequest: entry.responseBytesPerRequest, transactionsPerRequest: entry.transactionsPerRequest, appCpuMsPerRequest: entry.appCpuMsPerRequest, cacheCommandsPerRequest: entry.cacheCommandsPerRequest, cacheCommands: entry.cacheCommands, cacheMissesPerRequest: entry.cacheMissesPerRequest }
        : null;
    return {
      page: page.page,
      requests: page.requests,
      errors: page.errors,
      errorRate: page.errorRate,
      latencyMs: page.latencyMs,
      baseline: before ? { requests: before.requests, errorRate: before.errorRate, latencyMs: before.latencyMs } : null,
      p95Ratio: timings.intervals.get(page.page) ?? null,
      p50Ratio: timings.p50Intervals.get(page.page) ?? null,
      p95Verdict: timings.verdicts.get(page.page) ?? null,
      p50Verdict: timings.p50Verdicts.get(page.page) ?? null,
      counters: counters(profile),
      baselineCounters: counters(baseProfile),
      budget: resolvePageBudget(page.page, budgets)?.limits ?? null,
      verdict: failingPages.has(page.page) ? 'fail' : 'pass',
    };
  });

  const queries = buildQueryRows({ baseline, candidate, matching, thresholds, failing: failingQueries, budgets: budgets.queries ?? [] });
  return {
    schemaVersion: ANALYSIS_SCHEMA_VERSION,
    verdict: verdictOf(checks),
    headline: headline(checks, options.candidates, baselines, capacity ? [capacity.sentence, change ? `${change.sentence[0]!.toUpperCase()}${change.sentence.slice(1)}.` : ''].filter(Boolean).join(' ') : null),
    candidate: options.candidates.map(runRef),
    baseline: baselines.map(runRef),
    tolerance,
    strict,
    thresholds,
    checks,
    pages,
    queries,
    timeline: buildTimeline(options.candidates[0]!),
    waits: waits.summary,
    delivery,
    capacity,
    capacityChange: change,
    cacheServer: cacheServerRuns(options.candidates, baselines),
    releaseEvent: releaseEvent?.summary ?? null,
    context: { candidate: options.candidates[0]!.context, baseline: baselines[0]?.context ?? null },
    notes: [...(options.notes ?? []), ...budgetOutcome.notes, ...cache.notes, ...dataNotes(options.candidates, baselines), ...serverNotes(options.candidates, baselines, queries.compared), ...notesFor(options.candidates, 'Candidate'), ...notesFor(baselines, 'Baseline')],
  };
}
