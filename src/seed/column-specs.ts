import type { Distribution, Pick } from './distribution.ts';
import type { ColumnSpec, FakeKind } from './model.ts';

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

export const gen = {
  sequence: (start = 1, step = 1): ColumnSpec => ({ kind: 'sequence', start, step }),
  int: (d: Distribution): ColumnSpec => ({ kind: 'int', dist: d }),
  float: (d: Distribution, decimals?: number): ColumnSpec => ({ kind: 'float', dist: d, decimals }),
  bool: (p = 0.5): ColumnSpec => ({ kind: 'bool', p }),
  choice: (values: readonly (string | number)[], weights?: readonly number[]): ColumnSpec => ({ kind: 'choice', values, weights }),
  const: (value: string | number | boolean): ColumnSpec => ({ kind: 'const', value }),
  fake: (what: FakeKind, options: { unique?: boolean; maxLength?: number } = {}): ColumnSpec => ({ kind: 'fake', what, ...options }),
  email: (first = 'first_name', last = 'last_name', domains?: readonly string[]): ColumnSpec => ({ kind: 'email', first, last, domains }),
  timestamp: (from: string, to: string, options: { hours?: readonly [number, number]; stepMinutes?: number; dist?: Distribution } = {}): ColumnSpec => ({
    kind: 'timestamp',
    from,
    to,
    ...options,
  }),
  date: (from: string, to: string): ColumnSpec => ({ kind: 'date', from, to }),
  after: (column: string, delta: Distribution): ColumnSpec => ({ kind: 'after', column, delta }),
  ref: (table: string, options: { pick?: Pick; within?: string; column?: string } = {}): ColumnSpec => ({ kind: 'ref', table, ...options }),
  distinctRef: (table: string, p?: Pick): ColumnSpec => ({ kind: 'distinctRef', table, pick: p }),
  through: (column: string, link: string, take: string): ColumnSpec => ({ kind: 'through', column, link, take }),
  fromParent: (column: string, take: string): ColumnSpec => ({ kind: 'fromParent', column, take }),
  inParentWindow: (column: string, start: string, end: string, stepMinutes: number): ColumnSpec => ({ kind: 'inParentWindow', column, start, end, stepMinutes }),
  uuid: (): ColumnSpec => ({ kind: 'uuid' }),
  pattern: (pattern: string): ColumnSpec => ({ kind: 'pattern', pattern }),
  json: (keys?: readonly string[]): ColumnSpec => ({ kind: 'json', keys }),
  array: (of: ColumnSpec, length: Distribution): ColumnSpec => ({ kind: 'array', of, length }),
  custom: (fn: (row: number, random: () => number) => string | number | boolean | null): ColumnSpec => ({ kind: 'custom', fn }),
  /** The same generator with a fraction of NULLs. */
  nullable: (spec: ColumnSpec, nulls: number): ColumnSpec => ({ ...spec, nulls }),
};
