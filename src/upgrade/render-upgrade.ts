import { formatBytes, formatClock, formatCount, formatMs, formatPercent, formatRatio, shortQuery } from '../analyze/format-number.ts';
import type { LogicalReplicationResult } from './logical-replication.ts';
import type { UpgradeResult, WindowLoad } from './rehearse-upgrade.ts';
import type { PageUnderLoad } from './window-pages.ts';

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
  if (result.windowLoad) lines.push('', ...renderWindowLoad(result.windowLoad));
  if (result.logical) lines.push('', ...renderLogical(result.logical, result));
  if (result.estimate) {
    lines.push('', `  at production size: ${result.estimate.sentence}.`, `  model: ${result.estimate.model}.`);
  }
  return `${lines.join('\n')}\n`;
}

/** Per page, what users would see right after cutover against the same load once ANALYZE ran. */
function renderWindowLoad(load: WindowLoad): string[] {
  const cell = (phase: PageUnderLoad | null) => (phase ? [formatMs(phase.p95Ms), formatPercent(phase.errorRate)] : ['—', '—']);
  const rows = load.pages.map((page) => [page.page, ...cell(page.noStatistics), ...cell(page.afterAnalyze), page.p95Ratio === null ? '—' : formatRatio(page.p95Ratio)]);
  const header = ['page', 'p95 no stats', 'errors', 'p95 analyzed', 'errors', 'ratio'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: readonly string[]) => `    ${cells.map((text, column) => (column === 0 ? text.padEnd(widths[column]!) : text.padStart(widths[column]!))).join('  ')}`;
  const auto = load.autoAnalyzed.length > 0 ? [`    autovacuum analyzed ${load.autoAnalyzed.join(', ')} during the first load: those tables had statistics for part of it`] : [];
  return [
    `  the scenario ${load.scenario} on the new server: ${formatClock(load.seconds.noStatistics)} of load without statistics, then ${formatClock(load.seconds.afterAnalyze)} after ANALYZE`,
    line(header),
    ...rows.map(line),
    ...auto,
  ];
}

/** The logical-replication path: initial sync, lag under load, the cutover pause. */
function renderLogical(logical: LogicalReplicationResult, result: UpgradeResult): string[] {
  const { lagSeconds: lag, cutover } = logical;
  const atSize = result.estimate ? `; at production size about ${formatClock(logical.initialSyncSeconds * result.estimate.factor)} (linear in the rows)` : '';
  const load = logical.load.kind === 'scenario' ? `the scenario ${logical.load.name}` : logical.load.name;
  const lines = [
    `  logical replication (publication of the model's tables on ${result.from.version}, subscription on ${result.to.version}):`,
    `    initial sync     ${formatClock(logical.initialSyncSeconds)} for ${formatCount(logical.rows)} rows${atSize}`,
    `    lag under load   p50 ${formatMs(lag.p50 * 1000)}, p95 ${formatMs(lag.p95 * 1000)}, max ${formatMs(lag.max * 1000)} (${lag.samples} heartbeats every 250 ms, ${formatClock(logical.load.seconds)} of ${load} on the old server)`,
    `    cutover pause    ${formatMs(cutover.pauseSeconds * 1000)}: writes stopped → caught up ${formatMs(cutover.caughtUpSeconds * 1000)}, sequences set ${formatMs(cutover.sequencesSeconds * 1000)}`,
  ];
  if (logical.notReplicated.length > 0) lines.push(`    not replicated (created on the old server after the schema was copied; no DDL is replicated): ${logical.notReplicated.join(', ')}`);
  if (logical.withoutReplicaIdentity.length > 0) lines.push(`    without a replica identity (their UPDATE and DELETE fail once published): ${logical.withoutReplicaIdentity.join(', ')}`);
  return lines;
}
