import type { Distribution, Pick } from './distribution.ts';
import type { ColumnSpec, FakeKind, JsonShape } from './model.ts';

/** Shorthands for distributions and column generators in a model file. */
export const dist = {
  constant: (value: number): Distribution => ({ kind: 'constant', value }),
  uniform: (min: number, max: number): Distribution => ({ kind: 'uniform', min, max }),
  normal: (mean: number, sd: number, min?: number, max?: number): Distribution => ({ kind: 'normal', mean, sd, min, max }),
  zipf: (s: number, min: number, max: number): Distribution => ({ kind: 'zipf', s, min, max }),
};

export const pick = {
  uniform: (): Pick => ({ kind: 'uniform' }),
  zipf: (s = 1): Pick => ({ kind: 'zipf', s }),
};

/**
 * Column generators, for the columns whose derived values a model wants to
 * change. Each returns plain data, so a model can be hashed (the template's
 * identity) and sent to worker threads.
 *
 * @example
 * columns: {
 *   status: gen.choice(['active', 'closed'], [9, 1]),
 *   starts_at: gen.timestamp('2025-09-01', '2026-07-22', { hours: [16, 19], stepMinutes: 15 }),
 *   ends_at: gen.after('starts_at', dist.uniform(60, 180)),
 *   code: gen.regex('^[A-Z]{3}-[0-9]{5}$', { unique: true }),
 * }
 */
export const gen = {
  /** start, start + step, … by row: keys. */
  sequence: (start = 1, step = 1): ColumnSpec => ({ kind: 'sequence', start, step }),
  /** 1, 2, 3 … (from `start`) within each parent's rows: line numbers. */
  position: (start = 1): ColumnSpec => ({ kind: 'position', start }),
  int: (d: Distribution): ColumnSpec => ({ kind: 'int', dist: d }),
  float: (d: Distribution, decimals?: number): ColumnSpec => ({ kind: 'float', dist: d, decimals }),
  bool: (p = 0.5): ColumnSpec => ({ kind: 'bool', p }),
  choice: (values: readonly (string | number | boolean)[], weights?: readonly number[]): ColumnSpec => ({ kind: 'choice', values, weights }),
  const: (value: string | number | boolean): ColumnSpec => ({ kind: 'const', value }),
  /** A realistic value of a kind (names, towns, phrases …); `unique` gives every row its own. */
  fake: (what: FakeKind, options: { unique?: boolean; maxLength?: number } = {}): ColumnSpec => ({ kind: 'fake', what, ...options }),
  /** `count` words (a title), sentences (a summary) or paragraphs (a body). */
  text: (unit: 'word' | 'sentence' | 'paragraph', count: Distribution, options: { maxLength?: number } = {}): ColumnSpec => ({ kind: 'text', unit, count, ...options }),
  /** `first.last.<row>@domain` from this row's name columns: unique. */
  email: (first = 'first_name', last = 'last_name', domains?: readonly string[]): ColumnSpec => ({ kind: 'email', first, last, domains }),
  /** `<column>.<row>@domain` from a username or full-name column of the row: unique. */
  emailFrom: (column: string, domains?: readonly string[]): ColumnSpec => ({ kind: 'email', from: column, domains }),
  /** A URL slug of another column of the row, e.g. the title; unique with a short row suffix unless `unique: false`. */
  slug: (from: string, options: { unique?: boolean; maxLength?: number } = {}): ColumnSpec => ({ kind: 'slug', from, unique: options.unique ?? true, ...(options.maxLength ? { maxLength: options.maxLength } : {}) }),
  /** Text matching a regular expression (Postgres syntax); `unique` makes every row's value different. */
  regex: (pattern: string, options: { unique?: boolean; caseInsensitive?: boolean } = {}): ColumnSpec => ({ kind: 'regex', pattern, ...options }),
  timestamp: (from: string, to: string, options: { hours?: readonly [number, number]; stepMinutes?: number; dist?: Distribution } = {}): ColumnSpec => ({
    kind: 'timestamp',
    from,
    to,
    ...options,
  }),
  date: (from: string, to: string): ColumnSpec => ({ kind: 'date', from, to }),
  /** A time of day between `from` and `to` ("08:00", "20:00"). */
  time: (from: string, to: string, stepMinutes?: number): ColumnSpec => ({ kind: 'time', from, to, ...(stepMinutes ? { stepMinutes } : {}) }),
  /**
   * After another column of the row (or `fk.column` of its parent; several: after the latest): plus `delta`
   * (minutes for timestamps, days for dates), or `{ until }`: any time up to that date, most of them soon after.
   */
  after: (column: string | readonly string[], delta: Distribution | { until: string }): ColumnSpec =>
    'until' in delta ? { kind: 'after', column, until: delta.until } : { kind: 'after', column, delta },
  /** A foreign key, the target row picked by `pick` (default uniform), optionally under the same `within` ancestor. */
  ref: (table: string, options: { pick?: Pick; within?: string; column?: string } = {}): ColumnSpec => ({ kind: 'ref', table, ...options }),
  /** A link-table key: distinct rows of `table` for each parent's rows (no pair twice), popular ones picked most with a Zipf pick. */
  distinctRef: (table: string, p?: Pick, column?: string): ColumnSpec => ({ kind: 'distinctRef', table, pick: p, ...(column ? { column } : {}) }),
  through: (column: string, link: string, take: string): ColumnSpec => ({ kind: 'through', column, link, take }),
  fromParent: (column: string, take: string): ColumnSpec => ({ kind: 'fromParent', column, take }),
  inParentWindow: (column: string, start: string, end: string, stepMinutes: number): ColumnSpec => ({ kind: 'inParentWindow', column, start, end, stepMinutes }),
  /** `first` on the first row of each parent's rows, `rest` on the others: one primary address per customer. */
  firstOfParent: (first: ColumnSpec, rest: ColumnSpec): ColumnSpec => ({ kind: 'firstOfParent', first, rest }),
  uuid: (): ColumnSpec => ({ kind: 'uuid' }),
  pattern: (pattern: string): ColumnSpec => ({ kind: 'pattern', pattern }),
  /** A JSON document: a plausible `shape` ('settings', 'address', 'metadata', 'tags', 'object', 'array'), or an object with `keys`. */
  json: (keysOrShape?: readonly string[] | JsonShape): ColumnSpec =>
    typeof keysOrShape === 'string' ? { kind: 'json', shape: keysOrShape } : { kind: 'json', keys: keysOrShape },
  array: (of: ColumnSpec, length: Distribution): ColumnSpec => ({ kind: 'array', of, length }),
  /**
   * Any value from the row number and a uniform random number in [0, 1): the escape hatch.
   * The template is keyed by the function's source and by its values on a sample of rows,
   * so changing the data it closes over builds a new template.
   *
   * @example
   * plan: gen.custom((row, random) => (row % 10 === 0 ? 'enterprise' : random() < 0.3 ? 'team' : 'free')),
   */
  custom: (fn: (row: number, random: () => number) => string | number | boolean | null): ColumnSpec => ({ kind: 'custom', fn }),
  /** The same generator with a fraction of NULLs. */
  nullable: (spec: ColumnSpec, nulls: number): ColumnSpec => ({ ...spec, nulls }),
};
