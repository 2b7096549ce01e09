import type { ValueRule } from './check-rules.ts';
import type { PlannedColumn } from './column-plan.ts';
import type { Distribution } from './distribution.ts';
import type { ColumnSpec } from './model.ts';
import { patternCapacity } from './pattern-values.ts';
import type { PlanIssues } from './plan-issues.ts';
import { capacityOf, parseRegex, toJsRegExp, uniqueShape } from './regex-values.ts';
import type { TableInfo } from './schema-snapshot.ts';
import type { TableRules } from './table-rules.ts';
import { dayOf, timeOfDay } from './time-values.ts';
import { distinctValues } from './value-pools.ts';

/** Above this chance that two of the drawn values repeat, a unique column is refused. */
const COLLISION_RISK = 1e-3;

interface Capacity {
  values: number;
  /** Drawn at random: values repeat long before `values` rows (the birthday bound). */
  random: boolean;
}

/**
 * What can be known before a row is written: a unique column whose
 * generator has fewer values than the table has rows (a boolean, a list, a
 * constant, a short range drawn at random), a generator in the model that
 * makes a value a check forbids, a one-to-one key into a smaller table, a
 * generator that reads a column the table does not have.
 */
export function checkFeasibility(table: { name: string; rows: number; info: TableInfo; group?: unknown }, columns: readonly PlannedColumn[], rules: TableRules, overrides: Readonly<Record<string, ColumnSpec>>, rowsOf: (name: string) => number | undefined, issues: PlanIssues): void {
  const add = (column: string, constraint: string | undefined, problem: string, fix: string) => issues.add({ table: table.name, column, ...(constraint ? { constraint } : {}), problem, fix });
  const names = new Set(table.info.columns.map((c) => c.name));
  for (const { name, spec, info } of columns) {
    const overridden = overrides[name] !== undefined;
    for (const missing of columnsRead(spec).filter((c) => !names.has(c))) add(name, undefined, `its generator reads column "${missing}", which the table does not have`, `name one of: ${[...names].join(', ')}`);
    if (overridden && info.notNull && (spec.nulls ?? 0) > 0) add(name, undefined, 'the generator in the model makes NULLs in a NOT NULL column', 'remove `nulls` (gen.nullable) from it');
    if (overridden) for (const { rule, source } of rules.values.get(name) ?? []) checkAgainstRule(spec, rule, (value) => add(name, source, `the generator in the model makes ${JSON.stringify(value)}, which the check forbids`, 'change the generator to values the check allows'));
    if (spec.kind === 'distinctRef' && !table.group) {
      const targetRows = rowsOf(spec.table) ?? 0;
      if (targetRows < table.rows) add(name, undefined, `each row needs its own row of ${spec.table} (a one-to-one key), and ${spec.table} gets ${targetRows} rows for ${table.rows}`, `give ${table.name} at most ${targetRows} rows or ${spec.table} more`);
    }
  }
  for (const key of rules.uniqueKeys) {
    if (key.columns.length !== 1 || (key.where && table.info.constraints.some((c) => c.kind === 'foreign' && c.columns.includes(key.columns[0]!)))) continue;
    const column = columns.find((c) => c.name === key.columns[0]);
    if (!column) continue;
    const capacity = capacityOfSpec(column.spec, rowsOf);
    if (!capacity) continue;
    const rows = Math.ceil(table.rows * (1 - (column.spec.nulls ?? 0)));
    const over = capacity.values < rows;
    const risky = capacity.random && (rows * rows) / (2 * capacity.values) > COLLISION_RISK;
    if (!over && !risky) continue;
    const what = describeCapacity(column.spec, capacity);
    const overridden = overrides[column.name] !== undefined;
    const fix = overridden
      ? 'use a generator whose values differ by construction: gen.sequence(), gen.uuid(), gen.pattern(\'…{row}…\'), gen.fake(kind, { unique: true }) or gen.regex(pattern, { unique: true })'
      : `give ${table.name} at most ${Math.max(1, Math.floor(capacity.values))} rows, or add a generator for ${column.name} to the model whose values differ`;
    add(column.name, key.name, `the column is UNIQUE but ${what}, for ${table.rows} rows`, fix);
  }
}

/** Same-row columns a generator reads (`fk.column` paths name their foreign key). */
function columnsRead(spec: ColumnSpec): string[] {
  switch (spec.kind) {
    case 'after': return (typeof spec.column === 'string' ? [spec.column] : [...spec.column]).map((path) => path.split('.')[0]!);
    case 'email': return [spec.first, spec.last, spec.from].filter((c): c is string => Boolean(c));
    case 'slug': return [spec.from];
    case 'through': case 'fromParent': case 'inParentWindow': return [spec.column];
    case 'firstOfParent': return [...columnsRead(spec.first), ...columnsRead(spec.rest)];
    case 'array': return columnsRead(spec.of);
    default: return [];
  }
}

/** Calls `forbidden` with a value the spec can make that the rule does not allow. */
function checkAgainstRule(spec: ColumnSpec, rule: ValueRule, forbidden: (value: unknown) => void): void {
  const values = spec.kind === 'const' ? [spec.value] : spec.kind === 'choice' ? spec.values : undefined;
  if (values) {
    const bad = values.find((value) => !allows(rule, value));
    if (bad !== undefined) forbidden(bad);
    return;
  }
  if ((spec.kind === 'int' || spec.kind === 'float') && rule.kind === 'range') {
    const [low, high] = bounds(spec.dist);
    if (!allows(rule, low)) forbidden(low);
    else if (!allows(rule, high)) forbidden(high);
  }
}

function allows(rule: ValueRule, value: unknown): boolean {
  switch (rule.kind) {
    case 'oneOf': return rule.values.some((v) => String(v) === String(value));
    case 'noneOf': return !rule.values.some((v) => String(v) === String(value));
    case 'range': {
      if (typeof value !== 'number') return true;
      const min = typeof rule.min?.value === 'number' ? rule.min : undefined;
      const max = typeof rule.max?.value === 'number' ? rule.max : undefined;
      if (min && (min.inclusive ? value < (min.value as number) : value <= (min.value as number))) return false;
      if (max && (max.inclusive ? value > (max.value as number) : value >= (max.value as number))) return false;
      return true;
    }
    case 'length': return typeof value !== 'string' || (value.length >= (rule.min ?? 0) && value.length <= (rule.max ?? Infinity));
    case 'matches': {
      const test = toJsRegExp(rule.regex, rule.caseInsensitive);
      return !test || typeof value !== 'string' || test.test(value);
    }
    default: return true;
  }
}

function bounds(d: Distribution): [number, number] {
  switch (d.kind) {
    case 'constant': return [d.value, d.value];
    case 'uniform': case 'zipf': return [d.min, d.max];
    case 'normal': return [d.min ?? -Infinity, d.max ?? Infinity];
  }
}

/** How many different values a generator makes, and whether it draws them at random; undefined when unbounded or unknown. */
function capacityOfSpec(spec: ColumnSpec, rowsOf: (name: string) => number | undefined): Capacity | undefined {
  switch (spec.kind) {
    case 'const': return { values: 1, random: false };
    case 'bool': return { values: 2, random: false };
    case 'choice': return { values: new Set(spec.values.map(String)).size, random: false };
    case 'int': {
      const [low, high] = bounds(spec.dist);
      return { values: Math.floor(high) - Math.ceil(low) + 1, random: spec.dist.kind !== 'constant' };
    }
    case 'float': {
      const [low, high] = bounds(spec.dist);
      return { values: (high - low) * 10 ** (spec.decimals ?? 6) + 1, random: true };
    }
    case 'fake': return spec.unique ? undefined : { values: distinctValues(spec.what).length, random: true };
    case 'pattern': {
      const values = patternCapacity(spec.pattern);
      return Number.isFinite(values) ? { values, random: true } : undefined;
    }
    case 'regex': {
      try {
        const values = capacityOf(uniqueShape(parseRegex(spec.pattern)));
        return spec.unique ? { values, random: false } : { values, random: true };
      } catch {
        return undefined;
      }
    }
    case 'timestamp': return { values: Math.max(1, (dayOf(spec.to) - dayOf(spec.from)) / ((spec.stepMinutes ?? 0) * 60_000 || 1_000)), random: true };
    case 'date': return { values: Math.max(1, (dayOf(spec.to) - dayOf(spec.from)) / 86_400_000), random: true };
    case 'time': return { values: Math.max(1, (timeOfDay(spec.to) - timeOfDay(spec.from)) / ((spec.stepMinutes ?? 1) * 60_000)), random: true };
    case 'ref': return { values: rowsOf(spec.table) ?? 0, random: true };
    case 'position': return spec.values ? { values: spec.values.length, random: false } : undefined;
    default: return undefined;
  }
}

function describeCapacity(spec: ColumnSpec, capacity: Capacity): string {
  const n = Math.floor(capacity.values).toLocaleString('en-GB');
  switch (spec.kind) {
    case 'const': return 'its generator is a constant (one value)';
    case 'bool': return 'a boolean has 2 values';
    case 'choice': return `its values come from a list of ${n}`;
    default: return capacity.random ? `its values are drawn at random from ${n} possible, so some would repeat` : `it has ${n} possible values`;
  }
}
