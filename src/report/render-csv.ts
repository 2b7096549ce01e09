import { stringify } from 'csv-stringify/sync';
import type { Analysis, CapacitySummary, QueryRow } from '../analyze/analysis.ts';
import type { CacheServerRun } from '../analyze/cache-server-summary.ts';
import type { DeliverySummary } from '../analyze/load-delivery.ts';
import type { ReportFile } from './report-file.ts';

const round = (value: number | null | undefined, digits = 3) => (value === null || value === undefined ? '' : Number(value.toFixed(digits)));

/** At the end of pages.csv, so the columns before them keep their place. */
const CACHE_PAGE_COLUMNS = ['cache_commands_per_request', 'baseline_cache_commands_per_request', 'cache_commands_by_type', 'baseline_cache_commands_by_type', 'cache_misses_per_request', 'baseline_cache_misses_per_request'];

/** "get=1; set=1": a page's cache commands per request by type; empty when not measured. */
function commandMix(commands: Record<string, number> | undefined): string {
  return Object.entries(commands ?? {})
    .filter(([, calls]) => calls > 0)
    .map(([command, calls]) => `${command}=${round(calls)}`)
    .join('; ');
}

function pagesCsv(analysis: Analysis): string {
  return stringify(
    analysis.pages.map((page) => ({
      page: page.page,
      requests: page.requests,
      errors: page.errors,
      error_rate: round(page.errorRate, 5),
      p50_ms: round(page.latencyMs.p50),
      p95_ms: round(page.latencyMs.p95),
      p99_ms: round(page.latencyMs.p99),
      baseline_p95_ms: round(page.baseline?.latencyMs.p95),
      p95_ratio: round(page.p95Ratio?.point),
      p95_ratio_low: round(page.p95Ratio?.low),
      p95_ratio_high: round(page.p95Ratio?.high),
      queries_per_request: round(page.counters?.queriesPerRequest),
      baseline_queries_per_request: round(page.baselineCounters?.queriesPerRequest),
      rows_per_request: round(page.counters?.rowsPerRequest),
      blocks_per_request: round(page.counters?.blocksPerRequest),
      response_bytes_per_request: round(page.counters?.responseBytesPerRequest, 1),
      baseline_response_bytes_per_request: round(page.baselineCounters?.responseBytesPerRequest, 1),
      budget_p95_ms: page.budget?.p95Ms ?? '',
      budget_p99_ms: page.budget?.p99Ms ?? '',
      budget_error_rate: page.budget?.errorRate ?? '',
      budget_queries_per_request: page.budget?.queriesPerRequest ?? '',
      budget_response_bytes: page.budget?.responseBytes ?? '',
      transactions_per_request: round(page.counters?.transactionsPerRequest),
      baseline_transactions_per_request: round(page.baselineCounters?.transactionsPerRequest),
      p50_ratio: round(page.p50Ratio?.point),
      p50_ratio_low: round(page.p50Ratio?.low),
      p50_ratio_high: round(page.p50Ratio?.high),
      app_cpu_ms_per_request: round(page.counters?.appCpuMsPerRequest),
      baseline_app_cpu_ms_per_request: round(page.baselineCounters?.appCpuMsPerRequest),
      cache_commands_per_request: round(page.counters?.cacheCommandsPerRequest),
      baseline_cache_commands_per_request: round(page.baselineCounters?.cacheCommandsPerRequest),
      cache_commands_by_type: commandMix(page.counters?.cacheCommands),
      baseline_cache_commands_by_type: commandMix(page.baselineCounters?.cacheCommands),
      cache_misses_per_request: round(page.counters?.cacheMissesPerRequest),
      baseline_cache_misses_per_request: round(page.baselineCounters?.cacheMissesPerRequest),
      verdict: page.verdict,
      p95_verdict: page.p95Verdict?.verdict ?? '',
      p95_direction: page.p95Verdict?.direction ?? '',
      baseline_runs: page.p95Verdict?.runs.baseline ?? '',
      candidate_runs: page.p95Verdict?.runs.candidate ?? '',
      p95_verdict_reason: page.p95Verdict?.reason ?? '',
    })),
    { header: true, columns: ['page', 'requests', 'errors', 'error_rate', 'p50_ms', 'p95_ms', 'p99_ms', 'baseline_p95_ms', 'p95_ratio', 'p95_ratio_low', 'p95_ratio_high', 'queries_per_request', 'baseline_queries_per_request', 'rows_per_request', 'blocks_per_request', 'response_bytes_per_request', 'baseline_response_bytes_per_request', 'budget_p95_ms', 'budget_p99_ms', 'budget_error_rate', 'budget_queries_per_request', 'budget_response_bytes', 'transactions_per_request', 'baseline_transactions_per_request', 'p50_ratio', 'p50_ratio_low', 'p50_ratio_high', 'app_cpu_ms_per_request', 'baseline_app_cpu_ms_per_request', 'verdict', 'p95_verdict', 'p95_direction', 'baseline_runs', 'candidate_runs', 'p95_verdict_reason', ...CACHE_PAGE_COLUMNS] },
  );
}

function queryRecord(row: QueryRow, kind: 'query' | 'transaction control' = 'query') {
  return {
    id: row.id,
    fingerprint: row.fingerprint,
    kind,
    status: row.status,
    replaces: row.replaces?.id ?? '',
    calls: row.cost.calls,
    calls_per_request: round(row.cost.callsPerRequest, 4),
    pages: row.pages.map((page) => `${page.page}=${round(page.callsPerRequest)}${page.inferred ? ' (inferred)' : ''}`).join('; '),
    mean_ms: round(row.cost.meanMs, 4),
    total_ms: round(row.cost.totalMs),
    share: round(row.cost.share, 4),
    rows_per_call: round(row.cost.rowsPerCall),
    blocks_per_call: round(row.cost.blocksPerCall),
    baseline_calls_per_request: round(row.baselineCost?.callsPerRequest, 4),
    baseline_mean_ms: round(row.baselineCost?.meanMs, 4),
    baseline_rows_per_call: round(row.baselineCost?.rowsPerCall),
    baseline_blocks_per_call: round(row.baselineCost?.blocksPerCall),
    plan_changes: row.planChanges.join('; '),
    budget_mean_ms: row.budget?.meanMs ?? '',
    budget_calls_per_request: row.budget?.callsPerRequest ?? '',
    budget_rows_per_call: row.budget?.rowsPerCall ?? '',
    budget_blocks_per_call: row.budget?.blocksPerCall ?? '',
    verdict: row.verdict,
    query: row.query,
  };
}

function queriesCsv(analysis: Analysis): string {
  const rows = [...analysis.queries.compared, ...analysis.queries.new, ...analysis.queries.vanished];
  const records = [...rows.map((row) => queryRecord(row)), ...(analysis.queries.transactionControl ?? []).map((row) => queryRecord(row, 'transaction control'))];
  return stringify(records, {
    header: true,
    columns: ['id', 'fingerprint', 'kind', 'status', 'replaces', 'calls', 'calls_per_request', 'pages', 'mean_ms', 'total_ms', 'share', 'rows_per_call', 'blocks_per_call', 'baseline_calls_per_request', 'baseline_mean_ms', 'baseline_rows_per_call', 'baseline_blocks_per_call', 'plan_changes', 'budget_mean_ms', 'budget_calls_per_request', 'budget_rows_per_call', 'budget_blocks_per_call', 'verdict', 'query'],
  });
}

function timelineCsv(analysis: Analysis): string {
  const pages = analysis.timeline.pages;
  // The cache server's columns only where the run watched one, as the timeline itself does.
  const cache = analysis.timeline.points.some((point) => 'cacheCommands' in point);
  const columns = ['second', 'requests', 'errors', ...pages.map((page) => `p95_ms ${page}`), 'db_active', 'db_waiting', 'db_lock_waiting', 'db_idle_in_transaction', 'pool_waiting', ...(cache ? ['cache_commands', 'cache_cpu_cores'] : [])];
  return stringify(
    analysis.timeline.points.map((point) => [
      point.second,
      point.requests,
      point.errors,
      ...pages.map((page) => round(point.p95ByPage[page])),
      point.active ?? '',
      point.waiting ?? '',
      point.lockWaiting ?? '',
      point.idleInTransaction ?? '',
      point.poolWaiting ?? '',
      ...(cache ? [point.cacheCommands ?? '', round(point.cacheCpuCores)] : []),
    ]),
    { header: true, columns },
  );
}

function waitsCsv(analysis: Analysis): string {
  const seconds = (record: Record<string, number> | undefined) =>
    Object.entries(record ?? {})
      .map(([key, value]) => `${key}=${round(value)}`)
      .join('; ');
  return stringify(
    analysis.waits.pages.map((page) => ({
      page: page.page,
      requests: page.requests,
      wait_seconds_by_type: seconds(page.waitSecondsByType),
      wait_seconds_by_event: seconds(page.waitSecondsByEvent),
      active_seconds: round(page.activeSeconds),
      lock_wait_ms_per_request: round(page.lockWaitMsPerRequest),
      baseline_lock_wait_ms_per_request: round(page.baseline?.lockWaitMsPerRequest),
      idle_in_transaction_seconds: round(page.idleInTransactionSeconds),
      idle_in_transaction_ms_per_request: round(page.idleInTransactionMsPerRequest),
      baseline_idle_in_transaction_ms_per_request: round(page.baseline?.idleInTransactionMsPerRequest),
      longest_idle_in_transaction_ms: round(page.longestIdleInTransactionMs),
      longest_statement_ms: round(page.longestStatements[0]?.ms),
      longest_statement_id: page.longestStatements[0]?.id ?? '',
      longest_statement: page.longestStatements[0]?.query ?? '',
    })),
    {
      header: true,
      columns: ['page', 'requests', 'wait_seconds_by_type', 'wait_seconds_by_event', 'active_seconds', 'lock_wait_ms_per_request', 'baseline_lock_wait_ms_per_request', 'idle_in_transaction_seconds', 'idle_in_transaction_ms_per_request', 'baseline_idle_in_transaction_ms_per_request', 'longest_idle_in_transaction_ms', 'longest_statement_ms', 'longest_statement_id', 'longest_statement'],
    },
  );
}

function blockingCsv(analysis: Analysis): string {
  return stringify(
    analysis.waits.blocking.map((pair) => ({
      blocked_pages: pair.blockedPages.join('; '),
      blocking_pages: pair.blockingPages.join('; '),
      wait_events: pair.waitEvents.join('; '),
      relation: pair.relation ?? '',
      blocking_state: pair.blockingState ?? '',
      peak_waiting: pair.peakWaiting,
      seconds_seen: round(pair.secondsSeen),
      blocking_id: pair.blockingId ?? '',
      blocking_fingerprint: pair.blockingFingerprint ?? '',
      blocking_query: pair.blockingQuery ?? '',
    })),
    { header: true, columns: ['blocked_pages', 'blocking_pages', 'wait_events', 'relation', 'blocking_state', 'peak_waiting', 'seconds_seen', 'blocking_id', 'blocking_fingerprint', 'blocking_query'] },
  );
}

/** Per run and journey: the load as planned and as delivered; the VU and k6 CPU columns are the run's, repeated. */
function loadCsv(delivery: DeliverySummary): string {
  return stringify(
    delivery.runs.flatMap((run) =>
      run.journeys.map((journey) => ({
        run: run.run,
        role: run.role,
        journey: journey.journey,
        planned_arrivals: journey.planned ?? '',
        started: journey.started ?? '',
        dropped: journey.dropped,
        dropped_share: round(journey.droppedShare, 5),
        iterations: journey.iterations,
        pre_allocated_vus: journey.preAllocatedVUs ?? '',
        max_vus: journey.maxVUs ?? '',
        run_vus_allocated: run.vusAllocated ?? '',
        run_vus_active: run.vusActive ?? '',
        run_max_vus: run.maxVUs ?? '',
        k6_cpu_mean_cores: round(run.k6Cpu?.meanCores),
        k6_cpu_busiest_cores: round(run.k6Cpu?.busiestCores),
        other_cpu_mean_cores: round(run.otherCpu?.meanCores),
        other_cpu_busiest_cores: round(run.otherCpu?.busiestCores),
        run_delivered: String(run.delivered),
        run_timings_trusted: String(run.trusted),
      })),
    ),
    {
      header: true,
      columns: ['run', 'role', 'journey', 'planned_arrivals', 'started', 'dropped', 'dropped_share', 'iterations', 'pre_allocated_vus', 'max_vus', 'run_vus_allocated', 'run_vus_active', 'run_max_vus', 'k6_cpu_mean_cores', 'k6_cpu_busiest_cores', 'other_cpu_mean_cores', 'other_cpu_busiest_cores', 'run_delivered', 'run_timings_trusted'],
    },
  );
}

/** One row per step and page of a capacity run, with the step's delivery, CPU and connections repeated on each. */
function capacityCsv(capacity: CapacitySummary): string {
  const parts = [...new Set(capacity.steps.flatMap((step) => Object.keys(step.cpu)))].sort();
  return stringify(
    capacity.steps.flatMap((step) =>
      step.pages.map((page) => ({
        step: step.index + 1,
        offered_arrivals_per_second: round(step.offered),
        achieved_arrivals_per_second: round(step.achieved),
        planned_arrivals: round(step.planned, 1),
        dropped_arrivals: step.dropped,
        holds: step.holds ? 'yes' : 'no',
        page: page.page,
        requests: page.requests,
        requests_per_second: round(page.requestsPerSecond),
        errors: page.errors,
        error_rate: round(page.errorRate, 5),
        p50_ms: round(page.p50),
        p95_ms: round(page.p95),
        p99_ms: round(page.p99),
        concurrency: round(step.concurrency),
        db_active: round(step.dbActive),
        db_waiting: round(step.dbWaiting),
        db_peak_waiting: step.dbPeakWaiting ?? '',
        top_wait_events: step.topWaits.map((wait) => `${wait.event}=${round(wait.sessions, 2)}`).join('; '),
        ...Object.fromEntries(parts.map((part) => [`${part}_cpu_cores`, round(step.cpu[part])])),
        broken: step.broken.map(({ budget, value }) => `${budget.page ?? '*'} ${budget.metric} ${round(value)} > ${budget.limit}`).join('; '),
        not_delivered: step.notDelivered ?? '',
      })),
    ),
    {
      header: true,
      columns: ['step', 'offered_arrivals_per_second', 'achieved_arrivals_per_second', 'planned_arrivals', 'dropped_arrivals', 'holds', 'page', 'requests', 'requests_per_second', 'errors', 'error_rate', 'p50_ms', 'p95_ms', 'p99_ms', 'concurrency', 'db_active', 'db_waiting', 'db_peak_waiting', 'top_wait_events', ...parts.map((part) => `${part}_cpu_cores`), 'broken', 'not_delivered'],
    },
  );
}

/** Per run, the cache server over the load: commands, hits, CPU, memory and clients, or why it was not measured. */
function cacheCsv(runs: readonly CacheServerRun[]): string {
  return stringify(
    runs.map(({ run, role, source, notMeasured, summary }) => ({
      run,
      role,
      source: source ?? '',
      mean_commands_per_second: round(summary?.meanCommandsPerSecond),
      peak_commands_per_second: round(summary?.peakCommandsPerSecond),
      hit_ratio: round(summary?.hitRatio, 5),
      peak_cpu_percent: round(summary ? summary.peakCpuCores * 100 : null, 2),
      peak_memory_bytes: summary?.peakMemoryBytes ?? '',
      peak_clients: summary?.peakClients ?? '',
      not_measured: notMeasured ?? '',
    })),
    { header: true, columns: ['run', 'role', 'source', 'mean_commands_per_second', 'peak_commands_per_second', 'hit_ratio', 'peak_cpu_percent', 'peak_memory_bytes', 'peak_clients', 'not_measured'] },
  );
}

/** pages.csv, queries.csv, timeline.csv, waits.csv (per page), blocking.csv and, when the records kept their load, load.csv, for a spreadsheet; capacity.csv for a capacity run; cache.csv when a run configured a cache server. */
export function renderCsv(analysis: Analysis): ReportFile[] {
  return [
    ...(analysis.capacity ? [{ name: 'capacity.csv', text: capacityCsv(analysis.capacity) }] : []),
    { name: 'pages.csv', text: pagesCsv(analysis) },
    { name: 'queries.csv', text: queriesCsv(analysis) },
    { name: 'timeline.csv', text: timelineCsv(analysis) },
    { name: 'waits.csv', text: waitsCsv(analysis) },
    { name: 'blocking.csv', text: blockingCsv(analysis) },
    ...(analysis.delivery ? [{ name: 'load.csv', text: loadCsv(analysis.delivery) }] : []),
    ...(analysis.cacheServer ? [{ name: 'cache.csv', text: cacheCsv(analysis.cacheServer) }] : []),
  ];
}
