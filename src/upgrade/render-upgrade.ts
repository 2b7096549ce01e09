import { formatBytes, formatClock, formatCount, shortQuery } from '../analyze/format-number.ts';
import type { UpgradeResult } from './rehearse-upgrade.ts';

/** The upgrade rehearsal for a terminal: steps, the no-statistics window, plans in it, the extrapolation and its model. */
export function renderUpgrade(result: UpgradeResult): string {
  const lines = [
    `upgrade rehearsed: PostgreSQL ${result.from.version} → ${result.to.version}, dump and restore of ${formatCount(result.rows)} rows (${formatBytes(result.bytes)} as COPY text) in ${result.tables.length} tables, scale ${result.scale}, seed ${result.seed}`,
    '',
    '  step               time',
    ...result.steps.map((step) => `  ${step.name.padEnd(17)}  ${formatClock(step.seconds).padStart(10)}`),
    '',
    `  no statistics on the new server for ${formatClock(result.noStatisticsSeconds)} (from the indexes built until ANALYZE finished)`,
  ];
  const changed = result.windowPlans.filter((plan) => plan.changes.length > 0);
  if (result.windowPlans.length > 0) {
    lines.push(`  plans in that window: ${changed.length} of ${result.windowPlans.length} queries plan otherwise until ANALYZE`);
    for (const plan of changed) lines.push(`    ${shortQuery(plan.query, 70)}: ${plan.changes.join(', ')} (without statistics → after ANALYZE)`);
  }
  if (result.estimate) {
    lines.push('', `  at production size: ${result.estimate.sentence}.`, `  model: ${result.estimate.model}.`);
  }
  return `${lines.join('\n')}\n`;
}
