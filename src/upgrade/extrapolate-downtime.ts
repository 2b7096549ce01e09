import { formatClock, formatCount } from '../analyze/format-number.ts';

export type UpgradeStepName = 'schema' | 'data' | 'sequences' | 'keys and indexes' | 'foreign keys' | 'analyze';

export interface UpgradeStep {
  name: UpgradeStepName;
  seconds: number;
}

export interface DowntimeEstimate {
  productionRows: number;
  /** Production rows over seeded rows. */
  factor: number;
  /** Rows per second of the data step, as measured. */
  rowsPerSecond: number;
  steps: UpgradeStep[];
  /** Until the new server holds data, keys and indexes: what users wait for. */
  untilOpenSeconds: number;
  /** Until ANALYZE finished too: the end of the no-statistics window. */
  untilStatisticsSeconds: number;
  /** The model, said plainly. */
  model: string;
  /** `4,200,000,000 rows at the measured 380,000 rows/s: about 3 h 05 min …`. */
  sentence: string;
}

/** Rows ANALYZE reads from one table at the default statistics target (300 × 100). */
export const ANALYZE_SAMPLE_ROWS = 30_000;

/**
 * The downtime at production size from the rates measured at the seeded
 * size: schema and sequences take what they took (a fixed number of
 * statements); data, keys, indexes and foreign keys grow with the rows
 * (linear: an index build's sort is n log n, so this is a lower bound);
 * ANALYZE grows with the rows it samples, at most 30,000 per table.
 *
 * @example
 * extrapolateDowntime([{ name: 'data', seconds: 2 }], [{ rows: 760_000 }], 4.2e9).sentence;
 * // '4,200,000,000 rows at the measured 380,000 rows/s: about 3 h 04 min until the new server opens, …'
 */
export function extrapolateDowntime(steps: readonly UpgradeStep[], tables: readonly { rows: number }[], productionRows: number): DowntimeEstimate {
  const seededRows = tables.reduce((sum, table) => sum + table.rows, 0);
  const factor = seededRows === 0 ? 0 : productionRows / seededRows;
  const sampled = (scale: number) => tables.reduce((sum, table) => sum + Math.min(table.rows * scale, ANALYZE_SAMPLE_ROWS), 0);
  const analyzeFactor = sampled(1) === 0 ? 1 : sampled(factor) / sampled(1);
  const growth: Record<UpgradeStep['name'], number> = { schema: 1, sequences: 1, data: factor, 'keys and indexes': factor, 'foreign keys': factor, analyze: analyzeFactor };
  const scaled = steps.map((step) => ({ name: step.name, seconds: step.seconds * growth[step.name] }));
  const sum = (names: readonly UpgradeStep['name'][]) => scaled.filter((step) => names.includes(step.name)).reduce((total, step) => total + step.seconds, 0);
  const untilOpenSeconds = sum(['schema', 'data', 'sequences', 'keys and indexes', 'foreign keys']);
  const untilStatisticsSeconds = untilOpenSeconds + sum(['analyze']);
  const dataSeconds = steps.find((step) => step.name === 'data')?.seconds ?? 0;
  const rowsPerSecond = dataSeconds === 0 ? 0 : seededRows / dataSeconds;
  const model =
    `measured on ${formatCount(seededRows)} rows and scaled ${formatCount(factor)}×: data, keys, indexes and foreign keys grow with the rows ` +
    `(linear; an index build sorts, n log n, so read it as a lower bound), ANALYZE with the rows it samples (at most ${formatCount(ANALYZE_SAMPLE_ROWS)} per table), schema and sequences stay as measured`;
  const sentence =
    `${formatCount(productionRows)} rows at the measured ${formatCount(Math.round(rowsPerSecond))} rows/s: about ${formatClock(untilOpenSeconds)} until the new server opens ` +
    `(data ${formatClock(sum(['data']))}, keys and indexes ${formatClock(sum(['keys and indexes']))}, foreign keys ${formatClock(sum(['foreign keys']))}), ` +
    `then ${formatClock(sum(['analyze']))} of ANALYZE without statistics`;
  return { productionRows, factor, rowsPerSecond, steps: scaled, untilOpenSeconds, untilStatisticsSeconds, model, sentence };
}
