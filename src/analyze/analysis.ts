import type { Latency, PlanSummary, RunContext } from '../run/run-record-schema.ts';
import type { Thresholds } from './thresholds.ts';

/** Bump on any change a reader of the previous analysis JSON would misread. */
export const ANALYSIS_SCHEMA_VERSION = 1;

export const CHECK_KINDS = [
  'run-status',
  'queries-per-request',
  'seq-scan',
  'page-query-calls',
  'blocks-per-request',
  'rows-per-request',
  'response-bytes',
  'query-calls',
  'query-blocks',
  'query-rows',
  'db-time-share',
  'query-time',
  'errors',
  'budget-unmeasured',
  'budget-queries-per-request',
  'budget-response-bytes',
  'budget-query-calls',
  'budget-query-rows',
  'budget-query-blocks',
  'budget-error-rate',
  'budget-p99',
  'budget-p95',
  'k6-thresholds',
  'budget-query-mean',
  'p95-ratio',
  'p50-ratio',
] as const;
/** Also the order failing checks without a measured cost are reported in (after those with one): deterministic evidence first, because it says why. */
export type CheckKind = (typeof CHECK_KINDS)[number];

/**
 * `warn`: a timing slowdown seen with one run per side, which cannot be told
 * apart from machine noise; it does not fail the verdict.
 */
export type CheckStatus = 'pass' | 'fail' | 'warn';

/** One budget or regression check: a JUnit test case, a line of the report when it fails. */
export interface Check {
  /** Stable across runs: `<kind>:<page>` or `<kind>:<page>:<query id>`. */
  id: string;
  kind: CheckKind;
  status: CheckStatus;
  page: string | null;
  /** The query the check names first (short id and fingerprint). */
  queryId: string | null;
  fingerprint: string | null;
  /** One sentence naming the page or the query and the evidence. */
  sentence: string;
  measured: number | null;
  baseline: number | null;
  limit: number | null;
  /** How far past its limit, for ordering checks of one kind (ratio to baseline, or to the budget). */
  magnitude: number;
  /** Added time per request of the whole load (added ms over the load ÷ all its requests) that this check's cause accounts for: query time, wait time or idle-in-transaction time. Failing checks are ranked by it. */
  costMs?: number;
}

/** A ratio's point estimate and its interval at `confidence`. */
export interface RatioInterval {
  point: number;
  low: number;
  high: number;
  confidence: number;
  /** `bootstrap-seconds` (moving blocks of the per-second timeline) or `repeats` (runs resampled, then seconds). */
  method: 'bootstrap-seconds' | 'repeats';
}

export interface PageBudgetLimits {
  p95Ms?: number;
  p99Ms?: number;
  errorRate?: number;
  /** Checked against the query profile (probe). */
  queriesPerRequest?: number;
  responseBytes?: number;
}

/** Checked against the whole load's pg_stat_statements. */
export interface QueryBudgetLimits {
  meanMs?: number;
  callsPerRequest?: number;
  rowsPerCall?: number;
  blocksPerCall?: number;
}

export interface PageCounters {
  queriesPerRequest: number;
  rowsPerRequest: number;
  blocksPerRequest: number;
  /** Body bytes per request (probe); null for records that did not measure it. */
  responseBytesPerRequest: number | null;
  /** BEGIN / START TRANSACTION per request (probe): transaction control is counted here, not as queries. */
  transactionsPerRequest?: number;
}

export interface PageRow {
  page: string;
  requests: number;
  errors: number;
  errorRate: number;
  /** Median over the runs of the side. */
  latencyMs: Latency;
  baseline: { requests: number; errorRate: number; latencyMs: Latency } | null;
  p95Ratio: RatioInterval | null;
  /** Same interval for the median (p50), when the timeline has per-second p50s on both sides. */
  p50Ratio?: RatioInterval | null;
  counters: PageCounters | null;
  baselineCounters: PageCounters | null;
  budget: PageBudgetLimits | null;
  verdict: CheckStatus;
}

export interface QueryCost {
  calls: number;
  /** calls / every request of the run. */
  callsPerRequest: number;
  meanMs: number;
  totalMs: number;
  /** totalMs / the side's total query time. */
  share: number;
  rowsPerCall: number;
  blocksPerCall: number;
}

export interface QueryRow {
  id: string;
  fingerprint: string;
  query: string;
  /** `matched` (same fingerprint in both), `changed` (a new fingerprint replacing a similar vanished one), `new`, `vanished`. Without a baseline every query is `new` and listed under `compared`. */
  status: 'matched' | 'changed' | 'new' | 'vanished';
  /** For `changed`: the baseline query it replaces. */
  replaces: { id: string; fingerprint: string; query: string } | null;
  /** The candidate's numbers; for a vanished query, the baseline's. */
  cost: QueryCost;
  baselineCost: QueryCost | null;
  /** Calls per request of each page that issues it (query profile). */
  pages: Array<{ page: string; callsPerRequest: number; inferred: boolean }>;
  plan: { generic: boolean; summary: PlanSummary; json: unknown } | null;
  baselinePlan: { summary: PlanSummary } | null;
  /** "new Seq Scan on appointments", "join method Hash Join → Nested Loop", … */
  planChanges: string[];
  /** From the config's `budgets.queries`, when one matches. */
  budget: QueryBudgetLimits | null;
  verdict: CheckStatus;
}

export interface TimelinePoint {
  /** Seconds since the first sample. */
  second: number;
  requests: number;
  errors: number;
  /** p95 of each page in this second, null when it had no request. */
  p95ByPage: Record<string, number | null>;
  /** Database connections of the run database (pg_stat_activity), null where there was no sample. */
  active: number | null;
  waiting: number | null;
}

export interface RunRef {
  id: string;
  release: string | null;
  scenario: string;
  status: string;
  startedAt: string;
}

export interface Analysis {
  schemaVersion: typeof ANALYSIS_SCHEMA_VERSION;
  verdict: 'pass' | 'fail';
  /** One line: "FAIL: 2 of 31 checks failed …". */
  headline: string;
  candidate: RunRef[];
  baseline: RunRef[];
  tolerance: number;
  thresholds: Thresholds;
  /** Failing first, most severe first; then passing checks. */
  checks: Check[];
  pages: PageRow[];
  /** `transactionControl`: BEGIN, COMMIT, SET, … listed apart: never checked, never a culprit. */
  queries: { compared: QueryRow[]; new: QueryRow[]; vanished: QueryRow[]; transactionControl?: QueryRow[] };
  /** The first candidate run's timeline. */
  timeline: { run: string; pages: string[]; points: TimelinePoint[] };
  context: { candidate: RunContext; baseline: RunContext | null };
  /** Things the reader should know: a run that did not complete, evicted statements, budgets that could not be read. */
  notes: string[];
}
