import { copySafe, type CompiledColumn } from './compile-column.ts';
import type { ColumnSpec, JsonShape } from './model.ts';
import { randomBelow, randomU32, randomUnit } from './prng.ts';
import { valuePool } from './value-pools.ts';

/** A plausible JSON document for the column: settings, an address, metadata, tags, or keyed values. */
export function jsonColumn(spec: Extract<ColumnSpec, { kind: 'json' }>, stream: number): CompiledColumn {
  const shape: JsonShape = spec.shape ?? 'object';
  const build = spec.keys ? keyedObject(spec.keys, stream) : JSON_BUILDERS[shape](stream);
  return { value: (_ctx, row) => build(row), ...copySafe([]) };
}

type JsonBuilder = (stream: number) => (row: number) => string;

const pickFrom = <T>(values: readonly T[], stream: number, row: number, draw: number): T => values[randomBelow(values.length, stream, row, draw)]!;

const JSON_BUILDERS: Record<JsonShape, JsonBuilder> = {
  settings: (stream) => (row) =>
    JSON.stringify({
      theme: pickFrom(['light', 'dark', 'system'], stream, row, 1),
      language: pickFrom(['en', 'en-GB', 'fr', 'de', 'es'], stream, row, 2),
      notifications: { email: randomUnit(stream, row, 3) < 0.7, push: randomUnit(stream, row, 4) < 0.4 },
      timezone: pickFrom(['Europe/London', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo'], stream, row, 5),
    }),
  address: (stream) => {
    const [streets, towns, postcodes, countries] = [valuePool('street'), valuePool('town'), valuePool('postcode'), valuePool('country')];
    return (row) => JSON.stringify({ street: pickFrom(streets, stream, row, 1), city: pickFrom(towns, stream, row, 2), postcode: pickFrom(postcodes, stream, row, 3), country: pickFrom(countries, stream, row, 4) });
  },
  metadata: (stream) => {
    const words = valuePool('noun');
    return (row) => {
      const tags = Array.from({ length: randomBelow(4, stream, row, 1) }, (_, i) => pickFrom(words, stream, row, 10 + i));
      return JSON.stringify({ source: pickFrom(['web', 'ios', 'android', 'api', 'import'], stream, row, 2), version: 1 + randomBelow(5, stream, row, 3), tags, reviewed: randomUnit(stream, row, 4) < 0.5 });
    };
  },
  tags: (stream) => {
    const words = valuePool('noun');
    return (row) => JSON.stringify(Array.from({ length: randomBelow(5, stream, row, 1) }, (_, i) => pickFrom(words, stream, row, 10 + i)));
  },
  array: (stream) => JSON_BUILDERS.tags(stream),
  object: (stream) => keyedObject(['source', 'score', 'active'], stream),
};

function keyedObject(keys: readonly string[], stream: number): (row: number) => string {
  const words = valuePool('word');
  return (row) => {
    const entries = keys.map((key, i) => {
      const kind = randomU32(stream, row, i * 2) % 3;
      const value = kind === 0 ? JSON.stringify(words[randomBelow(words.length, stream, row, i * 2 + 1)]) : kind === 1 ? String(randomBelow(1000, stream, row, i * 2 + 1)) : randomUnit(stream, row, i * 2 + 1) < 0.5 ? 'true' : 'false';
      return `${JSON.stringify(key)}: ${value}`;
    });
    return `{${entries.join(', ')}}`;
  };
}
