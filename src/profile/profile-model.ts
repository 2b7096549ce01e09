import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ColumnStats, DataModel, TableModel } from '../seed/model.ts';
import type { AnalyzeSample } from '../seed/distinct-estimate.ts';
import { ProfileError, validateProfile, type ColumnProfile, type Profile, type TableProfile } from './profile-schema.ts';

/** Reads and validates a profile file (exit 2 with the path and what was expected). */
export async function loadProfile(file: string, root = process.cwd()): Promise<Profile> {
  const resolved = path.resolve(root, file);
  let text: string;
  try {
    text = await readFile(resolved, 'utf8');
  } catch {
    throw new ProfileError(file, `${file}: profile not found (resolved to ${resolved}); capture one with \`rehearse profile capture --url … --out ${file}\``);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ProfileError(file, `${file}: not JSON (${(error as Error).message})`);
  }
  return validateProfile(file, json);
}

/**
 * A data model from a profile: every profiled table with production's row
 * count (× --scale when seeded) and its columns' statistics. A model given
 * beside it still wins: its row counts and generators replace the
 * profile's, its other tables are kept.
 *
 * @example
 * const model = modelFromProfile(await loadProfile('profile.json'));
 * await seed({ database, model, scale: 0.1, seed: 42 });
 */
export function modelFromProfile(profile: Profile, model?: DataModel): DataModel {
  const tables: Record<string, TableModel> = { ...model?.tables };
  for (const table of profile.tables) {
    const own = model?.tables[table.name];
    tables[table.name] = {
      rows: own?.rows ?? table.rows,
      ...(own?.columns ? { columns: own.columns } : {}),
      stats: Object.fromEntries(table.columns.map((c) => [c.name, columnStats(c, sampleOf(profile, table))])),
    };
  }
  return {
    ...(model ?? {}),
    name: model ? `${model.name}+profile` : 'profile',
    schema: model?.schema ?? profile.schema,
    tables,
  };
}

/** ANALYZE samples 300 rows per unit of statistics target. */
const ROWS_PER_TARGET = 300;
const DEFAULT_STATISTICS_TARGET = 100;

function sampleOf(profile: Profile, table: TableProfile): AnalyzeSample | undefined {
  if (table.pages <= 0 || table.rows <= 0) return undefined;
  const target = Number(profile.settings.default_statistics_target ?? DEFAULT_STATISTICS_TARGET);
  return { sampleRows: ROWS_PER_TARGET * (Number.isFinite(target) && target > 0 ? target : DEFAULT_STATISTICS_TARGET), rowsPerPage: table.rows / table.pages };
}

function columnStats(column: ColumnProfile, sample: AnalyzeSample | undefined): ColumnStats {
  return {
    ...(sample ? { sample } : {}),
    nullFrac: column.nullFrac,
    avgWidth: column.avgWidth,
    nDistinct: column.nDistinct,
    correlation: column.correlation,
    mcvFrequencies: column.mcvFrequencies,
    ...(column.mcvValues ? { mcvValues: column.mcvValues } : {}),
    ...(column.histogramShape ? { histogramShape: column.histogramShape } : {}),
  };
}
