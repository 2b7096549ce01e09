import { z } from 'zod';
import { formatIssues } from '../config/format-issues.ts';
import { FAKE_KINDS, JSON_SHAPES, type ColumnSpec, type DataModel } from './model.ts';
import { ModelError } from './seed-errors.ts';

const distribution = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('constant'), value: z.number() }),
  z.strictObject({ kind: z.literal('uniform'), min: z.number(), max: z.number() }),
  z.strictObject({ kind: z.literal('normal'), mean: z.number(), sd: z.number().nonnegative(), min: z.number().optional(), max: z.number().optional() }),
  z.strictObject({ kind: z.literal('zipf'), s: z.number().nonnegative(), min: z.number().int(), max: z.number().int() }),
]);

const pick = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('uniform') }), z.strictObject({ kind: z.literal('zipf'), s: z.number().nonnegative() })]);

const scalar = z.union([z.string(), z.number(), z.boolean()]);
const nulls = { nulls: z.number().min(0).max(1).optional() };
const date = z.string().refine((text) => !Number.isNaN(Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text)), 'an ISO 8601 date, e.g. 2025-09-01');
const timeOfDay = z.string().regex(/^\d{1,2}:\d{2}(:\d{2})?$/, 'a time of day, e.g. 08:30');
const columnName = z.string().min(1);

const columnSpec: z.ZodType<ColumnSpec> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('sequence'), start: z.number().int().optional(), step: z.number().int().optional(), ...nulls }),
    z.strictObject({ kind: z.literal('int'), dist: distribution, ...nulls }),
    z.strictObject({ kind: z.literal('float'), dist: distribution, decimals: z.number().int().min(0).optional(), ...nulls }),
    z.strictObject({ kind: z.literal('bool'), p: z.number().min(0).max(1).optional(), ...nulls }),
    z.strictObject({ kind: z.literal('choice'), values: z.array(scalar).min(1), weights: z.array(z.number().nonnegative()).optional(), ...nulls }),
    z.strictObject({ kind: z.literal('const'), value: scalar, ...nulls }),
    z.strictObject({ kind: z.literal('fake'), what: z.enum(FAKE_KINDS), unique: z.boolean().optional(), maxLength: z.number().int().positive().optional(), ...nulls }),
    z.strictObject({ kind: z.literal('text'), unit: z.enum(['word', 'sentence', 'paragraph']), count: distribution, maxLength: z.number().int().positive().optional(), ...nulls }),
    z.strictObject({ kind: z.literal('email'), first: columnName.optional(), last: columnName.optional(), from: columnName.optional(), domains: z.array(z.string().min(1)).min(1).optional(), ...nulls }),
    z.strictObject({ kind: z.literal('slug'), from: columnName, unique: z.boolean().optional(), maxLength: z.number().int().positive().optional(), ...nulls }),
    z.strictObject({ kind: z.literal('regex'), pattern: z.string().min(1), caseInsensitive: z.boolean().optional(), unique: z.boolean().optional(), maxLength: z.number().int().positive().optional(), ...nulls }),
    z.strictObject({
      kind: z.literal('timestamp'),
      from: date,
      to: date,
      hours: z.tuple([z.number().min(0).max(24), z.number().min(0).max(24)]).optional(),
      stepMinutes: z.number().positive().optional(),
      dist: distribution.optional(),
      ...nulls,
    }),
    z.strictObject({ kind: z.literal('date'), from: date, to: date, ...nulls }),
    z.strictObject({ kind: z.literal('time'), from: timeOfDay, to: timeOfDay, stepMinutes: z.number().positive().optional(), ...nulls }),
    z.strictObject({ kind: z.literal('after'), column: z.union([columnName, z.array(columnName).min(1)]), delta: distribution.optional(), until: date.optional(), ...nulls }),
    z.strictObject({ kind: z.literal('ref'), table: z.string().min(1), column: columnName.optional(), pick: pick.optional(), within: z.string().optional(), group: z.string().optional(), ...nulls }),
    z.strictObject({ kind: z.literal('parent'), column: columnName.optional(), ...nulls }),
    z.strictObject({ kind: z.literal('position'), start: z.number().int().optional(), values: z.array(scalar).min(1).optional(), ...nulls }),
    z.strictObject({ kind: z.literal('distinctRef'), table: z.string().min(1), column: columnName.optional(), pick: pick.optional(), group: z.string().optional(), ...nulls }),
    z.strictObject({ kind: z.literal('through'), column: columnName, link: z.string().min(1), take: columnName, ...nulls }),
    z.strictObject({ kind: z.literal('fromParent'), column: columnName, take: columnName, ...nulls }),
    z.strictObject({ kind: z.literal('inParentWindow'), column: columnName, start: columnName, end: columnName, stepMinutes: z.number().positive(), ...nulls }),
    z.strictObject({ kind: z.literal('firstOfParent'), first: columnSpec, rest: columnSpec, ...nulls }),
    z.strictObject({ kind: z.literal('uuid'), ...nulls }),
    z.strictObject({ kind: z.literal('pattern'), pattern: z.string(), ...nulls }),
    z.strictObject({ kind: z.literal('json'), keys: z.array(z.string()).optional(), shape: z.enum(JSON_SHAPES).optional(), ...nulls }),
    z.strictObject({ kind: z.literal('array'), of: columnSpec, length: distribution, ...nulls }),
    z.strictObject({ kind: z.literal('custom'), fn: z.custom<(row: number, random: () => number) => string | number | boolean | null>((v) => typeof v === 'function', 'a function (row, random) => value'), ...nulls }),
  ]),
) as z.ZodType<ColumnSpec>;

const wholeRows = z.number().refine((n) => Number.isInteger(n) && n >= 0, { error: (issue) => `expected a whole number of rows, 0 or more, got ${String(issue.input)}` });

const rowCount = z.union([
  wholeRows,
  z.strictObject({ per: z.string().min(1), total: wholeRows, skew: pick.optional(), via: columnName.optional(), min: wholeRows.optional() }),
  z.strictObject({ per: z.string().min(1), each: distribution, via: columnName.optional() }),
], { error: 'expected a number of rows, { per, total } or { per, each }' });

const columnStats = z.strictObject({
  nullFrac: z.number().min(0).max(1),
  avgWidth: z.number().nonnegative(),
  nDistinct: z.number(),
  correlation: z.number().min(-1).max(1).nullable(),
  mcvFrequencies: z.array(z.number().min(0).max(1)),
  mcvValues: z.array(z.string().nullable()).optional(),
  histogramShape: z.array(z.number().min(0).max(1)).optional(),
  sample: z.strictObject({ sampleRows: z.number().positive(), rowsPerPage: z.number().positive() }).optional(),
});

const tableModel = z.strictObject({
  rows: rowCount,
  columns: z.record(z.string(), columnSpec).optional(),
  stats: z.record(z.string(), columnStats).optional(),
});

const dataModel = z.strictObject({
  name: z.string().min(1),
  schema: z.string().min(1).optional(),
  migrations: z.array(z.string().min(1)).optional(),
  baseDir: z.string().optional(),
  defaultRows: wholeRows.optional(),
  tables: z.record(z.string(), tableModel),
});

/**
 * Validates a model at the edge, like the config: a negative or fractional
 * row count, an unknown generator, a misspelt key stop with the file, the
 * path and what was expected (exit 2), before anything starts.
 */
export function validateModel(file: string, value: unknown): DataModel {
  const result = dataModel.safeParse(value, { reportInput: true });
  if (result.success) return value as DataModel;
  throw new ModelError(file, formatIssues(file, result.error.issues), { issues: result.error.issues.length });
}
