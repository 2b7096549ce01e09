import { formatBytes } from '../analyze/format-number.ts';
import { isStepped } from '../analyze/capacity-steps.ts';
import { assessDelivery } from '../analyze/load-delivery.ts';
import { DEFAULT_THRESHOLDS } from '../analyze/thresholds.ts';
import { summarizeCacheServer } from '../analyze/cache-server-summary.ts';
import { DELIVERY_HEADER, deliveryRows } from '../report/delivery-table.ts';
import { describeAppliedRelease } from './describe-applied-release.ts';
import type { RunRecord } from './run-record.ts';

const ms = (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;
const percent = (value: number) => `${(value * 100).toFixed(value < 0.01 && value > 0 ? 2 : 1)} %`;

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((cell, column) => Math.max(cell.length, ...rows.map((row) => row[column]?.length ?? 0)));
  const line = (cells: string[]) => `  ${cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ')}`;
  return [line(header), ...rows.map(line)];
}

/** A run's outcome in a few lines for the terminal: status, pages, per-page query profile. */
export function renderRunSummary(record: RunRecord, recordFile: string): string {
  const lines = [`run ${record.id}: ${record.status}${record.failure ? ` (${record.failure.stage}: ${record.failure.message})` : ''}`];
  if (record.context.appliedRelease) lines.push(`  release ${record.context.appliedRelease.name} applied: ${describeAppliedRelease(record.context.appliedRelease)}`);
  if (record.k6.thresholdsFailed) lines.push('  k6 thresholds (budgets) failed');
  // Which stages did not do their work, so a reader knows what the record lacks.
  for (const stage of record.stages.filter((entry) => entry.status === 'failed' || entry.status === 'not-run')) {
    lines.push(`  ${stage.name}: ${stage.status}${stage.message ? ` — ${stage.message}` : ''}`);
  }
  lines.push(...deliveryLines(record));
  if (record.pages.length > 0) {
    lines.push('', ...table(['page', 'requests', 'errors', 'p50', 'p95', 'p99'], record.pages.map((page) => [page.page, String(page.requests), percent(page.errorRate), ms(page.latencyMs.p50), ms(page.latencyMs.p95), ms(page.latencyMs.p99)])));
  }
  if (record.queryProfiles.length > 0) {
    const cacheProbed = record.queryProfiles.some((profile) => profile.cacheCommandsPerRequest !== undefined);
    const rows = record.queryProfiles.map((profile) => [
      profile.page,
      profile.queriesPerRequest.toFixed(1),
      profile.rowsPerRequest.toFixed(1),
      profile.sharedBlocksPerRequest.toFixed(1),
      profile.responseBytesPerRequest === undefined ? '—' : formatBytes(profile.responseBytesPerRequest),
      typeof profile.appCpuMsPerRequest === 'number' ? ms(profile.appCpuMsPerRequest) : '—',
      ...(cacheProbed ? [profile.cacheCommandsPerRequest === undefined ? '—' : profile.cacheCommandsPerRequest.toFixed(1)] : []),
    ]);
    const header = ['page (probed alone)', 'queries/request', 'rows/request', 'blocks/request', 'body/request', 'app CPU/request', ...(cacheProbed ? ['cache cmds/request'] : [])];
    lines.push('', ...table(header, rows));
  }
  const cpu = cpuLine(record.cpu);
  if (cpu) lines.push('', cpu);
  const cache = cacheServerLine(record.cacheServer);
  if (cache) lines.push(cache);
  lines.push('', `run record: ${recordFile}`);
  return `${lines.join('\n')}\n`;
}

/** The load delivered per journey, and what to change when it was not; nothing for records without a load section. */
function deliveryLines(record: RunRecord): string[] {
  const delivery = assessDelivery(record, 'candidate', DEFAULT_THRESHOLDS.loadDelivery);
  if (!delivery) return [];
  // A capacity run climbs past what is delivered on purpose: the report judges it plateau by plateau.
  const verdict = delivery.delivered || isStepped(record) ? [] : delivery.problems.map((problem) => `  load NOT delivered — ${problem}`);
  return ['', ...verdict, ...(verdict.length > 0 ? [''] : []), ...table(['load delivered: journey', ...DELIVERY_HEADER.slice(1)], deliveryRows(delivery))];
}

/** `cache server during the load: 412 commands/s (busiest second 630), 97.1 % hits, CPU 0.04 cores at peak, 1.2 MB, 10 clients`, or why it was not measured. */
function cacheServerLine(section: RunRecord['cacheServer']): string | undefined {
  if (!section) return undefined;
  if (section.notMeasured) return section.notMeasured;
  const summary = summarizeCacheServer(section);
  if (!summary) return 'cache server: no sample taken';
  const hits = summary.hitRatio === null ? 'no lookups' : `${percent(summary.hitRatio)} hits`;
  return `cache server during the load: ${Math.round(summary.meanCommandsPerSecond)} commands/s (busiest second ${Math.round(summary.peakCommandsPerSecond)}), ${hits}, CPU ${summary.peakCpuCores.toFixed(2)} cores at peak, ${formatBytes(summary.peakMemoryBytes)}, ${summary.peakClients} clients`;
}

/** `CPU during the load (cores, mean / busiest second): app 0.42 / 0.91 · postgres …`, or nothing when unmeasured. */
function cpuLine(cpu: RunRecord['cpu']): string | undefined {
  if (!cpu || cpu.samples.length === 0) return undefined;
  const parts = cpu.measured.map((name) => {
    const cores = cpu.samples.map((sample) => sample.cores[name] ?? 0);
    const mean = cores.reduce((sum, value) => sum + value, 0) / cores.length;
    return `${name} ${mean.toFixed(2)} / ${Math.max(...cores).toFixed(2)}`;
  });
  const unmeasured = Object.entries(cpu.notMeasured).map(([name, reason]) => `${name} not measured (${reason})`);
  return `CPU during the load (cores, mean / busiest second): ${[...parts, ...unmeasured].join(' · ')}`;
}
