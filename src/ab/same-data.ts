import path from 'node:path';
import type { LoadedConfig } from '../config/load-config.ts';
import { UsageError } from '../errors.ts';
import { loadModel } from '../seed/load-model.ts';
import { modelHash } from '../seed/model-hash.ts';

export interface AbData {
  scale: number;
  seed: number;
  /** One template serves both sides, or each side seeds its own model (a pull request that changes the model). */
  model: 'shared' | 'each side its own';
}

/**
 * The data both sides rehearse on: one scale and seed (the flags', else the
 * configs', which must then agree: other data would make every counter
 * differ for that reason alone), and one model when both configs describe
 * the same one, else each side's own.
 */
export async function abData(baseline: LoadedConfig, candidate: LoadedConfig, flags: { scale?: number; seed?: number }): Promise<AbData> {
  const scale = agreed('scale', baseline, candidate, flags.scale);
  const seed = agreed('seed', baseline, candidate, flags.seed);
  if (baseline === candidate) return { scale, seed, model: 'shared' };
  const [before, after] = await Promise.all([modelOf(baseline), modelOf(candidate)]);
  return { scale, seed, model: modelHash(before) === modelHash(after) ? 'shared' : 'each side its own' };
}

function agreed(field: 'scale' | 'seed', baseline: LoadedConfig, candidate: LoadedConfig, flag: number | undefined): number {
  if (flag !== undefined) return flag;
  const ours = candidate.config.data[field];
  const theirs = baseline.config.data[field];
  if (ours === theirs) return ours;
  throw new UsageError(
    `data.${field}: ${theirs} in the baseline's config (${shown(baseline)}), ${ours} in this one (${shown(candidate)}); both sides must rehearse the same data: pass --${field} to use one for both`,
  );
}

async function modelOf(loaded: LoadedConfig) {
  if (!loaded.config.data.model) throw new UsageError(`${shown(loaded)}: data.model: required by \`rehearse ab\`: the data model module to seed from`);
  return loadModel(loaded.config.data.model, loaded.root);
}

function shown(loaded: LoadedConfig): string {
  if (!loaded.file) return 'defaults';
  const relative = path.relative(process.cwd(), loaded.file);
  return relative.startsWith('..') ? loaded.file : relative;
}
