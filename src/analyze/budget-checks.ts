import type { RunRecord } from '../run/run-record-schema.ts';
import type { Check, CheckStatus, PageBudgetLimits, QueryBudgetLimits } from './analysis.ts';
import { pagesPhrase, statementCounters } from './counter-checks.ts';
import { formatBytes, formatCount, formatMs, formatPercent, shortQuery } from './format-number.ts';
import type { PooledSide } from './pool-runs.ts';
import { secondP95s } from './p95-ratio-interval.ts';
import type { Thresholds } from './thresholds.ts';
import type { ReleaseBudget } from './release-checks.ts';
import type { CacheBudget } from './cache-checks.ts';
import { judgeBudget, percentileInterval, type SideSamples } from './timing-verdict.ts';

/** Where a budget came from, said in its sentence. */
export type BudgetSource = 'config' | 'scenario';

export interface SourcedBudget {
  limits: PageBudgetLimits;
  source: Partial<Record<keyof PageBudgetLimits, BudgetSource>>;
}

/**
 * One entry of the config's `budgets.queries`. `match` is a fingerprint or
 * its first 8 digits (a query id), null for `*`; an entry written as SQL
 * text is turned into its fingerprint before the analysis (see
 * `queryBudgetRules`).
 */
export interface QueryBudgetRule {
  /** The key as the config wrote it, named in sentences. */
  key: string;
  match: string | null;
  limits: QueryBudgetLimits;
}

export interface BudgetSets {
  /** `budgets.pages` of rehearse.config.ts; `*` applies to every page. */
  config?: Record<string, PageBudgetLimits>;
  /** The scenario file's `budgets.pages`. */
  scenario?: Record<string, PageBudgetLimits>;
  /** The scenario file's `budgets.overall`: every request of the run together. */
  overall?: PageBudgetLimits;
  /** `budgets.queries` of rehearse.config.ts, in the config's order. */
  queries?: readonly QueryBudgetRule[];
  /** `budgets.release` of rehearse.config.ts: what a deploy or rollback under load may cost. */
  release?: ReleaseBudget;
  /** `budgets.cache` of rehearse.config.ts: what the cache server may use during the load. */
  cache?: CacheBudget;
}

const PAGE_FIELDS = ['p95Ms', 'p99Ms', 'errorRate', 'queriesPerRequest', 'responseBytes'] as const;
const QUERY_FIELDS = ['meanMs', 'callsPerRequest', 'rowsPerCall', 'blocksPerCall'] as const;

/** Budget layers merged field by field, each later layer over the earlier; each field remembers its layer's source. */
function layerBudgets<Limits extends object, Source>(
  layers: ReadonlyArray<readonly [Source, Limits | undefined]>,
  fields: readonly (keyof Limits)[],
): { limits: Limits; source: Partial<Record<keyof Limits, Source>> } | null {
  const limits = {} as Limits;
  const source: Partial<Record<keyof Limits, Source>> = {};
  for (const [from, layer] of layers) {
    for (const field of fields) {
      const value = layer?.[field];
      if (value === undefined) continue;
      limits[field] = value;
      source[field] = from;
    }
  }
  return Object.keys(limits).length === 0 ? null : { limits, source };
}

/** One page's budget, field by field: config page > config `*` > scenario page. */
export function resolvePageBudget(page: string, sets: BudgetSets): SourcedBudget | null {
  return layerBudgets<PageBudgetLimits, BudgetSource>(
    [
      ['scenario', sets.scenario?.[page]],
      ['config', sets.config?.['*']],
      ['config', sets.config?.[page]],
    ],
    PAGE_FIELDS,
  );
}

/** True when the rule names this query: `*`, its id or its fingerprint. */
function ruleMatches(rule: QueryBudgetRule, fingerprint: string): boolean {
  return rule.match === null || fingerprint.startsWith(rule.match);
}

/** One query's budget, field by field: a rule naming the query (the later one in the config) > `*`. */
export function resolveQueryBudget(fingerprint: string, rules: readonly QueryBudgetRule[]): { limits: QueryBudgetLimits; source: Partial<Record<keyof QueryBudgetLimits, string>> } | null {
  const matching = rules.filter((rule) => ruleMatches(rule, fingerprint));
  const ordered = [...matching.filter((rule) => rule.match === null), ...matching.filter((rule) => rule.match !== null)];
  // A key written as SQL is shortened: the sentence ends with the query anyway.
  return layerBudgets<QueryBudgetLimits, string>(
    ordered.map((rule) => [`budgets.queries[${JSON.stringify(shortQuery(rule.key, 40))}]`, rule.limits] as const),
    QUERY_FIELDS,
  );
}

interface Limit {
  kind: Check['kind'];
  label: string;
  measured: number;
  limit: number;
  format: (value: number) => string;
  source: string;
  /** A p95 or p99 judged on its interval (`judgeBudget`) rather than its value alone. */
  interval?: { value: number; low: number; high: number; confidence: number } | null;
  strict?: boolean;
}

/** pass / fail, or for a percentile whose interval holds the limit, a warning (a failure when strict). */
function budgetStatus({ measured, limit, interval, strict }: Limit): { status: CheckStatus; notSure: boolean } {
  if (!interval) return { status: measured > limit ? 'fail' : 'pass', notSure: false };
  const judged = judgeBudget(limit, interval);
  if (judged !== 'NOT SURE') return { status: judged, notSure: false };
  return { status: strict ? 'fail' : 'warn', notSure: true };
}

/** " (95 % interval 400–440 ms)", nothing for an interval of one value (a steady timeline). */
function intervalText(interval: Limit['interval'], format: (value: number) => string): string {
  if (!interval || interval.low === interval.high) return '';
  return ` (${Math.round(interval.confidence * 100)} % interval ${format(interval.low)}–${format(interval.high)})`;
}

/** `lead` opens the sentence: "Posts: " or "Posts: query 4d413cfd — ". */
function budgetCheck(subject: Pick<Check, 'page' | 'queryId' | 'fingerprint'>, id: string, lead: string, entry: Limit, tail = ''): Check {
  const { kind, label, measured, limit, format, source } = entry;
  const { status, notSure } = budgetStatus(entry);
  const value = `${label} ${format(measured)}${intervalText(entry.interval, format)}`;
  const verdict = notSure
    ? `is NOT SURE against its ${format(limit)} budget (${source}): the limit lies inside the interval; repeat the run to judge`
    : `${status === 'fail' ? 'is over' : 'is within'} its ${format(limit)} budget (${source})`;
  return {
    ...subject,
    id: `${kind}:${id}`,
    kind,
    status,
    sentence: `${lead}${value} ${verdict}${tail}`,
    measured,
    baseline: null,
    limit,
    magnitude: limit === 0 ? (measured > 0 ? Number.POSITIVE_INFINITY : 0) : measured / limit,
  };
}

export interface BudgetOutcome {
  checks: Check[];
  /** Budgets that could not be checked, and why. */
  notes: string[];
}

/**
 * Absolute limits per page — p95 and p99 (median over repeats), the pooled
 * error rate, and queries and response bytes per request from the query
 * profile — and per query, over the whole load.
 */
export function checkBudgets(side: PooledSide, sets: BudgetSets, thresholds: Thresholds, strict = false): BudgetOutcome {
  const pages = checkPageBudgets(side, sets, thresholds, strict);
  const queries = checkQueryBudgets(side, sets.queries ?? [], thresholds);
  return {
    checks: [...checkOverallBudget(side, sets.overall, thresholds, strict), ...pages.checks, ...checkUnmeasuredPages(side, sets), ...queries.checks],
    notes: [...pages.notes, ...queries.notes],
  };
}

/** Per run, its p95 or p99 with its per-second p95s (see `percentileInterval` for why p95 seconds serve a p99). */
export interface PercentileRuns {
  p95: SideSamples['runs'];
  p99: SideSamples['runs'];
}

/** A page's percentile runs; `overall` for every request of the load (the untagged timeline). */
function percentileRuns(runs: readonly RunRecord[], page: string | null): PercentileRuns {
  const entries = runs.flatMap((run) => {
    const latency = page === null ? run.totals?.latencyMs : run.pages.find((entry) => entry.page === page)?.latencyMs;
    if (!latency) return [];
    const seconds = page === null ? run.timeline.all.filter((point) => point.requests > 0).map((point) => point.p95) : secondP95s(run, page);
    return [{ latency, seconds }];
  });
  return {
    p95: entries.map(({ latency, seconds }) => ({ p95: latency.p95, secondP95s: seconds })),
    p99: entries.map(({ latency, seconds }) => ({ p95: latency.p99, secondP95s: seconds })),
  };
}

interface LatencyJudgement {
  runs: PercentileRuns;
  confidence: number;
  strict: boolean;
}

function intervalOf(runs: SideSamples['runs'], confidence: number): Limit['interval'] {
  const interval = percentileInterval(runs, confidence);
  return interval ? { ...interval, confidence } : null;
}

/**
 * The latency and error limits of a budget, in the order failures are
 * reported. A p95 or p99 is judged on its interval from the per-second
 * timeline: one noisy run's p95 just over the limit is NOT SURE, not a
 * failure.
 */
function latencyLimits(budget: PageBudgetLimits, measured: { errorRate: number; latencyMs: { p95: number; p99: number } }, source: (field: keyof PageBudgetLimits) => string, judgement: LatencyJudgement): Limit[] {
  const limits: Limit[] = [];
  const { strict, confidence } = judgement;
  if (budget.errorRate !== undefined) limits.push({ kind: 'budget-error-rate', label: 'error rate', measured: measured.errorRate, limit: budget.errorRate, format: formatPercent, source: source('errorRate') });
  if (budget.p99Ms !== undefined) limits.push({ kind: 'budget-p99', label: 'p99', measured: measured.latencyMs.p99, limit: budget.p99Ms, format: formatMs, source: source('p99Ms'), interval: intervalOf(judgement.runs.p99, confidence), strict });
  if (budget.p95Ms !== undefined) limits.push({ kind: 'budget-p95', label: 'p95', measured: measured.latencyMs.p95, limit: budget.p95Ms, format: formatMs, source: source('p95Ms'), interval: intervalOf(judgement.runs.p95, confidence), strict });
  return limits;
}

export const OVERALL = 'overall';

/**
 * The scenario's `budgets.overall` against every request of the load, as
 * k6's untagged thresholds judge them. A run without any request measured
 * nothing, which fails rather than passes.
 */
function checkOverallBudget(side: PooledSide, overall: PageBudgetLimits | undefined, thresholds: Thresholds, strict: boolean): Check[] {
  if (!overall || Object.keys(overall).length === 0) return [];
  const subject = { page: null, queryId: null, fingerprint: null };
  if (!side.totals || side.totals.requests === 0) return [unmeasuredCheck(subject, OVERALL, 'overall: no request was measured, so the scenario\'s overall budget could not be checked')];
  const judgement = { runs: percentileRuns(side.runs, null), confidence: thresholds.timingConfidence, strict };
  return latencyLimits(overall, side.totals, () => 'scenario, overall', judgement).map((limit) => budgetCheck(subject, OVERALL, 'overall: ', limit));
}

/** A page the scenario budgets but the run never requested: its budget was not met, it was not measured. */
function checkUnmeasuredPages(side: PooledSide, sets: BudgetSets): Check[] {
  const measured = new Set(side.pages.filter((page) => page.requests > 0).map((page) => page.page));
  return Object.entries(sets.scenario ?? {})
    .filter(([page, budget]) => !measured.has(page) && Object.keys(budget).length > 0)
    .map(([page]) => unmeasuredCheck({ page, queryId: null, fingerprint: null }, page, `${page}: no request was measured, so its budget (scenario) could not be checked`));
}

function unmeasuredCheck(subject: Pick<Check, 'page' | 'queryId' | 'fingerprint'>, id: string, sentence: string): Check {
  return { ...subject, id: `budget-unmeasured:${id}`, kind: 'budget-unmeasured', status: 'fail', sentence, measured: null, baseline: null, limit: null, magnitude: Number.POSITIVE_INFINITY };
}

function checkPageBudgets(side: PooledSide, sets: BudgetSets, thresholds: Thresholds, strict: boolean): BudgetOutcome {
  const notes: string[] = [];
  const checks = side.pages.flatMap((page) => {
    const budget = resolvePageBudget(page.page, sets);
    if (!budget) return [];
    const { queriesPerRequest, responseBytes } = budget.limits;
    const profile = side.profiles.find((entry) => entry.page === page.page);
    const judgement = { runs: percentileRuns(side.runs, page.page), confidence: thresholds.timingConfidence, strict };
    const limits = latencyLimits(budget.limits, page, (field) => budget.source[field]!, judgement);
    const unprofiled: string[] = [];
    if (queriesPerRequest !== undefined) {
      if (profile) limits.push({ kind: 'budget-queries-per-request', label: 'queries per request', measured: profile.queriesPerRequest, limit: queriesPerRequest, format: formatCount, source: budget.source.queriesPerRequest! });
      else unprofiled.push('queriesPerRequest');
    }
    if (responseBytes !== undefined) {
      if (profile?.responseBytesPerRequest != null) {
        limits.push({ kind: 'budget-response-bytes', label: 'response body per request', measured: profile.responseBytesPerRequest, limit: responseBytes, format: formatBytes, source: budget.source.responseBytes! });
      } else unprofiled.push('responseBytes');
    }
    if (unprofiled.length > 0) notes.push(`${page.page}: the ${unprofiled.join(' and ')} budget was not checked: the run has no query profile measuring it for this page.`);
    return limits.map((limit) => budgetCheck({ page: page.page, queryId: null, fingerprint: null }, page.page, `${page.page}: `, limit));
  });
  return { checks, notes };
}

function checkQueryBudgets(side: PooledSide, rules: readonly QueryBudgetRule[], thresholds: Thresholds): BudgetOutcome {
  if (rules.length === 0) return { checks: [], notes: [] };
  const checks = side.statements.flatMap((statement) => {
    const budget = resolveQueryBudget(statement.fingerprint, rules);
    if (!budget) return [];
    const counters = statementCounters(statement, side);
    const { first, phrase } = pagesPhrase(statement, side, thresholds);
    const measured: Record<keyof QueryBudgetLimits, [Check['kind'], string, number, (value: number) => string]> = {
      callsPerRequest: ['budget-query-calls', 'calls per request of the load', counters.callsPerRequest, formatCount],
      rowsPerCall: ['budget-query-rows', 'rows per call', counters.rowsPerCall, formatCount],
      blocksPerCall: ['budget-query-blocks', 'shared buffers per call', counters.blocksPerCall, formatCount],
      meanMs: ['budget-query-mean', 'mean time', counters.meanMs, formatMs],
    };
    return QUERY_FIELDS.flatMap((field) => {
      const limit = budget.limits[field];
      if (limit === undefined) return [];
      const [kind, label, value, format] = measured[field];
      const subject = { page: first, queryId: statement.id, fingerprint: statement.fingerprint };
      return [budgetCheck(subject, statement.id, `${phrase} — `, { kind, label, measured: value, limit, format, source: budget.source[field]! }, `: ${shortQuery(statement.query)}`)];
    });
  });
  const unmatched = rules.filter((rule) => rule.match !== null && !side.statements.some((statement) => ruleMatches(rule, statement.fingerprint)));
  const notes = unmatched.map((rule) => `budgets.queries[${JSON.stringify(rule.key)}] matched no query of the run, so it was not checked (a query's id is in the queries table).`);
  return { checks, notes };
}
