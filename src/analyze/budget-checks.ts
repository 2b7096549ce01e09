import type { Check, PageBudgetLimits, QueryBudgetLimits } from './analysis.ts';
import { pagesPhrase, statementCounters } from './counter-checks.ts';
import { formatBytes, formatCount, formatMs, formatPercent, shortQuery } from './format-number.ts';
import type { PooledSide } from './pool-runs.ts';
import type { Thresholds } from './thresholds.ts';

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
}

/** `lead` opens the sentence: "Posts: " or "Posts: query 4d413cfd — ". */
function budgetCheck(subject: Pick<Check, 'page' | 'queryId' | 'fingerprint'>, id: string, lead: string, { kind, label, measured, limit, format, source }: Limit, tail = ''): Check {
  const failed = measured > limit;
  return {
    ...subject,
    id: `${kind}:${id}`,
    kind,
    status: failed ? 'fail' : 'pass',
    sentence: `${lead}${label} ${format(measured)} ${failed ? 'is over' : 'is within'} its ${format(limit)} budget (${source})${tail}`,
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
export function checkBudgets(side: PooledSide, sets: BudgetSets, thresholds: Thresholds): BudgetOutcome {
  const pages = checkPageBudgets(side, sets);
  const queries = checkQueryBudgets(side, sets.queries ?? [], thresholds);
  return {
    checks: [...checkOverallBudget(side, sets.overall), ...pages.checks, ...checkUnmeasuredPages(side, sets), ...queries.checks],
    notes: [...pages.notes, ...queries.notes],
  };
}

/** The latency and error limits of a budget, in the order failures are reported. */
function latencyLimits(budget: PageBudgetLimits, measured: { errorRate: number; latencyMs: { p95: number; p99: number } }, source: (field: keyof PageBudgetLimits) => string): Limit[] {
  const limits: Limit[] = [];
  if (budget.errorRate !== undefined) limits.push({ kind: 'budget-error-rate', label: 'error rate', measured: measured.errorRate, limit: budget.errorRate, format: formatPercent, source: source('errorRate') });
  if (budget.p99Ms !== undefined) limits.push({ kind: 'budget-p99', label: 'p99', measured: measured.latencyMs.p99, limit: budget.p99Ms, format: formatMs, source: source('p99Ms') });
  if (budget.p95Ms !== undefined) limits.push({ kind: 'budget-p95', label: 'p95', measured: measured.latencyMs.p95, limit: budget.p95Ms, format: formatMs, source: source('p95Ms') });
  return limits;
}

export const OVERALL = 'overall';

/**
 * The scenario's `budgets.overall` against every request of the load, as
 * k6's untagged thresholds judge them. A run without any request measured
 * nothing, which fails rather than passes.
 */
function checkOverallBudget(side: PooledSide, overall: PageBudgetLimits | undefined): Check[] {
  if (!overall || Object.keys(overall).length === 0) return [];
  const subject = { page: null, queryId: null, fingerprint: null };
  if (!side.totals || side.totals.requests === 0) return [unmeasuredCheck(subject, OVERALL, 'overall: no request was measured, so the scenario\'s overall budget could not be checked')];
  return latencyLimits(overall, side.totals, () => 'scenario, overall').map((limit) => budgetCheck(subject, OVERALL, 'overall: ', limit));
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

function checkPageBudgets(side: PooledSide, sets: BudgetSets): BudgetOutcome {
  const notes: string[] = [];
  const checks = side.pages.flatMap((page) => {
    const budget = resolvePageBudget(page.page, sets);
    if (!budget) return [];
    const { queriesPerRequest, responseBytes } = budget.limits;
    const profile = side.profiles.find((entry) => entry.page === page.page);
    const limits = latencyLimits(budget.limits, page, (field) => budget.source[field]!);
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
