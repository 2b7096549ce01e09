import type { Latency, PlanSummary, RunContext } from '../run/run-record-schema.ts';
import type { CapacityBudget, CapacityResult } from './capacity-rule.ts';
import type { DeliverySummary } from './load-delivery.ts';
import type { Thresholds } from './thresholds.ts';
import type { PageVerdict } from './timing-verdict.ts';
import type { UslFit } from './usl.ts';
import type { ReleaseEventSummary } from './release-checks.ts';
import type { CacheServerRun } from './cache-server-summary.ts';

/** Bump on any change a reader of the previous analysis JSON would misread. */
export const ANALYSIS_SCHEMA_VERSION = 1;

export const CHECK_KINDS = [
  'run-status',
  'load-delivered',
  'release-action',
  'release-rollback',
  'release-lock-wait',
  'release-switch-errors',
  'release-recovery',
  'capacity-headroom',
  'capacity-change',
  'queries-per-request',
  'seq-scan',
  'page-query-calls',
  'blocks-per-request',
  'rows-per-request',
  'response-bytes',
  'app-cpu-per-request',
  'cache-commands-per-request',
  'cache-cpu',
  'query-calls',
  'query-blocks',
  'query-rows',
  'db-time-share',
  'query-time',
  'errors',
  'budget-unmeasured',
  'budget-queries-per-request',
  'budget-response-bytes',
  'budget-cache-cpu',
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
  'lock-waits',
  'idle-in-transaction',
  'pool-waits',
] as const;
/** Also the order failing checks without a measured cost are reported in (after those with one): deterministic evidence first, because it says why. */
export type CheckKind = (typeof CHECK_KINDS)[number];

/**
 * Checks on what is counted, not timed: queries, rows, buffers and bytes per
 * request (probe and pg_stat_statements), plans, errors, and the budgets on
 * them: the check kinds above that machine noise does not move, so one run
 * per side is enough to fail on one (`rehearse ab` stops after the first
 * pair), and more runs would not change it.
 */
export const COUNTER_KINDS: ReadonlySet<CheckKind> = new Set<CheckKind>([
  'queries-per-request',
  'seq-scan',
  'page-query-calls',
  'blocks-per-request',
  'rows-per-request',
  'response-bytes',
  'cache-commands-per-request',
  'query-calls',
  'query-blocks',
  'query-rows',
  'errors',
  'budget-queries-per-request',
  'budget-response-bytes',
  'budget-query-calls',
  'budget-query-rows',
  'budget-query-blocks',
  'budget-error-rate',
]);

/**
 * `warn`: a timing verdict of NOT SURE (the runs can neither confirm nor rule
 * out a difference over the tolerance), a timing budget inside its interval,
 * or a timing of a run whose load was not delivered; it does not fail the
 * verdict unless `strict`.
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
  /** Timing checks (`p95-ratio`, `p50-ratio`): the verdict — DIFFERENT, SAME or NOT SURE — with its ratio, interval, runs per side and reason. */
  timing?: PageVerdict;
}

/** A ratio's point estimate and its interval at `confidence`. */
export interface RatioInterval {
  point: number;
  low: number;
  high: number;
  confidence: number;
  /** `bootstrap-seconds` (moving blocks of one run's per-second timeline per side) or `repeats` (Student's t over the runs' log values, `runRatioInterval`). */
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
  /** CPU milliseconds of the app per request (probe); null when not measured (an app rehearse did not start, older records). */
  appCpuMsPerRequest?: number | null;
  /** Cache server commands per request (probe); null when not measured (no `services.redis`, older records). */
  cacheCommandsPerRequest?: number | null;
  /** …by command (`get` → 1), and the lookups that missed, per request; empty and null when not measured. */
  cacheCommands?: Record<string, number>;
  cacheMissesPerRequest?: number | null;
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
  /** The p95 timing verdict against the baseline (and the p50's), when the page was judged. */
  p95Verdict?: PageVerdict | null;
  p50Verdict?: PageVerdict | null;
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
  /** Sessions waiting by wait type (`Lock`, `LWLock`, `IO` …), most at once in the second; null where there was no sample. */
  waitsByType?: Record<string, number> | null;
  /** Sessions waiting on a lock, most at once in the second. */
  lockWaiting?: number | null;
  /** Sessions idle inside an open transaction, most at once in the second. */
  idleInTransaction?: number | null;
  /** Requests waiting for a connection of the app's pool (its gauge), most in the second; null where the app exposes none. */
  poolWaiting?: number | null;
  /** Commands the cache server ran in this second, and its CPU (cores busy); null where it was not sampled or is not configured. */
  cacheCommands?: number | null;
  cacheCpuCores?: number | null;
}

/** A statement seen running long in pg_stat_activity. */
export interface LongStatement {
  id: string;
  fingerprint: string;
  query: string;
  /** The longest it was seen running, ms. */
  ms: number;
}

/** What the sessions of one page did besides running: waits and open transactions (pg_stat_activity samples). */
export interface PageWaitNumbers {
  /** Session-seconds (samples × interval) of active sessions waiting, by wait type and by event. */
  waitSecondsByType: Record<string, number>;
  waitSecondsByEvent: Record<string, number>;
  /** Session-seconds active (running or waiting): the page's connection time in statements. */
  activeSeconds: number;
  /** Lock-wait session time ÷ the page's requests; null for `other` (no requests of its own). */
  lockWaitMsPerRequest: number | null;
  idleInTransactionSeconds: number;
  idleInTransactionMsPerRequest: number | null;
  /** The longest one transaction of the page was seen idle, ms; null when none was. */
  longestIdleInTransactionMs: number | null;
  /** Its sessions' statements that were seen running longest, longest first (at most 3). */
  longestStatements: LongStatement[];
}

export interface PageWaits extends PageWaitNumbers {
  /** A page, or `other` for statements no query profile knows. */
  page: string;
  requests: number;
  baseline: PageWaitNumbers | null;
}

/** Sessions of some page(s) waiting on a lock that sessions of other (or the same) page(s) held. */
export interface BlockingPair {
  /** Pages of the waiting statement (`other` when no profile knows it). */
  blockedPages: string[];
  /** Pages of the statement at the head of the blocking chain (the holder). */
  blockingPages: string[];
  /** Wait events of the waiting sessions, most seen first (`Lock:transactionid`, `Lock:tuple`). */
  waitEvents: string[];
  /** The table the lock is on, when known. */
  relation: string | null;
  /** The holder's statement (running, or the last it ran when idle in transaction); null when it was not seen. */
  blockingQuery: string | null;
  blockingId: string | null;
  blockingFingerprint: string | null;
  /** The holder's state most seen: `idle in transaction`, `active` … */
  blockingState: string | null;
  /** Most sessions waiting on it at once. */
  peakWaiting: number;
  /** Seconds (samples × interval) with at least one waiting. */
  secondsSeen: number;
}

export interface PoolWaitNumbers {
  peakWaiting: number | null;
  meanWaiting: number | null;
  /** Seconds (scrapes × interval) with at least one request waiting. */
  secondsWaiting: number | null;
  /**
   * Time requests spent waiting for a connection ÷ every request of the load, ms: the increase of the
   * app's wait-seconds counter over the run when it has one, else the waiting gauge integrated over time.
   */
  waitMsPerRequest: number | null;
  peakInUse: number | null;
  size: number | null;
}

export interface PoolWaits extends PoolWaitNumbers {
  /** The gauges read, by metric name; `waitSeconds` the wait-seconds counter, when the app has one (absent in older analyses). */
  gauges: { waiting: string | null; inUse: string | null; size: string | null; waitSeconds?: string | null };
  baseline: PoolWaitNumbers | null;
}

/** Waits, open transactions, blocking and the app's connection pool, from pg_stat_activity samples and the app's metrics. */
export interface WaitsSummary {
  /** False when the candidate's record has no per-session samples (written before rehearse took them). */
  sampled: boolean;
  /** The candidate's activity sampling interval, ms. */
  intervalMs: number;
  /** Pages by wait and idle-in-transaction time, most first; `other` last. */
  pages: PageWaits[];
  /** Most waiting at once first. */
  blocking: BlockingPair[];
  baselineBlocking: BlockingPair[];
  /** null when the app exposes no pool gauge (or no metrics). */
  pool: PoolWaits | null;
}

/** One plateau of a capacity run, as the report shows it. */
export interface CapacityStep {
  index: number;
  /** Arrivals/s offered and actually started, every journey together. */
  offered: number;
  achieved: number;
  planned: number;
  dropped: number;
  holds: boolean;
  broken: Array<{ budget: CapacityBudget; value: number }>;
  notDelivered: string | null;
  pages: Array<{ page: string; requests: number; requestsPerSecond: number; errors: number; errorRate: number; p50: number; p95: number; p99: number }>;
  /** Every page's requests per second. */
  throughput: number;
  /** Mean requests in flight (Little's law: throughput × mean response time); null without requests. */
  concurrency: number | null;
  /** Mean sessions of the run database active and waiting, the most waiting at once; null without samples. */
  dbActive: number | null;
  dbWaiting: number | null;
  dbPeakWaiting: number | null;
  topWaits: Array<{ event: string; sessions: number }>;
  /** Mean cores busy per part measured (`app`, `postgres`, `k6`). */
  cpu: Record<string, number>;
}

/** What one request of a page costs (query profile), and its share of the cost of the whole mix. */
export interface CapacityPageCost {
  page: string;
  /** The page's share of every request of the run (the mix every plateau repeats). */
  requestShare: number;
  /** Σ statements' mean time × calls per request; null without a profile. */
  dbMsPerRequest: number | null;
  /** The app's CPU per request, from the probe; null when not measured. */
  appCpuMsPerRequest: number | null;
  /** requestShare × (db + app CPU) over the sum of that over every page. */
  share: number;
}

/** A stepped (capacity) run: the highest rate every budget held at, the headroom over the expected peak, and what ran out. */
export interface CapacitySummary {
  /** "Headroom 2.4× the expected peak …": the report's first sentence. */
  sentence: string;
  /** fail: below the expected peak; unknown: the steps cannot tell (none above the peak, or none below it). */
  verdict: 'pass' | 'fail' | 'unknown';
  capacity: number | null;
  interval: { low: number; high: number } | null;
  bound: CapacityResult['bound'];
  lastHolding: number | null;
  firstFailing: number | null;
  firstBroken: CapacityResult['firstBroken'];
  /** arrivals/s, every journey together; null when the run states none. */
  expectedPeak: number | null;
  peakSource: 'config' | 'scenario' | null;
  headroom: { ratio: number; low: number | null; high: number | null } | null;
  budgets: CapacityBudget[];
  steps: CapacityStep[];
  pageCosts: CapacityPageCost[];
  usl: UslFit | { poor: true; reason: string };
  /** The machine's cores, to read CPU against. */
  cores: number;
  /** Parts whose CPU was not measured, and why. */
  cpuNotMeasured: Record<string, string>;
  /**
   * Steps that decided the capacity (up to the first that broke) during which other work on the
   * machine used more than the threshold of cores over its busiest stretch: their timings include
   * waiting for CPU, so the capacity is not trusted (verdict `unknown`).
   */
  busySteps: Array<{ index: number; offered: number; otherCores: number }>;
}

/** Two capacity runs: how the capacity moved, with the interval of the change. */
export interface CapacityChange {
  baseline: number;
  candidate: number;
  /** candidate / baseline − 1; its interval from the two runs' capacity intervals (see capacity-checks.ts). */
  change: number;
  low: number | null;
  high: number | null;
  sentence: string;
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
  /** NOT SURE timings and budgets failed instead of warning (`--strict`). */
  strict?: boolean;
  thresholds: Thresholds;
  /** Failing first, most severe first; then passing checks. */
  checks: Check[];
  pages: PageRow[];
  /** `transactionControl`: BEGIN, COMMIT, SET, … listed apart: never checked, never a culprit. */
  queries: { compared: QueryRow[]; new: QueryRow[]; vanished: QueryRow[]; transactionControl?: QueryRow[] };
  /** The first candidate run's timeline. */
  timeline: { run: string; pages: string[]; points: TimelinePoint[] };
  /** Waits and blocking per page, and the app's connection pool. */
  waits: WaitsSummary;
  /** Whether each run's load generator delivered the planned load; null when no record kept its load. */
  delivery: DeliverySummary | null;
  context: { candidate: RunContext; baseline: RunContext | null };
  /** The candidate's capacity, when its load was stepped (`rehearse capacity`); null otherwise, absent in older analyses. */
  capacity?: CapacitySummary | null;
  /** The change of capacity against a stepped baseline; null otherwise. */
  capacityChange?: CapacityChange | null;
  /** Each run's cache server over the load; null when no run configured one (`services.redis`), absent in older analyses. */
  cacheServer?: CacheServerRun[] | null;
  /** The deploy and rollback rehearsed during the load; absent or null on a run without one. */
  releaseEvent?: ReleaseEventSummary | null;
  /** Things the reader should know: a run that did not complete, evicted statements, budgets that could not be read. */
  notes: string[];
}
