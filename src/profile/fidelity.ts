import { shapeDistance } from '../seed/histogram-shape.ts';
import type { PlanDifference } from './plan-shape.ts';
import type { ColumnProfile, Profile } from './profile-schema.ts';

/** How far a seeded column may be from production's and still count as alike. */
export const FIDELITY_TOLERANCE = {
  /** Relative: ±20 % of production's distinct count (× scale where it scales). */
  nDistinct: 0.2,
  nullFrac: 0.02,
  topFrequency: 0.05,
  /** Relative, with 2 bytes of slack for short values. */
  avgWidth: 0.2,
  correlation: 0.3,
  /** The largest gap between the histograms' shapes at one quantile, as a share of the range (numbers and times). */
  histogram: 0.1,
} as const;

/** The share of columns the fidelity goal asks to be within tolerance, per goal metric. */
export const FIDELITY_GOAL = 0.95;

export type FidelityMetric = keyof typeof FIDELITY_TOLERANCE;
const GOAL_METRICS: readonly FidelityMetric[] = ['nDistinct', 'nullFrac', 'topFrequency'];

export interface ColumnMetrics {
  /** Distinct values as a count (production's scaled to the seeded size). */
  nDistinct: number;
  nullFrac: number;
  topFrequency: number;
  avgWidth: number;
  correlation: number | null;
}

export interface ColumnFidelity {
  table: string;
  column: string;
  production: ColumnMetrics;
  seeded: ColumnMetrics;
  /** How far the seeded histogram's shape is from production's (see shapeDistance); null when either has none. */
  histogramDistance: number | null;
  /** The metrics out of tolerance. */
  outOfTolerance: FidelityMetric[];
}

export interface FidelityReport {
  scale: number;
  tables: { name: string; productionRows: number; expectedRows: number; seededRows: number }[];
  columns: ColumnFidelity[];
  /** Per goal metric, the share of columns within tolerance (0..1). */
  withinTolerance: Record<'nDistinct' | 'nullFrac' | 'topFrequency', number>;
  goalMet: boolean;
  /** Columns production has statistics for and the seeded database does not. */
  missing: string[];
  /** Queries whose plan shape differs from production's (only when the profile has plans). */
  planDifferences?: PlanDifference[];
}

/**
 * Compares the statistics of a seeded database with production's profile,
 * both as Postgres' ANALYZE estimates them. Pure.
 *
 * @example
 * const report = compareFidelity(production, await captureProfile({ url: seededUrl }), 1);
 * console.log(renderFidelity(report));
 */
export function compareFidelity(production: Profile, seeded: Profile, scale: number): FidelityReport {
  const seededTables = new Map(seeded.tables.map((t) => [t.name, t]));
  const columns: ColumnFidelity[] = [];
  const missing: string[] = [];
  const tables: FidelityReport['tables'] = [];
  for (const table of production.tables) {
    const other = seededTables.get(table.name);
    const expectedRows = Math.round(table.rows * scale);
    tables.push({ name: table.name, productionRows: table.rows, expectedRows, seededRows: other?.rows ?? 0 });
    const otherColumns = new Map(other?.columns.map((c) => [c.name, c]) ?? []);
    for (const column of table.columns) {
      const mine = otherColumns.get(column.name);
      if (!mine || !other) {
        if (expectedRows > 0) missing.push(`${table.name}.${column.name}`);
        continue;
      }
      const expected = metrics(column, expectedRows);
      const actual = metrics(mine, other.rows);
      const histogramDistance = column.histogramShape && mine.histogramShape ? shapeDistance(column.histogramShape, mine.histogramShape) : null;
      columns.push({ table: table.name, column: column.name, production: expected, seeded: actual, histogramDistance, outOfTolerance: outOfTolerance(expected, actual, histogramDistance) });
    }
  }
  const share = (metric: FidelityMetric) => (columns.length ? columns.filter((c) => !c.outOfTolerance.includes(metric)).length / columns.length : 1);
  const withinTolerance = { nDistinct: share('nDistinct'), nullFrac: share('nullFrac'), topFrequency: share('topFrequency') };
  return { scale, tables, columns, withinTolerance, goalMet: GOAL_METRICS.every((m) => withinTolerance[m as keyof typeof withinTolerance] >= FIDELITY_GOAL), missing };
}

/** A column's statistics as comparable numbers; a distinct share becomes a count at `rows`. */
function metrics(column: ColumnProfile, rows: number): ColumnMetrics {
  const nDistinct = column.nDistinct < 0 ? -column.nDistinct * rows : Math.min(column.nDistinct, rows);
  return { nDistinct: Math.round(nDistinct), nullFrac: column.nullFrac, topFrequency: column.mcvFrequencies[0] ?? 0, avgWidth: column.avgWidth, correlation: column.correlation };
}

export function outOfTolerance(production: ColumnMetrics, seeded: ColumnMetrics, histogramDistance: number | null = null): FidelityMetric[] {
  const out: FidelityMetric[] = [];
  const t = FIDELITY_TOLERANCE;
  if (Math.abs(seeded.nDistinct - production.nDistinct) > t.nDistinct * Math.max(1, production.nDistinct)) out.push('nDistinct');
  if (Math.abs(seeded.nullFrac - production.nullFrac) > t.nullFrac) out.push('nullFrac');
  if (Math.abs(seeded.topFrequency - production.topFrequency) > t.topFrequency) out.push('topFrequency');
  if (Math.abs(seeded.avgWidth - production.avgWidth) > Math.max(2, t.avgWidth * production.avgWidth)) out.push('avgWidth');
  if (production.correlation !== null && seeded.correlation !== null && Math.abs(seeded.correlation - production.correlation) > t.correlation) out.push('correlation');
  if (histogramDistance !== null && histogramDistance > t.histogram) out.push('histogram');
  return out;
}

const percent = (share: number) => `${Math.round(share * 1000) / 10} %`;

/** The fidelity report as text: the goal, row counts per table, then every column out of tolerance. */
export function renderFidelity(report: FidelityReport): string {
  const lines = [`Fidelity to the production profile (scale ${report.scale}, ${report.columns.length} columns): goal ${report.goalMet ? 'met' : 'NOT met'} (≥ ${percent(FIDELITY_GOAL)} of columns within tolerance)`];
  lines.push(`  n_distinct within ±${percent(FIDELITY_TOLERANCE.nDistinct)}: ${percent(report.withinTolerance.nDistinct)}`);
  lines.push(`  null_frac within ±${FIDELITY_TOLERANCE.nullFrac}: ${percent(report.withinTolerance.nullFrac)}`);
  lines.push(`  top frequency within ±${FIDELITY_TOLERANCE.topFrequency}: ${percent(report.withinTolerance.topFrequency)}`);
  const shaped = report.columns.filter((c) => c.histogramDistance !== null);
  if (shaped.length) lines.push(`  histogram shape within ${FIDELITY_TOLERANCE.histogram} of the range: ${percent(shaped.filter((c) => !c.outOfTolerance.includes('histogram')).length / shaped.length)} of ${shaped.length} number and time columns`);
  lines.push('  rows per table (expected → seeded):');
  for (const t of report.tables) lines.push(`    ${t.name}: ${t.expectedRows} → ${t.seededRows}`);
  const out = report.columns.filter((c) => c.outOfTolerance.length);
  lines.push(out.length ? `  out of tolerance (${out.length}):` : '  no column out of tolerance');
  for (const c of out) lines.push(`    ${c.table}.${c.column}: ${c.outOfTolerance.map((m) => (m === 'histogram' ? `histogram shape ${show(c.histogramDistance)} of the range off` : `${m} ${show(c.production[m])} → ${show(c.seeded[m])}`)).join(', ')}`);
  if (report.missing.length) lines.push(`  not in the seeded database's statistics: ${report.missing.join(', ')}`);
  if (report.planDifferences) {
    lines.push(report.planDifferences.length ? `  plans that differ from production's (${report.planDifferences.length}):` : '  every explained query has production\'s plan shape');
    for (const d of report.planDifferences) lines.push(`    ${d.query.replace(/\s+/g, ' ').slice(0, 100)}\n      production: ${d.production}\n      seeded:     ${d.seeded}`);
  }
  return `${lines.join('\n')}\n`;
}

function show(value: number | null): string {
  if (value === null) return '—';
  return Number.isInteger(value) ? String(value) : value.toFixed(3);
}
