import type { Analysis, QueryRow } from '../analyze/analysis.ts';
import { formatCount, formatMs, formatPercent, shortQuery } from '../analyze/format-number.ts';
import { appCpuText, budgetText, cacheCommandsText, hasCacheCommands, changeText, countersText, hasAppCpu, hasBaseline, hasQueryBudgets, hasTransactions, p95ChangeText, pagesText, queryBudgetText, responseBytesText, transactionsText } from './render-markdown.ts';
import { DELIVERY_HEADER, deliveryCaption, deliveryRows } from './delivery-table.ts';
import { capacityHtml } from './capacity-html.ts';
import { releaseEventHtml } from './release-event-report.ts';
import type { ReportFile } from './report-file.ts';
import { renderTimeChart, type ChartSeries } from './svg-chart.ts';
import { hasWaits, holderStateText, idleInTransactionText, lockOfPair, lockWaitText, longestIdleText, poolGaugesText, poolText, waitTypesText } from './waits-text.ts';
import { describeProfileSettings } from '../run/describe-profile-settings.ts';

export const HTML_REPORT_FILE = 'report.html';

const PALETTE = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A table cell that sorts by `sort` (a number) when given, else by its text. */
function td(text: string, sort?: number | null): string {
  const key = sort === undefined || sort === null || !Number.isFinite(sort) ? '' : ` data-sort="${sort}"`;
  return `<td${key}>${text}</td>`;
}

function sortableTable(header: string[], rows: string[][]): string {
  const head = header.map((name) => `<th title="click to sort">${escapeHtml(name)}</th>`).join('');
  return `<div class="scroll"><table class="sortable"><thead><tr>${head}</tr></thead><tbody>${rows.map((row) => `<tr>${row.join('')}</tr>`).join('\n')}</tbody></table></div>`;
}

function checksSection(analysis: Analysis): string {
  const failing = analysis.checks.filter((check) => check.status === 'fail');
  const warnings = analysis.checks.filter((check) => check.status === 'warn');
  const passing = analysis.checks.filter((check) => check.status === 'pass');
  const list = (items: typeof failing, tag: 'ol' | 'ul') => `<${tag}>${items.map((check) => `<li>${escapeHtml(check.sentence)}</li>`).join('')}</${tag}>`;
  return [
    failing.length > 0 ? `<h2>Failing checks, most severe first</h2>${list(failing, 'ol')}` : '',
    warnings.length > 0 ? `<h3>Timing warnings (NOT SURE; not failing)</h3>${list(warnings, 'ul')}` : '',
    passing.length > 0 ? `<details><summary>${passing.length} passing checks</summary>${list(passing, 'ul')}</details>` : '',
    analysis.notes.length > 0 ? `<div class="notes">${analysis.notes.map((note) => `<p>${escapeHtml(note)}</p>`).join('')}</div>` : '',
  ].join('\n');
}

function deliverySection(analysis: Analysis): string {
  const runs = analysis.delivery?.runs ?? [];
  if (runs.length === 0) return '';
  const tables = runs.map((run) => {
    const caption = runs.length > 1 ? `<p class="${run.trusted ? 'pass' : run.delivered ? 'warn' : 'fail'}">${escapeHtml(deliveryCaption(run))}</p>` : '';
    return `${caption}${sortableTable([...DELIVERY_HEADER], deliveryRows(run).map((row) => row.map((text) => td(escapeHtml(text)))))}`;
  });
  return `<h2>Load delivered</h2>${tables.join('\n')}`;
}

function pagesSection(analysis: Analysis): string {
  const compared = hasBaseline(analysis);
  const transactions = hasTransactions(analysis);
  const appCpu = hasAppCpu(analysis);
  const cache = hasCacheCommands(analysis);
  const rows = analysis.pages.map((page) => [
    td(escapeHtml(page.page)),
    td(formatCount(page.requests), page.requests),
    td(formatPercent(page.errorRate), page.errorRate),
    td(formatMs(page.latencyMs.p50), page.latencyMs.p50),
    td(formatMs(page.latencyMs.p95), page.latencyMs.p95),
    td(formatMs(page.latencyMs.p99), page.latencyMs.p99),
    ...(compared ? [td(escapeHtml(p95ChangeText(page)), page.p95Ratio?.point)] : []),
    td(escapeHtml(countersText(page)), page.counters?.queriesPerRequest),
    ...(transactions ? [td(escapeHtml(transactionsText(page)), page.counters?.transactionsPerRequest)] : []),
    td(page.counters ? formatCount(page.counters.blocksPerRequest) : '—', page.counters?.blocksPerRequest),
    td(escapeHtml(responseBytesText(page)), page.counters?.responseBytesPerRequest),
    ...(appCpu ? [td(escapeHtml(appCpuText(page)), page.counters?.appCpuMsPerRequest)] : []),
    ...(cache ? [td(escapeHtml(cacheCommandsText(page)), page.counters?.cacheCommandsPerRequest ?? undefined)] : []),
    td(escapeHtml(budgetText(page))),
    td(`<span class="${page.verdict}">${page.verdict}</span>`),
  ]);
  const header = ['page', 'requests', 'errors', 'p50', 'p95', 'p99', ...(compared ? ['p95 vs baseline'] : []), 'queries/request', ...(transactions ? ['transactions/request'] : []), 'buffers/request', 'body/request', ...(appCpu ? ['app CPU/request'] : []), ...(cache ? ['cache commands/request'] : []), 'budget', 'verdict'];
  return `<h2>Pages</h2>${sortableTable(header, rows)}`;
}

function planCell(row: QueryRow): string {
  const changes = row.planChanges.length > 0 ? `<div class="plan-changes">${row.planChanges.map(escapeHtml).join('<br>')}</div>` : '';
  if (!row.plan) return `${changes}—`;
  return `${changes}<details class="plan"><summary>plan (${escapeHtml(row.plan.summary.nodeTypes.join(', '))})</summary><pre>${escapeHtml(JSON.stringify(row.plan.json, null, 2))}</pre></details>`;
}

function queryTable(analysis: Analysis, rows: readonly QueryRow[]): string {
  const compared = hasBaseline(analysis);
  const budgets = hasQueryBudgets(analysis);
  return sortableTable(
    ['id', 'query', 'calls', 'calls/request by page', 'mean', 'total', 'share', 'rows/call', 'buffers/call', ...(budgets ? ['budget'] : []), ...(compared ? ['change vs baseline'] : []), 'plan'],
    rows.map((row) => [
      td(`<code class="${row.verdict}">${escapeHtml(row.id)}</code>`),
      td(`<code class="sql">${escapeHtml(row.query)}</code>`),
      td(formatCount(row.cost.calls), row.cost.calls),
      td(escapeHtml(pagesText(row))),
      td(formatMs(row.cost.meanMs), row.cost.meanMs),
      td(formatMs(row.cost.totalMs), row.cost.totalMs),
      td(formatPercent(row.cost.share), row.cost.share),
      td(formatCount(row.cost.rowsPerCall), row.cost.rowsPerCall),
      td(formatCount(row.cost.blocksPerCall), row.cost.blocksPerCall),
      ...(budgets ? [td(escapeHtml(queryBudgetText(row)))] : []),
      ...(compared ? [td(escapeHtml(changeText(row)))] : []),
      td(planCell(row)),
    ]),
  );
}

function queriesSection(analysis: Analysis): string {
  const { compared, new: added, vanished } = analysis.queries;
  return [
    `<h2>Queries</h2>${queryTable(analysis, compared)}`,
    added.length > 0 ? `<h3>New queries (not in the baseline)</h3>${queryTable(analysis, added)}` : '',
    vanished.length > 0 ? `<h3>Vanished queries (only in the baseline)</h3>${queryTable(analysis, vanished)}` : '',
    (analysis.queries.transactionControl ?? []).length > 0
      ? `<h3>Transaction control (BEGIN, COMMIT, SET, …: not counted as queries, never checked)</h3>${queryTable(analysis, analysis.queries.transactionControl!)}`
      : '',
  ].join('\n');
}

function waitsSection(analysis: Analysis): string {
  const { waits } = analysis;
  if (!hasWaits(waits)) return '';
  const parts = [`<h2>Waits <small>pg_stat_activity every ${waits.intervalMs} ms</small></h2>`];
  if (waits.pages.length > 0) {
    const waitSeconds = (page: (typeof waits.pages)[number]) => Object.values(page.waitSecondsByType).reduce((sum, seconds) => sum + seconds, 0);
    const rows = waits.pages.map((page) => [
      td(escapeHtml(page.page)),
      td(escapeHtml(waitTypesText(page)), waitSeconds(page)),
      td(escapeHtml(lockWaitText(page)), page.lockWaitMsPerRequest),
      td(escapeHtml(idleInTransactionText(page)), page.idleInTransactionMsPerRequest),
      td(escapeHtml(longestIdleText(page)), page.longestIdleInTransactionMs),
      td(page.longestStatements[0] ? `${formatMs(page.longestStatements[0].ms)} <code class="sql">${escapeHtml(shortQuery(page.longestStatements[0].query, 160))}</code>` : '—', page.longestStatements[0]?.ms),
    ]);
    parts.push(sortableTable(['page', 'waits by type (session-seconds)', 'lock wait/request', 'idle in transaction/request', 'longest idle in transaction', 'longest statement'], rows));
  }
  if (waits.blocking.length > 0) {
    const rows = waits.blocking.map((pair) => [
      td(escapeHtml(pair.blockedPages.join(', '))),
      td(escapeHtml(pair.blockingPages.join(', '))),
      td(escapeHtml(lockOfPair(pair))),
      td(pair.blockingQuery ? `<code class="sql">${escapeHtml(pair.blockingQuery)}</code>` : '—'),
      td(escapeHtml(holderStateText(pair))),
      td(formatCount(pair.peakWaiting), pair.peakWaiting),
      td(`${formatCount(pair.secondsSeen)} s`, pair.secondsSeen),
    ]);
    parts.push('<h3>Blocking (waiting ← holding)</h3>', sortableTable(['waiting page', 'holding page', 'lock', 'holding statement', 'holder was', 'most waiting at once', 'seen for'], rows));
  }
  if (waits.pool) parts.push(`<h3>Connection pool</h3><p>${escapeHtml(poolText(waits.pool))} <small>(${escapeHtml(poolGaugesText(waits.pool))})</small></p>`);
  return parts.join('\n');
}

function timelineSection(analysis: Analysis): string {
  const { points, pages, run } = analysis.timeline;
  if (points.length === 0) return '<h2>Timeline</h2><p>No samples.</p>';
  const load: ChartSeries[] = [
    { name: 'requests/s', color: '#6baed6', kind: 'bar', axis: 'left', values: points.map((point) => ({ x: point.second, y: point.requests })) },
    { name: 'errors/s', color: '#d62728', kind: 'bar', axis: 'left', values: points.map((point) => ({ x: point.second, y: point.errors })) },
    { name: 'db active', color: '#ff7f0e', kind: 'line', axis: 'right', values: points.map((point) => ({ x: point.second, y: point.active })) },
    { name: 'db waiting', color: '#7b4173', kind: 'line', axis: 'right', values: points.map((point) => ({ x: point.second, y: point.waiting })) },
    { name: 'lock waits', color: '#e6550d', kind: 'line', axis: 'right', values: points.map((point) => ({ x: point.second, y: point.lockWaiting ?? null })) },
    { name: 'idle in transaction', color: '#636363', kind: 'line', axis: 'right', values: points.map((point) => ({ x: point.second, y: point.idleInTransaction ?? null })) },
    ...(points.some((point) => point.poolWaiting !== null && point.poolWaiting !== undefined)
      ? [{ name: 'pool waiting', color: '#31a354', kind: 'line' as const, axis: 'right' as const, values: points.map((point) => ({ x: point.second, y: point.poolWaiting ?? null })) }]
      : []),
    ...(points.some((point) => typeof point.cacheCommands === 'number')
      ? [{ name: 'cache commands/s', color: '#9467bd', kind: 'line' as const, axis: 'left' as const, values: points.map((point) => ({ x: point.second, y: point.cacheCommands ?? null })) }]
      : []),
  ];
  const latency: ChartSeries[] = pages.map((page, index) => ({
    name: `p95 ${page}`,
    color: PALETTE[index % PALETTE.length]!,
    kind: 'line',
    axis: 'left',
    values: points.map((point) => ({ x: point.second, y: point.p95ByPage[page] ?? null })),
  }));
  return [
    `<h2>Timeline <small>run ${escapeHtml(run)}</small></h2>`,
    renderTimeChart({ title: 'Load, errors and database connections', leftLabel: 'requests per second', rightLabel: 'connections (pool: requests waiting)', series: load }),
    renderTimeChart({ title: 'p95 per page, each second', leftLabel: 'milliseconds', series: latency }),
  ].join('\n');
}

function contextSection(analysis: Analysis): string {
  const rows = (['candidate', 'baseline'] as const).flatMap((side) => {
    const context = analysis.context[side];
    if (!context) return [];
    const runs = analysis[side].map((ref) => ref.id).join(', ');
    const machine = `${context.machine.cpus} × ${context.machine.cpuModel}, ${Math.round(context.machine.memoryBytes / 2 ** 30)} GiB`;
    return [[side, runs, context.release ?? '—', `${context.scenario.name} (${context.scenario.file})`, `${context.scale ?? '—'} / ${context.seed ?? '—'}`, `rehearse ${context.rehearseVersion}, node ${context.node}, ${context.k6Version ?? 'k6 ?'}, postgres ${context.postgresVersion ?? '?'} (${context.dbProvider})`, describeProfileSettings(context.profileSettings), machine].map((text) => td(escapeHtml(text)))];
  });
  return `<h2>Context</h2>${sortableTable(['side', 'runs', 'release', 'scenario', 'scale / seed', 'versions', 'planner settings', 'machine'], rows)}`;
}

const STYLE = `body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#222}
h1{font-size:20px;padding:10px 14px;border-radius:6px}h1.fail{background:#fde2e1;color:#8a1c1c}h1.pass{background:#e3f6e5;color:#1d5e2a}
h2{font-size:17px;margin-top:28px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:13px}th,td{border:1px solid #e2e2e2;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#f5f5f5;cursor:pointer;user-select:none;white-space:nowrap}th.asc::after{content:" ▲"}th.desc::after{content:" ▼"}
code.sql{white-space:pre-wrap;font-size:12px;display:block;min-width:260px}code.fail,span.fail{color:#b00020;font-weight:600}span.pass{color:#1d5e2a}
div.scroll{overflow-x:auto}details.plan pre{max-height:320px;max-width:300px;overflow:auto;background:#fafafa;padding:6px;font-size:11px}.plan-changes{color:#b00020}
.chart{border:1px solid #eee;margin:8px 0;background:#fff}.chart .grid{stroke:#eee}.chart .axis{stroke:#999}.chart .tick,.chart .legend{font-size:11px;fill:#555}
.chart .chart-title{font-size:13px;font-weight:600;fill:#222}.chart .axis-label{font-size:11px;fill:#777}.notes{background:#fff8e1;padding:4px 12px;border-radius:4px}
p.capacity{font-size:15px}`;

// Sorts a table by the clicked column: numbers by data-sort, text otherwise.
const SCRIPT = `document.querySelectorAll('table.sortable th').forEach(function(th,col){th.addEventListener('click',function(){
var table=th.closest('table'),body=table.tBodies[0],asc=!th.classList.contains('asc');
table.querySelectorAll('th').forEach(function(h){h.classList.remove('asc','desc')});th.classList.add(asc?'asc':'desc');
var key=function(row){var c=row.cells[col];var s=c&&c.getAttribute('data-sort');return s!==null&&s!==undefined&&s!==''?Number(s):(c?c.textContent:'')};
Array.from(body.rows).sort(function(a,b){var x=key(a),y=key(b);var r=typeof x==='number'&&typeof y==='number'?x-y:String(x).localeCompare(String(y));return asc?r:-r}).forEach(function(r){body.appendChild(r)});});});`;

/** One self-contained HTML file: inline CSS, inline SVG charts, a few lines of inline script to sort tables. No network. */
export function renderHtmlText(analysis: Analysis): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(analysis.headline)}</title><style>${STYLE}</style></head>
<body>
<h1 class="${analysis.verdict}">${escapeHtml(analysis.headline)}</h1>
${capacityHtml(analysis, escapeHtml, sortableTable)}
${checksSection(analysis)}
${releaseEventHtml(analysis, escapeHtml, sortableTable)}
${deliverySection(analysis)}
${pagesSection(analysis)}
${queriesSection(analysis)}
${waitsSection(analysis)}
${timelineSection(analysis)}
${contextSection(analysis)}
<p><small>rehearse report, analysis schema ${analysis.schemaVersion}; timing tolerance ${formatPercent(analysis.tolerance)}; thresholds and method: docs/REPORTS.md</small></p>
<script>${SCRIPT}</script>
</body></html>
`;
}

export function renderHtml(analysis: Analysis): ReportFile[] {
  return [{ name: HTML_REPORT_FILE, text: renderHtmlText(analysis) }];
}
