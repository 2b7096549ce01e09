import type { Latency, PlanSummary, QueryProfile, RunRecord, Statement } from '../run/run-record-schema.ts';
import { isTransactionControl, opensTransaction } from '../collect/transaction-control.ts';
import { median } from './statistics.ts';

export interface PooledPage {
  page: string;
  requests: number;
  errors: number;
  errorRate: number;
  /** Each latency field's median over the runs. */
  latencyMs: Latency;
}

export interface PooledStatement {
  fingerprint: string;
  id: string;
  query: string;
  calls: number;
  totalMs: number;
  rows: number;
  blocks: number;
  plan: { generic: boolean; summary: PlanSummary; json: unknown } | null;
}

export interface PooledProfileStatement {
  fingerprint: string;
  id: string;
  query: string;
  callsPerRequest: number;
  rowsPerCall: number;
  blocksPerCall: number;
}

export interface PooledProfile {
  page: string;
  queriesPerRequest: number;
  rowsPerRequest: number;
  blocksPerRequest: number;
  /** null when a run's profile did not measure it (records from before rehearse did). */
  responseBytesPerRequest: number | null;
  /** BEGIN / START TRANSACTION calls per request. */
  transactionsPerRequest: number;
  /** The app's CPU per request (probe); null when a run's profile did not measure it. */
  appCpuMsPerRequest: number | null;
  /** Cache server commands per request (probe), in all and by command, and lookups that missed; null when a run's profile did not measure them. */
  cacheCommandsPerRequest: number | null;
  cacheCommands: Record<string, number>;
  cacheMissesPerRequest: number | null;
  /** The page's queries, transaction control left out. */
  statements: PooledProfileStatement[];
  /** BEGIN, COMMIT, SET, … of the page: counted apart, never a culprit. */
  transactionControl: PooledProfileStatement[];
}

/** One side of a comparison (baseline or candidate), its repeats pooled. */
export interface PooledSide {
  runs: readonly RunRecord[];
  /** In the order the first run lists them. */
  pages: PooledPage[];
  /** Queries of the whole load, most total time first; transaction control left out. */
  statements: PooledStatement[];
  /** BEGIN, COMMIT, SET, … of the whole load: listed apart, never checked or blamed. */
  transactionControl: PooledStatement[];
  profiles: PooledProfile[];
  /** Every request of the load together (k6's untagged metrics); null when no run read any sample. */
  totals: Omit<PooledPage, 'page'> | null;
  /** Requests of every page of every run. */
  requests: number;
  /** Database time of the load: every statement's total time, transaction control included. */
  queryMs: number;
}

const LATENCY_FIELDS = ['mean', 'p50', 'p90', 'p95', 'p99', 'max'] as const;

function pageNames(runs: readonly RunRecord[]): string[] {
  return [...new Set(runs.flatMap((run) => run.pages.map((page) => page.page)))];
}

function poolPage(runs: readonly RunRecord[], name: string): PooledPage {
  const pages = runs.flatMap((run) => run.pages.filter((page) => page.page === name));
  const requests = pages.reduce((sum, page) => sum + page.requests, 0);
  const errors = pages.reduce((sum, page) => sum + page.errors, 0);
  const latencyMs = Object.fromEntries(LATENCY_FIELDS.map((field) => [field, median(pages.map((page) => page.latencyMs[field]))])) as Latency;
  return { page: name, requests, errors, errorRate: requests === 0 ? 0 : errors / requests, latencyMs };
}

function poolTotals(runs: readonly RunRecord[]): PooledSide['totals'] {
  const totals = runs.flatMap((run) => (run.totals ? [run.totals] : []));
  if (totals.length === 0) return null;
  const requests = totals.reduce((sum, entry) => sum + entry.requests, 0);
  const errors = totals.reduce((sum, entry) => sum + entry.errors, 0);
  const latencyMs = Object.fromEntries(LATENCY_FIELDS.map((field) => [field, median(totals.map((entry) => entry.latencyMs[field]))])) as Latency;
  return { requests, errors, errorRate: requests === 0 ? 0 : errors / requests, latencyMs };
}

function poolStatements(runs: readonly RunRecord[]): PooledStatement[] {
  const byFingerprint = new Map<string, PooledStatement>();
  const add = (statement: Statement) => {
    const pooled = byFingerprint.get(statement.fingerprint);
    const blocks = statement.sharedBlocksHit + statement.sharedBlocksRead;
    if (!pooled) {
      byFingerprint.set(statement.fingerprint, {
        fingerprint: statement.fingerprint,
        id: statement.id,
        query: statement.query,
        calls: statement.calls,
        totalMs: statement.totalMs,
        rows: statement.rows,
        blocks,
        plan: statement.plan ? { generic: statement.plan.generic, summary: statement.plan.summary, json: statement.plan.json } : null,
      });
      return;
    }
    pooled.calls += statement.calls;
    pooled.totalMs += statement.totalMs;
    pooled.rows += statement.rows;
    pooled.blocks += blocks;
    pooled.plan ??= statement.plan ? { generic: statement.plan.generic, summary: statement.plan.summary, json: statement.plan.json } : null;
  };
  runs.forEach((run) => run.statements.forEach(add));
  return [...byFingerprint.values()].sort((a, b) => b.totalMs - a.totalMs || a.fingerprint.localeCompare(b.fingerprint));
}

function poolProfile(runs: readonly RunRecord[], page: string): PooledProfile | undefined {
  const profiles = runs.flatMap((run) => run.queryProfiles.filter((profile) => profile.page === page && profile.requests > 0));
  if (profiles.length === 0) return undefined;
  const requests = profiles.reduce((sum, profile) => sum + profile.requests, 0);
  const weighted = (value: (profile: (typeof profiles)[number]) => number) => profiles.reduce((sum, profile) => sum + value(profile) * profile.requests, 0) / requests;
  const statements = new Map<string, { first: PooledProfileStatement; calls: number; rows: number; blocks: number }>();
  for (const profile of profiles) {
    for (const statement of profile.statements) {
      const entry = statements.get(statement.fingerprint) ?? {
        first: { fingerprint: statement.fingerprint, id: statement.id, query: statement.query, callsPerRequest: 0, rowsPerCall: 0, blocksPerCall: 0 },
        calls: 0,
        rows: 0,
        blocks: 0,
      };
      entry.calls += statement.calls;
      entry.rows += statement.rowsPerCall * statement.calls;
      entry.blocks += statement.sharedBlocksPerCall * statement.calls;
      statements.set(statement.fingerprint, entry);
    }
  }
  const pooled = [...statements.values()]
    .map(({ first, calls, rows, blocks }) => ({
      ...first,
      callsPerRequest: calls / requests,
      rowsPerCall: calls === 0 ? 0 : rows / calls,
      blocksPerCall: calls === 0 ? 0 : blocks / calls,
    }))
    .sort((a, b) => b.callsPerRequest - a.callsPerRequest || a.fingerprint.localeCompare(b.fingerprint));
  // Recounted from the statements rather than read from the profile, so records written while BEGIN and COMMIT still counted as queries read the same.
  const queries = pooled.filter((statement) => !isTransactionControl(statement.query));
  const sum = (value: (statement: PooledProfileStatement) => number) => queries.reduce((total, statement) => total + value(statement), 0);
  return {
    page,
    queriesPerRequest: sum((statement) => statement.callsPerRequest),
    rowsPerRequest: sum((statement) => statement.callsPerRequest * statement.rowsPerCall),
    blocksPerRequest: sum((statement) => statement.callsPerRequest * statement.blocksPerCall),
    responseBytesPerRequest: profiles.every((profile) => profile.responseBytesPerRequest !== undefined) ? weighted((profile) => profile.responseBytesPerRequest!) : null,
    transactionsPerRequest: pooled.filter((statement) => opensTransaction(statement.query)).reduce((total, statement) => total + statement.callsPerRequest, 0),
    appCpuMsPerRequest: profiles.every((profile) => typeof profile.appCpuMsPerRequest === 'number') ? weighted((profile) => profile.appCpuMsPerRequest!) : null,
    ...poolCacheCounters(profiles, weighted),
    statements: queries,
    transactionControl: pooled.filter((statement) => isTransactionControl(statement.query)),
  };
}

/** The probe's cache server counters of a page over every run that measured them all; null when one did not. */
function poolCacheCounters(
  profiles: readonly QueryProfile[],
  weighted: (value: (profile: QueryProfile) => number) => number,
): Pick<PooledProfile, 'cacheCommandsPerRequest' | 'cacheCommands' | 'cacheMissesPerRequest'> {
  if (!profiles.every((profile) => profile.cacheCommandsPerRequest !== undefined)) return { cacheCommandsPerRequest: null, cacheCommands: {}, cacheMissesPerRequest: null };
  const names = new Set(profiles.flatMap((profile) => Object.keys(profile.cacheCommands ?? {})));
  return {
    cacheCommandsPerRequest: weighted((profile) => profile.cacheCommandsPerRequest!),
    cacheCommands: Object.fromEntries([...names].sort().map((name) => [name, weighted((profile) => profile.cacheCommands?.[name] ?? 0)])),
    cacheMissesPerRequest: weighted((profile) => profile.cacheMissesPerRequest ?? 0),
  };
}

/** Pools the repeats of one side: requests and query counters summed, latencies as medians of the runs'. */
export function poolRuns(runs: readonly RunRecord[]): PooledSide {
  const names = pageNames(runs);
  const pooled = poolStatements(runs);
  const statements = pooled.filter((statement) => !isTransactionControl(statement.query));
  const profilePages = [...new Set(runs.flatMap((run) => run.queryProfiles.map((profile) => profile.page)))];
  return {
    runs,
    pages: names.map((name) => poolPage(runs, name)),
    statements,
    transactionControl: pooled.filter((statement) => isTransactionControl(statement.query)),
    profiles: profilePages.map((page) => poolProfile(runs, page)).filter((profile): profile is PooledProfile => profile !== undefined),
    totals: poolTotals(runs),
    requests: runs.reduce((sum, run) => sum + run.pages.reduce((pages, page) => pages + page.requests, 0), 0),
    queryMs: pooled.reduce((sum, statement) => sum + statement.totalMs, 0),
  };
}
