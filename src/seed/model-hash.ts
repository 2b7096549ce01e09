import { createHash } from 'node:crypto';
import type { DataModel } from './model.ts';

/** Bump when generation changes in a way that changes the data for the same model. */
export const GENERATOR_VERSION = 3;

/** JSON with sorted keys and functions by their source: equal models hash equal. */
function stableJson(value: unknown): string {
  if (typeof value === 'function') return JSON.stringify(`fn:${value.toString()}`);
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** Hash of the model (without where it lives on disk). */
export function modelHash(model: DataModel): string {
  const { baseDir: _ignored, ...portable } = model;
  return sha256(`v${GENERATOR_VERSION}:${stableJson(portable)}`);
}

/** What a template is named for: model, the schema it fills, scale and seed. */
export function seedIdentity(model: DataModel, schemaFingerprint: string, scale: number, seed: number): string {
  return sha256(stableJson({ model: modelHash(model), schema: schemaFingerprint, scale, seed }));
}

export { stableJson };
