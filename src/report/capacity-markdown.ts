import type { Analysis } from '../analyze/analysis.ts';
import { formatCount, formatPercent } from '../analyze/format-number.ts';
import { budgetName, connectionsText, costlyPageSentence, costText, cpuText, pagesAtStepText, stepVerdictText, uslText } from './capacity-text.ts';

type Table = (header: string[], rows: string[][]) => string;

const one = (value: number) => formatCount(Number(value.toFixed(1)));

/** The capacity section of the Markdown report: the headroom sentence, then the steps, the page costs and the USL fit. Empty for a run that was not stepped. */
export function capacityMarkdown(analysis: Analysis, table: Table): string[] {
  const capacity = analysis.capacity;
  if (!capacity) return [];
  const lines = ['### Capacity', '', `**${capacity.sentence}**`, ''];
  if (analysis.capacityChange) lines.push(`Against the baseline: ${analysis.capacityChange.sentence}.`, '');
  if (capacity.budgets.length > 0) lines.push(`Budgets judged per step: ${capacity.budgets.map(budgetName).join(', ')}; achieved within 5 % of offered, nothing dropped.`, '');
  const stepRows = capacity.steps.map((step) => [
    String(step.index + 1),
    one(step.offered),
    `${one(step.achieved)}${step.dropped > 0 ? ` (${formatCount(step.dropped)} dropped)` : ''}`,
    pagesAtStepText(step),
    cpuText(step, capacity.cores),
    connectionsText(step),
    stepVerdictText(step),
  ]);
  lines.push(table(['step', 'offered arrivals/s', 'achieved', 'pages: requests/s, p95', 'CPU cores', 'database connections', 'verdict'], stepRows), '');
  const notMeasured = Object.entries(capacity.cpuNotMeasured).map(([part, why]) => `${part}: ${why}`);
  if (notMeasured.length > 0) lines.push(`CPU not measured — ${notMeasured.join('; ')}.`, '');
  if (capacity.pageCosts.length > 0) {
    lines.push('**Which page eats the capacity** (probe: each page requested alone; weighted by its share of the requests)', '');
    const sentence = costlyPageSentence(capacity.pageCosts);
    if (sentence) lines.push(sentence, '');
    const costRows = capacity.pageCosts.map((cost) => {
      const { db, cpu } = costText(cost);
      return [cost.page, formatPercent(cost.requestShare), db, cpu, formatPercent(cost.share)];
    });
    lines.push(table(['page', 'share of requests', 'database per request', 'app CPU per request', 'share of the cost'], costRows), '');
  }
  lines.push(uslText(capacity.usl), '');
  const peak = capacity.expectedPeak === null ? 'none stated' : `${one(capacity.expectedPeak)} arrivals/s (${capacity.peakSource === 'config' ? 'config capacity.peak' : "the scenario's own peak"})`;
  lines.push(`<sub>expected peak: ${peak}; capacity interval: bootstrap over the seconds of the steps around it; each step's percentiles from its own histogram, warm-up left out</sub>`, '');
  return lines;
}
