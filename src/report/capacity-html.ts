import type { Analysis, CapacitySummary } from '../analyze/analysis.ts';
import { formatCount, formatMs, formatPercent } from '../analyze/format-number.ts';
import { budgetName, connectionsText, costlyPageSentence, costText, cpuText, pagesAtStepText, stepVerdictText, uslText } from './capacity-text.ts';
import { renderTimeChart, type ChartSeries } from './svg-chart.ts';

const PALETTE = ['#1f77b4', '#2ca02c', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f'];
const one = (value: number) => formatCount(Number(value.toFixed(1)));

type Escape = (text: string) => string;

function markers(capacity: CapacitySummary) {
  return [
    ...(capacity.capacity !== null ? [{ x: capacity.capacity, label: `capacity ${one(capacity.capacity)}/s`, color: '#b00020' }] : []),
    ...(capacity.expectedPeak !== null ? [{ x: capacity.expectedPeak, label: `expected peak ${one(capacity.expectedPeak)}/s`, color: '#555' }] : []),
  ];
}

/** p95 of each page per step against the offered rate, each page's p95 budget dashed in its colour. */
function latencyChart(capacity: CapacitySummary): string {
  const pages = [...new Set(capacity.steps.flatMap((step) => step.pages.map((page) => page.page)))];
  const series: ChartSeries[] = pages.flatMap((page, index) => {
    const color = PALETTE[index % PALETTE.length]!;
    const measured: ChartSeries = { name: `${page} p95`, color, kind: 'line', axis: 'left', values: capacity.steps.map((step) => ({ x: step.offered, y: step.pages.find((entry) => entry.page === page)?.p95 ?? null })) };
    const budget = capacity.budgets.find((entry) => entry.page === page && entry.metric === 'p95');
    if (!budget) return [measured];
    return [measured, { name: `${page} budget`, color, kind: 'line', axis: 'left', dashed: true, values: capacity.steps.map((step) => ({ x: step.offered, y: budget.limit })) }];
  });
  const budgets = capacity.budgets.filter((budget) => budget.metric === 'p95').map((budget) => budget.limit);
  const cap = budgets.length > 0 ? Math.max(...budgets) * 4 : undefined;
  const highest = Math.max(0, ...series.flatMap((entry) => entry.values.map((value) => value.y ?? 0)));
  const cut = cap !== undefined && highest > cap ? ` (axis cut at ${formatMs(cap)}: higher is drawn at the top)` : '';
  return renderTimeChart({ title: `p95 per page at each step, against its budget${cut}`, leftLabel: 'milliseconds', series, xUnit: '/s', markers: markers(capacity), ...(cap !== undefined ? { leftCap: cap } : {}) });
}

function deliveryChart(capacity: CapacitySummary): string {
  const series: ChartSeries[] = [
    { name: 'offered arrivals/s', color: '#7f7f7f', kind: 'line', axis: 'left', dashed: true, values: capacity.steps.map((step) => ({ x: step.offered, y: step.offered })) },
    { name: 'achieved arrivals/s', color: '#1f77b4', kind: 'line', axis: 'left', values: capacity.steps.map((step) => ({ x: step.offered, y: step.achieved })) },
    { name: 'requests/s', color: '#2ca02c', kind: 'line', axis: 'right', values: capacity.steps.map((step) => ({ x: step.offered, y: step.throughput })) },
  ];
  return renderTimeChart({ title: 'Achieved against offered', leftLabel: 'arrivals per second', rightLabel: 'requests per second', series, xUnit: '/s', markers: markers(capacity) });
}

function resourcesChart(capacity: CapacitySummary): string {
  const parts = [...new Set(capacity.steps.flatMap((step) => Object.keys(step.cpu)))];
  const series: ChartSeries[] = [
    ...parts.map((part, index): ChartSeries => ({ name: `${part} CPU (cores)`, color: PALETTE[index % PALETTE.length]!, kind: 'line', axis: 'left', values: capacity.steps.map((step) => ({ x: step.offered, y: step.cpu[part] ?? null })) })),
    { name: 'db active', color: '#bcbd22', kind: 'bar', axis: 'right', values: capacity.steps.map((step) => ({ x: step.offered, y: step.dbActive })) },
    { name: 'db waiting (most)', color: '#d62728', kind: 'bar', axis: 'right', values: capacity.steps.map((step) => ({ x: step.offered, y: step.dbPeakWaiting })) },
  ];
  return renderTimeChart({ title: `CPU (of ${capacity.cores} cores) and database connections per step`, leftLabel: 'cores busy', rightLabel: 'connections', series, xUnit: '/s', markers: markers(capacity) });
}

/** The capacity section of the HTML report: the headroom sentence, three charts, the steps, the page costs, the USL fit. Empty for a run that was not stepped. */
export function capacityHtml(analysis: Analysis, escape: Escape, table: (header: string[], rows: string[][]) => string): string {
  const capacity = analysis.capacity;
  if (!capacity) return '';
  const cell = (text: string, sort?: number) => `<td${sort === undefined ? '' : ` data-sort="${sort}"`}>${escape(text)}</td>`;
  const stepRows = capacity.steps.map((step) => [
    cell(String(step.index + 1), step.index),
    cell(one(step.offered), step.offered),
    cell(`${one(step.achieved)}${step.dropped > 0 ? ` (${formatCount(step.dropped)} dropped)` : ''}`, step.achieved),
    cell(pagesAtStepText(step)),
    cell(cpuText(step, capacity.cores)),
    cell(connectionsText(step), step.dbPeakWaiting ?? undefined),
    `<td><span class="${step.holds ? 'pass' : 'fail'}">${escape(stepVerdictText(step))}</span></td>`,
  ]);
  const costRows = capacity.pageCosts.map((cost) => {
    const { db, cpu } = costText(cost);
    return [cell(cost.page), cell(formatPercent(cost.requestShare), cost.requestShare), cell(db, cost.dbMsPerRequest ?? undefined), cell(cpu, cost.appCpuMsPerRequest ?? undefined), cell(formatPercent(cost.share), cost.share)];
  });
  const costly = costlyPageSentence(capacity.pageCosts);
  const notMeasured = Object.entries(capacity.cpuNotMeasured).map(([part, why]) => `${part}: ${why}`);
  return [
    '<h2>Capacity</h2>',
    `<p class="capacity"><strong>${escape(capacity.sentence)}</strong></p>`,
    analysis.capacityChange ? `<p>Against the baseline: ${escape(analysis.capacityChange.sentence)}.</p>` : '',
    capacity.budgets.length > 0 ? `<p>Budgets judged per step: ${escape(capacity.budgets.map(budgetName).join(', '))}; achieved within 5 % of offered, nothing dropped.</p>` : '',
    latencyChart(capacity),
    deliveryChart(capacity),
    resourcesChart(capacity),
    table(['step', 'offered arrivals/s', 'achieved', 'pages: requests/s, p95', 'CPU cores', 'database connections', 'verdict'], stepRows),
    notMeasured.length > 0 ? `<p>CPU not measured — ${escape(notMeasured.join('; '))}.</p>` : '',
    capacity.pageCosts.length > 0 ? `<h3>Which page eats the capacity</h3>${costly ? `<p>${escape(costly)}</p>` : ''}${table(['page', 'share of requests', 'database per request', 'app CPU per request', 'share of the cost'], costRows)}` : '',
    `<p>${escape(uslText(capacity.usl))}</p>`,
  ].join('\n');
}
