import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ColumnSpec, DataModel } from './model.ts';

/** Bump when generation changes in a way that changes the data for the same model. */
export const GENERATOR_VERSION = 4;

/** The value pools are drawn with faker: another faker version, other names and words. */
const FAKER_VERSION = (createRequire(import.meta.url)('@faker-js/faker/package.json') as { version: string }).version;

/** Rows a custom generator is probed at: the first ones and a few far apart. */
const PROBE_ROWS = [...Array.from({ length: 32 }, (_, i) => i), 1_000, 65_537, 1_000_003, 123_456_789];

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

/**
 * What a custom generator makes, not only its source: a function that
 * closes over data (a list loaded from a file) has the same source when the
 * data changes, and must not reuse the template built from the old data.
 */
function customProbes(spec: ColumnSpec): unknown[] {
  if (spec.kind === 'custom') {
    return PROBE_ROWS.map((row) => {
      let state = row + 1;
      const random = () => ((state = (Math.imul(state, 48_271) + 11) % 2_147_483_647) >>> 0) / 2_147_483_647;
      try {
        return spec.fn(row, random);
      } catch (error) {
        return `throws: ${(error as Error)?.message ?? String(error)}`;
      }
    });
  }
  if (spec.kind === 'array') return customProbes(spec.of);
  if (spec.kind === 'firstOfParent') return [...customProbes(spec.first), ...customProbes(spec.rest)];
  return [];
}

/** Hash of the model (without where it lives on disk), of what its custom generators make, and of the generator code. */
export function modelHash(model: DataModel): string {
  const { baseDir: _ignored, ...portable } = model;
  const probes = Object.entries(model.tables).flatMap(([table, t]) =>
    Object.entries(t.columns ?? {}).map(([column, spec]) => ({ table, column, values: customProbes(spec) })).filter((p) => p.values.length > 0),
  );
  return sha256(`v${GENERATOR_VERSION}:faker ${FAKER_VERSION}:${stableJson(portable)}:${stableJson(probes)}`);
}

/** What a template is named for: model, the schema it fills, scale and seed. */
export function seedIdentity(model: DataModel, schemaFingerprint: string, scale: number, seed: number): string {
  return sha256(stableJson({ model: modelHash(model), schema: schemaFingerprint, scale, seed }));
}

export { stableJson };
