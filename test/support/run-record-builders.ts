import { newRunRecord, type PageResult, type PlanSummary, type QueryProfile, type RunContext, type RunRecord, type Statement, type TimelinePoint } from '../../src/run/run-record.ts';

/** Small literal run records for analysis and renderer tests: only what a test says differs from a quiet default. */

export const START = Date.UTC(2026, 10, 26, 4, 0, 0);

export function context(overrides: Partial<RunContext> = {}): RunContext {
  return {
    rehearseVersion: '0.1.0',
    node: 'v20.20.2',
    k6Version: 'k6 v2.0.0',
    postgresVersion: '18.4',
    machine: { cpus: 2, cpuModel: 'Test CPU', memoryBytes: 8 * 2 ** 30, platform: 'linux', arch: 'x64' },
    scenario: { name: 'parents-evening-login-spike', file: 'scenarios/parents-evening-login-spike.ts' },
    release: 'baseline',
    scale: 0.005,
    seed: 42,
    dbProvider: 'embedded',
    ...overrides,
  };
}

export function page(name: string, overrides: Partial<Omit<PageResult, 'latencyMs'>> & { p95?: number; p50?: number } = {}): PageResult {
  const { p95 = 100, p50 = p95 / 2, ...rest } = overrides;
  const requests = rest.requests ?? 100;
  const errors = rest.errors ?? 0;
  return {
    page: name,
    requests,
    errors,
    errorRate: requests === 0 ? 0 : errors / requests,
    throughput: requests / 30,
    latencyMs: { mean: p50, p50, p90: p95 * 0.9, p95, p99: p95 * 1.5, max: p95 * 2 },
    errorCauses: {},
    ...rest,
  };
}

export function plan(seqScans: Array<[string, number]> = [], overrides: Partial<PlanSummary> = {}): Statement['plan'] {
  return {
    generic: true,
    summary: {
      nodeTypes: seqScans.length > 0 ? ['Seq Scan'] : ['Index Scan'],
      seqScans: seqScans.map(([relation, estimatedRows]) => ({ relation, estimatedRows })),
      joinMethods: [],
      indexes: seqScans.length > 0 ? [] : ['some_idx'],
      totalCost: 10,
      estimatedRows: 1,
      ...overrides,
    },
    json: [{ Plan: { 'Node Type': seqScans.length > 0 ? 'Seq Scan' : 'Index Scan' } }],
  };
}

/** A fingerprint of 16 hex digits made from a short name, e.g. 'a1' → 'a1000000000000000'. */
export function fingerprint(name: string): string {
  return name.padEnd(16, '0');
}

export function statement(name: string, query: string, overrides: Partial<Statement> & { blocksPerCall?: number } = {}): Statement {
  const { blocksPerCall = 10, ...rest } = overrides;
  const calls = rest.calls ?? 100;
  const totalMs = rest.totalMs ?? calls * 0.1;
  return {
    fingerprint: fingerprint(name),
    id: fingerprint(name).slice(0, 8),
    queryIds: ['1'],
    query,
    calls,
    totalMs,
    meanMs: calls === 0 ? 0 : totalMs / calls,
    stddevMs: 0,
    minMs: 0,
    maxMs: 1,
    rows: calls,
    sharedBlocksHit: blocksPerCall * calls,
    sharedBlocksRead: 0,
    tempBlocksRead: 0,
    tempBlocksWritten: 0,
    plan: plan(),
    planError: null,
    ...rest,
  };
}

export interface ProfiledQuery {
  name: string;
  query: string;
  callsPerRequest: number;
  rowsPerCall?: number;
  blocksPerCall?: number;
}

export function profile(pageName: string, queries: ProfiledQuery[], requests = 10, responseBytesPerRequest?: number): QueryProfile {
  const statements = queries.map((entry) => ({
    fingerprint: fingerprint(entry.name),
    id: fingerprint(entry.name).slice(0, 8),
    query: entry.query,
    calls: Math.round(entry.callsPerRequest * requests),
    callsPerRequest: entry.callsPerRequest,
    rowsPerCall: entry.rowsPerCall ?? 1,
    sharedBlocksPerCall: entry.blocksPerCall ?? 10,
    meanMs: 0.1,
  }));
  const sum = (value: (entry: (typeof statements)[number]) => number) => statements.reduce((total, entry) => total + value(entry), 0);
  return {
    page: pageName,
    requests,
    queriesPerRequest: sum((entry) => entry.callsPerRequest),
    rowsPerRequest: sum((entry) => entry.callsPerRequest * entry.rowsPerCall),
    sharedBlocksPerRequest: sum((entry) => entry.callsPerRequest * entry.sharedBlocksPerCall),
    ...(responseBytesPerRequest !== undefined ? { responseBytesPerRequest } : {}),
    statements,
  };
}

/** A steady per-second timeline for each page: `seconds` buckets at `p95` ms (and `p50` ms when given; times `jitter(i)` when given). */
export function timeline(pages: Array<{ page: string; p95: number; p50?: number; jitter?: (second: number) => number }>, seconds = 30): RunRecord['timeline'] {
  const points = (p95: number, p50: number | undefined, jitter: (second: number) => number): TimelinePoint[] =>
    Array.from({ length: seconds }, (_, second) => ({ time: START + second * 1000, requests: 5, errors: 0, p95: p95 * jitter(second), ...(p50 === undefined ? {} : { p50: p50 * jitter(second) }) }));
  const perPage = pages.map((entry) => ({ page: entry.page, points: points(entry.p95, entry.p50, entry.jitter ?? (() => 1)) }));
  return {
    bucketSeconds: 1,
    all: Array.from({ length: seconds }, (_, second) => ({ time: START + second * 1000, requests: 5 * pages.length, errors: 0, p95: Math.max(...pages.map((entry) => entry.p95)) })),
    pages: perPage,
  };
}

export interface RunSpec {
  id?: string;
  release?: string;
  scenario?: string;
  pages?: PageResult[];
  statements?: Statement[];
  profiles?: QueryProfile[];
  timeline?: RunRecord['timeline'];
}

/** A complete run record: by default one page, "My Bookings", 100 requests at p95 100 ms. */
export function runRecord(spec: RunSpec = {}): RunRecord {
  const release = spec.release ?? 'baseline';
  const scenario = spec.scenario ?? 'parents-evening-login-spike';
  const base = newRunRecord(spec.id ?? `20261126-040000-${scenario}-${release}`, context({ release, scenario: { name: scenario, file: `scenarios/${scenario}.ts` } }), new Date(START));
  const pages = spec.pages ?? [page('My Bookings')];
  const requests = pages.reduce((sum, entry) => sum + entry.requests, 0);
  const { page: _all, ...totals } = page('all', { requests });
  return {
    ...base,
    status: 'complete',
    failure: null,
    finishedAt: new Date(START + 30_000).toISOString(),
    k6: { exitCode: 0, thresholdsFailed: false },
    pages,
    totals: { ...totals, durationSeconds: 30, firstSampleAt: START, lastSampleAt: START + 29_000 },
    timeline: spec.timeline ?? timeline(pages.map((entry) => ({ page: entry.page, p95: entry.latencyMs.p95 }))),
    statements: spec.statements ?? [],
    activity: { intervalMs: 1000, samples: Array.from({ length: 30 }, (_, second) => ({ time: START + second * 1000 + 200, connections: 4, active: second % 3, idleInTransaction: 0, waiting: second % 5 === 0 ? 1 : 0, waitEvents: {}, longestRunningMs: null, longestRunningQuery: null })), failures: { count: 0, last: null } },
    queryProfiles: spec.profiles ?? [],
  };
}
