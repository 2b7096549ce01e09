import type { Analysis, Check, PageRow, QueryRow } from '../analyze/analysis.ts';
import { describeAppliedRelease } from '../run/describe-applied-release.ts';
import { describeProfileSettings } from '../run/describe-profile-settings.ts';
import { formatBytes, formatCount, formatMs, formatPercent, formatRatio, shortQuery } from '../analyze/format-number.ts';
import { capacityMarkdown } from './capacity-markdown.ts';
import { releaseEventMarkdown } from './release-event-report.ts';
import { runsPerSideText, verdictText } from '../analyze/timing-checks.ts';
import { DELIVERY_HEADER, deliveryCaption, deliveryRows } from './delivery-table.ts';
import type { ReportFile } from './report-file.ts';
import { hasWaits, holderStateText, idleInTransactionText, lockOfPair, lockWaitText, longestIdleText, poolGaugesText, poolText, waitTypesText } from './waits-text.ts';

export const MARKDOWN_REPORT_FILE = 'report.md';
/** GitHub refuses comments over 65,536 characters; keep a margin. */
export const MARKDOWN_LIMIT = 60_000;

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map(cell).join(' | ')} |`;
  return [line(header), `| ${header.map(() => '---').join(' | ')} |`, ...rows.map(line)].join('\n');
}

function collapsed(summary: string, body: string): string {
  return `<details><summary>${summary}</summary>\n\n${body}\n\n</details>`;
}

function checkLines(checks: readonly Check[]): string[] {
  const failing = checks.filter((check) => check.status === 'fail');
  const warnings = checks.filter((check) => check.status === 'warn');
  const lines: string[] = [];
  if (failing.length > 0) lines.push('**Failing checks**, most severe first:', '', ...failing.map((check, index) => `${index + 1}. ${check.sentence}`), '');
  if (warnings.length > 0) lines.push('**Timing warnings** (NOT SURE; not failing):', '', ...warnings.map((check) => `- ${check.sentence}`), '');
  return lines;
}

export function budgetText(page: PageRow): string {
  if (!page.budget) return '—';
  const parts = [
    page.budget.p95Ms !== undefined ? `p95 ≤ ${formatMs(page.budget.p95Ms)}` : '',
    page.budget.p99Ms !== undefined ? `p99 ≤ ${formatMs(page.budget.p99Ms)}` : '',
    page.budget.errorRate !== undefined ? `errors ≤ ${formatPercent(page.budget.errorRate)}` : '',
    page.budget.queriesPerRequest !== undefined ? `queries ≤ ${formatCount(page.budget.queriesPerRequest)}` : '',
    page.budget.responseBytes !== undefined ? `body ≤ ${formatBytes(page.budget.responseBytes)}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

export function queryBudgetText(row: QueryRow): string {
  if (!row.budget) return '—';
  const parts = [
    row.budget.meanMs !== undefined ? `mean ≤ ${formatMs(row.budget.meanMs)}` : '',
    row.budget.callsPerRequest !== undefined ? `calls/req ≤ ${formatCount(row.budget.callsPerRequest)}` : '',
    row.budget.rowsPerCall !== undefined ? `rows/call ≤ ${formatCount(row.budget.rowsPerCall)}` : '',
    row.budget.blocksPerCall !== undefined ? `buffers/call ≤ ${formatCount(row.budget.blocksPerCall)}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

/** Whether any row of the report has a query budget, so the budget column is worth its width. */
export function hasQueryBudgets(analysis: Analysis): boolean {
  return [...analysis.queries.compared, ...analysis.queries.new].some((row) => row.budget !== null);
}

/** "DIFFERENT (slower) 1.4× (95 %: 1.31×–1.52×), 3 runs per side", or the ratio alone for an analysis without verdicts. */
export function p95ChangeText(page: PageRow): string {
  if (!page.p95Ratio) return page.baseline ? `baseline ${formatMs(page.baseline.latencyMs.p95)}` : '—';
  const { point, low, high, confidence } = page.p95Ratio;
  const ratio = `${formatRatio(point)} (${Math.round(confidence * 100)} %: ${formatRatio(low)}–${formatRatio(high)})`;
  return page.p95Verdict ? `${verdictText(page.p95Verdict)} ${ratio}, ${runsPerSideText(page.p95Verdict.runs)}` : ratio;
}

export function countersText(page: PageRow): string {
  if (!page.counters) return '—';
  const now = formatCount(page.counters.queriesPerRequest);
  return page.baselineCounters ? `${now} (was ${formatCount(page.baselineCounters.queriesPerRequest)})` : now;
}

/** Whether any page opened transactions (BEGIN / START TRANSACTION) on either side; only then is the column shown. */
export function hasTransactions(analysis: Analysis): boolean {
  return analysis.pages.some((page) => (page.counters?.transactionsPerRequest ?? 0) > 0 || (page.baselineCounters?.transactionsPerRequest ?? 0) > 0);
}

export function transactionsText(page: PageRow): string {
  const now = page.counters?.transactionsPerRequest;
  if (now === undefined) return '—';
  const was = page.baselineCounters?.transactionsPerRequest;
  return was === undefined ? formatCount(now) : `${formatCount(now)} (was ${formatCount(was)})`;
}

export function responseBytesText(page: PageRow): string {
  const now = page.counters?.responseBytesPerRequest;
  if (now === null || now === undefined) return '—';
  const was = page.baselineCounters?.responseBytesPerRequest;
  return was === null || was === undefined ? formatBytes(now) : `${formatBytes(now)} (was ${formatBytes(was)})`;
}

/** Whether any page's app CPU per request was measured on either side; only then is the column shown. */
export function hasAppCpu(analysis: Analysis): boolean {
  return analysis.pages.some((page) => typeof page.counters?.appCpuMsPerRequest === 'number' || typeof page.baselineCounters?.appCpuMsPerRequest === 'number');
}

export function appCpuText(page: PageRow): string {
  const now = page.counters?.appCpuMsPerRequest;
  if (typeof now !== 'number') return '—';
  const was = page.baselineCounters?.appCpuMsPerRequest;
  return typeof was === 'number' ? `${formatMs(now)} (was ${formatMs(was)})` : formatMs(now);
}

/** Whether any page's cache commands per request were measured on either side; only then is the column shown. */
export function hasCacheCommands(analysis: Analysis): boolean {
  return analysis.pages.some((page) => typeof page.counters?.cacheCommandsPerRequest === 'number' || typeof page.baselineCounters?.cacheCommandsPerRequest === 'number');
}

export function cacheCommandsText(page: PageRow): string {
  const now = page.counters?.cacheCommandsPerRequest;
  if (typeof now !== 'number') return '—';
  const was = page.baselineCounters?.cacheCommandsPerRequest;
  return typeof was === 'number' ? `${formatCount(now)} (was ${formatCount(was)})` : formatCount(now);
}

/** Whether the report compares with a baseline; without one its "vs baseline" columns are left out. */
export function hasBaseline(analysis: Analysis): boolean {
  return analysis.baseline.length > 0;
}

function pagesTable(analysis: Analysis): string {
  const compared = hasBaseline(analysis);
  const transactions = hasTransactions(analysis);
  const appCpu = hasAppCpu(analysis);
  const cache = hasCacheCommands(analysis);
  return table(
    ['page', 'requests', 'errors', 'p50', 'p95', 'p99', ...(compared ? ['p95 vs baseline'] : []), 'queries/request', ...(transactions ? ['transactions/request'] : []), 'body/request', ...(appCpu ? ['app CPU/request'] : []), ...(cache ? ['cache commands/request'] : []), 'budget', 'verdict'],
    analysis.pages.map((page) => [
      page.page,
      formatCount(page.requests),
      formatPercent(page.errorRate),
      formatMs(page.latencyMs.p50),
      formatMs(page.latencyMs.p95),
      formatMs(page.latencyMs.p99),
      ...(compared ? [p95ChangeText(page)] : []),
      countersText(page),
      ...(transactions ? [transactionsText(page)] : []),
      responseBytesText(page),
      ...(appCpu ? [appCpuText(page)] : []),
      ...(cache ? [cacheCommandsText(page)] : []),
      budgetText(page),
      page.verdict === 'fail' ? '❌ fail' : '✅ pass',
    ]),
  );
}

export function changeText(row: QueryRow): string {
  if (!row.baselineCost) return row.status === 'vanished' ? 'vanished' : 'new';
  const parts = [
    `calls/req ${formatRatio(ratio(row.cost.callsPerRequest, row.baselineCost.callsPerRequest))}`,
    `buffers/call ${formatRatio(ratio(row.cost.blocksPerCall, row.baselineCost.blocksPerCall))}`,
    `mean ${formatRatio(ratio(row.cost.meanMs, row.baselineCost.meanMs))}`,
  ];
  return `${row.replaces ? `rewritten from ${row.replaces.id}; ` : ''}${parts.join(', ')}`;
}

const ratio = (value: number, baseline: number) => (baseline === 0 ? (value === 0 ? 1 : Number.POSITIVE_INFINITY) : value / baseline);

export function pagesText(row: QueryRow): string {
  if (row.pages.length === 0) return '—';
  return row.pages.map((page) => (page.inferred ? `${page.page} (inferred)` : `${page.page} ${formatCount(page.callsPerRequest)}`)).join(', ');
}

function queryTable(analysis: Analysis, rows: readonly QueryRow[], queryLength: number): string {
  const compared = hasBaseline(analysis);
  const budgets = hasQueryBudgets(analysis);
  return table(
    ['id', 'query', 'calls', 'calls/request by page', 'mean', 'total', 'share', 'rows/call', 'buffers/call', ...(budgets ? ['budget'] : []), ...(compared ? ['change vs baseline', 'plan changes'] : [])],
    rows.map((row) => [
      `${row.verdict === 'fail' ? '❌ ' : ''}${code(row.id)}`,
      code(shortQuery(row.query, queryLength)),
      formatCount(row.cost.calls),
      pagesText(row),
      formatMs(row.cost.meanMs),
      formatMs(row.cost.totalMs),
      formatPercent(row.cost.share),
      formatCount(row.cost.rowsPerCall),
      formatCount(row.cost.blocksPerCall),
      ...(budgets ? [queryBudgetText(row)] : []),
      ...(compared ? [changeText(row), row.planChanges.join('; ') || '—'] : []),
    ]),
  );
}

function queriesSection(analysis: Analysis, maxRows: number, queryLength: number): string[] {
  const { compared, new: added, vanished } = analysis.queries;
  const limited = (rows: readonly QueryRow[]) => {
    const shown = rows.slice(0, maxRows);
    const more = rows.length - shown.length;
    return `${queryTable(analysis, shown, queryLength)}${more > 0 ? `\n\n… and ${more} more (see queries.csv or the HTML report)` : ''}`;
  };
  const lines = ['### Queries', ''];
  const title = hasBaseline(analysis) ? `${compared.length} queries compared with the baseline, by total time` : `${compared.length} queries, by total time`;
  lines.push(collapsed(title, limited(compared)), '');
  if (added.length > 0) lines.push(collapsed(`${added.length} new queries (not in the baseline)`, limited(added)), '');
  if (vanished.length > 0) lines.push(collapsed(`${vanished.length} vanished queries (only in the baseline)`, limited(vanished)), '');
  const control = analysis.queries.transactionControl ?? [];
  if (control.length > 0) lines.push(collapsed(`${control.length} transaction control statements (BEGIN, COMMIT, SET, …: not counted as queries, never checked)`, limited(control)), '');
  return lines;
}

function waitsSection(analysis: Analysis, maxRows: number, queryLength: number): string[] {
  const { waits } = analysis;
  if (!hasWaits(waits)) return [];
  const lines = ['### Waits', ''];
  if (waits.pages.length > 0) {
    const rows = waits.pages.slice(0, maxRows).map((page) => [
      page.page,
      waitTypesText(page),
      lockWaitText(page),
      idleInTransactionText(page),
      longestIdleText(page),
      page.longestStatements[0] ? `${formatMs(page.longestStatements[0].ms)} ${code(shortQuery(page.longestStatements[0].query, queryLength))}` : '—',
    ]);
    lines.push(
      collapsed(
        `waits and open transactions per page (pg_stat_activity every ${waits.intervalMs} ms; session-seconds)`,
        table(['page', 'waits by type', 'lock wait/request', 'idle in transaction/request', 'longest idle in transaction', 'longest statement'], rows),
      ),
      '',
    );
  }
  if (waits.blocking.length > 0) {
    const rows = waits.blocking.slice(0, maxRows).map((pair) => [
      pair.blockedPages.join(', '),
      pair.blockingPages.join(', '),
      lockOfPair(pair),
      pair.blockingQuery ? code(shortQuery(pair.blockingQuery, queryLength)) : '—',
      holderStateText(pair),
      formatCount(pair.peakWaiting),
      `${formatCount(pair.secondsSeen)} s`,
    ]);
    lines.push('**Blocking** (waiting ← holding):', '', table(['waiting page', 'holding page', 'lock', 'holding statement', 'holder was', 'most waiting at once', 'seen for'], rows), '');
  }
  if (waits.pool) lines.push(`**Connection pool** (${poolGaugesText(waits.pool)}): ${poolText(waits.pool)}.`, '');
  return lines;
}

function timelineSection(analysis: Analysis, step: number): string[] {
  const { pages, points } = analysis.timeline;
  if (points.length === 0) return [];
  const pool = points.some((point) => point.poolWaiting !== null && point.poolWaiting !== undefined);
  const rows = points
    .filter((_, index) => index % step === 0)
    .map((point) => [
      `${point.second} s`,
      formatCount(point.requests),
      formatCount(point.errors),
      ...pages.map((page) => (point.p95ByPage[page] === null || point.p95ByPage[page] === undefined ? '—' : formatMs(point.p95ByPage[page]!))),
      point.active === null ? '—' : String(point.active),
      point.waiting === null ? '—' : String(point.waiting),
      optional(point.lockWaiting),
      optional(point.idleInTransaction),
      ...(pool ? [optional(point.poolWaiting)] : []),
    ]);
  const every = step > 1 ? `, every ${step} s` : '';
  return ['### Timeline', '', collapsed(`requests/s, p95 per page, errors and database connections (run ${analysis.timeline.run}${every})`, table(['t', 'requests/s', 'errors', ...pages.map((page) => `p95 ${page}`), 'db active', 'db waiting', 'lock waits', 'idle in transaction', ...(pool ? ['pool waiting'] : [])], rows)), ''];
}

const optional = (value: number | null | undefined) => (value === null || value === undefined ? '—' : formatCount(value));

function contextSection(analysis: Analysis): string[] {
  const { candidate, baseline } = analysis.context;
  const value = (context: typeof candidate | null, pick: (c: typeof candidate) => string) => (context ? pick(context) : '—');
  const rows: Array<[string, (c: typeof candidate) => string]> = [
    ['runs', () => ''],
    ['release', (c) => c.release ?? '—'],
    ['release applied', (c) => describeAppliedRelease(c.appliedRelease)],
    ['scenario', (c) => `${c.scenario.name} (${c.scenario.file})`],
    ['scale, seed', (c) => `${c.scale ?? '—'}, ${c.seed ?? '—'}`],
    ['rehearse, node', (c) => `${c.rehearseVersion}, ${c.node}`],
    ['k6', (c) => c.k6Version ?? '—'],
    ['postgres', (c) => `${c.postgresVersion ?? '—'} (${c.dbProvider})`],
    ['planner settings', (c) => describeProfileSettings(c.profileSettings)],
    ['machine', (c) => `${c.machine.cpus} × ${c.machine.cpuModel}, ${Math.round(c.machine.memoryBytes / 2 ** 30)} GiB, ${c.machine.platform}/${c.machine.arch}`],
  ];
  const runs = (refs: Analysis['candidate']) => refs.map((ref) => code(ref.id)).join(', ') || '—';
  return [
    '### Context',
    '',
    table(
      ['', 'candidate', 'baseline'],
      rows.map(([label, pick]) => (label === 'runs' ? [label, runs(analysis.candidate), runs(analysis.baseline)] : [label, value(candidate, pick), value(baseline, pick)])),
    ),
    '',
  ];
}

/** What the load generator delivered per journey; nothing for records written before rehearse kept the load. */
function deliverySection(analysis: Analysis): string[] {
  const runs = analysis.delivery?.runs ?? [];
  if (runs.length === 0) return [];
  const captioned = runs.length > 1;
  return ['### Load delivered', '', ...runs.flatMap((run) => [...(captioned ? [deliveryCaption(run), ''] : []), table([...DELIVERY_HEADER], deliveryRows(run)), ''])];
}

function compose(analysis: Analysis, maxQueryRows: number, queryLength: number, timelineStep: number | null): string {
  const icon = analysis.verdict === 'fail' ? '❌' : '✅';
  const lines = [`## ${icon} ${analysis.headline}`, '', ...checkLines(analysis.checks)];
  if (analysis.notes.length > 0) lines.push(...analysis.notes.map((note) => `> ${note}`), '');
  lines.push(...deliverySection(analysis));
  lines.push(...capacityMarkdown(analysis, table));
  lines.push(...releaseEventMarkdown(analysis, table));
  lines.push('### Pages', '', pagesTable(analysis), '');
  lines.push(...queriesSection(analysis, maxQueryRows, queryLength));
  lines.push(...waitsSection(analysis, maxQueryRows, queryLength));
  if (timelineStep !== null) lines.push(...timelineSection(analysis, timelineStep));
  lines.push(...contextSection(analysis));
  lines.push(`<sub>rehearse report · thresholds and method: docs/REPORTS.md · timing tolerance ${formatPercent(analysis.tolerance)}</sub>`, '');
  return lines.join('\n');
}

/**
 * The report as Markdown for a pull-request comment or a job summary: the
 * verdict, failing checks, pages, then long tables collapsed. Shrinks itself
 * (fewer query rows, a coarser timeline, then none) to stay under GitHub's
 * comment limit.
 */
export function renderMarkdownText(analysis: Analysis): string {
  const attempts: Array<[number, number, number | null]> = [
    [50, 160, 1],
    [30, 120, 5],
    [20, 80, 10],
    [10, 60, null],
  ];
  for (const [rows, length, step] of attempts) {
    const text = compose(analysis, rows, length, step);
    if (text.length <= MARKDOWN_LIMIT) return text;
  }
  const text = compose(analysis, 5, 40, null);
  return text.length <= MARKDOWN_LIMIT ? text : `${text.slice(0, MARKDOWN_LIMIT - 40)}\n\n… (cut to fit a comment)\n`;
}

export function renderMarkdown(analysis: Analysis): ReportFile[] {
  return [{ name: MARKDOWN_REPORT_FILE, text: renderMarkdownText(analysis) }];
}
