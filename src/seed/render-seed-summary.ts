import type { SeedResult } from './seed-events.ts';

const number = new Intl.NumberFormat('en-GB');

/** The table printed after `rehearse seed`: rows and time per table, totals, checksum, template. */
export function renderSeedSummary(result: SeedResult): string {
  const rows = [...result.tables].sort((a, b) => b.rows - a.rows);
  const nameWidth = Math.max(5, ...rows.map((t) => t.name.length));
  const line = (name: string, count: string, seconds: string, rate: string) =>
    `${name.padEnd(nameWidth)}  ${count.padStart(12)}  ${seconds.padStart(8)}  ${rate.padStart(11)}`;
  const out = [line('table', 'rows', 'seconds', 'rows/s'), line('-'.repeat(nameWidth), '-'.repeat(12), '-'.repeat(8), '-'.repeat(11))];
  for (const table of rows) out.push(line(table.name, number.format(table.rows), table.seconds.toFixed(2), rate(table.rows, table.seconds)));
  out.push(line('total', number.format(result.totalRows), result.seconds.toFixed(2), rate(result.totalRows, result.seconds)));
  out.push('');
  out.push(`database  ${result.database}`);
  out.push(`scale     ${result.scale}   seed ${result.seed}`);
  out.push(`checksum  ${result.checksum}`);
  if (result.template) out.push(`template  ${result.template.name} (${result.template.reused ? 'reused: same model, schema, scale and seed' : 'built now, reused by the next seed with the same inputs'})`);
  for (const warning of result.warnings) out.push(`warning   ${warning}`);
  return `${out.join('\n')}\n`;
}

function rate(rows: number, seconds: number): string {
  return seconds > 0 ? number.format(Math.round(rows / seconds)) : '-';
}
