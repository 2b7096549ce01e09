import type { ValueRule } from './check-rules.ts';
import type { Guard } from './column-guards.ts';
import { applyNullPatterns, applyNullRates } from './column-nulls.ts';
import { orderByChecks, orderInTime } from './column-order.ts';
import { ALWAYS_NULL, ColumnPlanState, type ColumnPlanInputs } from './column-plan-state.ts';
import { textRole } from './column-semantics.ts';
import { defaultColumnSpec, timeBound } from './default-columns.ts';
import type { Pick } from './distribution.ts';
import type { ColumnSpec } from './model.ts';
import { controlPartialUniques } from './partial-unique-plan.ts';
import { keepInPartitions } from './partition-keys.ts';
import { patternText, uuidOf } from './pattern-values.ts';
import { parseRegex, RegexNotGenerable, toJsRegExp } from './regex-values.ts';
import type { ColumnInfo, ConstraintInfo } from './schema-snapshot.ts';
import type { UniqueKey } from './table-rules.ts';
import { isTimeColumn } from './time-order.ts';
import { valuePool } from './value-pools.ts';

export type { ColumnPlanInputs } from './column-plan-state.ts';

export interface PlannedColumn {
  name: string;
  spec: ColumnSpec;
  info: ColumnInfo;
  /** What the value must still respect after the generator ran (checks the generator cannot express). */
  guards?: Guard[];
}

/** The partner side of a link table: a few articles favourited by many. */
const POPULAR: Pick = { kind: 'zipf', s: 1.3 };
/** A plain foreign key: a few authors write most articles. */
const REFERENCE_PICK: Pick = { kind: 'zipf', s: 0.8 };
const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);

/**
 * A generator for every column of one table: the model's, else one derived
 * from the column's keys, foreign keys, checks, domain, type and name, then
 * ordered in time, NULL where it fits the column, and guarded where a
 * check asks more than a generator can express. Problems go to `issues`.
 */
export function planColumns(inputs: ColumnPlanInputs): PlannedColumn[] {
  const state = new ColumnPlanState(inputs);
  checkOverrides(state);
  findUniqueColumns(state);
  for (const column of state.columns) {
    const override = inputs.overrides[column.name];
    let spec = override ?? baseSpec(state, column);
    if (!spec && !column.notNull) {
      inputs.warnings.push(`${inputs.table.name}.${column.name}: values of type ${column.type} are not generated; the column is left NULL (a generator in the model fills it)`);
      spec = ALWAYS_NULL;
    }
    if (!spec) {
      state.problem(column.name, undefined, `rehearse cannot generate values of type ${column.type}`, `add a generator for it in the model, e.g. columns: { ${column.name}: gen.pattern('…') }`);
      continue;
    }
    if (!override) state.derived.add(column.name);
    state.specs.set(column.name, spec);
  }
  orderByChecks(state);
  orderInTime(state);
  controlPartialUniques(state);
  applyNullPatterns(state);
  applyNullRates(state);
  guardValues(state);
  keepInPartitions(state);
  return state.columns.filter((c) => state.specs.has(c.name)).map((c) => {
    const guards = state.guards.get(c.name);
    return { name: c.name, spec: state.specs.get(c.name)!, info: c, ...(guards?.length ? { guards } : {}) };
  });
}

function checkOverrides(state: ColumnPlanState): void {
  for (const name of Object.keys(state.inputs.overrides)) {
    const column = state.info.columns.find((c) => c.name === name);
    if (!column) state.problem(name, undefined, 'the model has a generator for a column the table does not have', `columns: ${state.info.columns.map((c) => c.name).join(', ')}`);
    else if (column.generated) state.problem(name, undefined, 'the model has a generator for a generated column (Postgres computes it)', 'remove it from the model');
  }
}

/**
 * Single-column keys make their column unique; a composite key is kept
 * distinct by the table's parent runs (a link table) or, failing that, by
 * making one of its columns unique; a partial key on the parent becomes
 * "one row per parent holds the predicate".
 */
function findUniqueColumns(state: ColumnPlanState): void {
  const group = state.table.group;
  const keys = [...state.inputs.rules.uniqueKeys].sort((a, b) => a.columns.length - b.columns.length);
  for (const key of keys) {
    if (key.where) {
      if (group && sameColumns(key.columns, group.via)) {
        state.partialControls.push({ key, firstOfParent: true });
        continue;
      }
      if (state.info.constraints.some((c) => c.kind === 'foreign' && sameColumns(c.columns, key.columns))) {
        state.partialControls.push({ key, firstOfParent: false });
        continue;
      }
    }
    if (key.columns.length === 1) {
      state.unique.set(key.columns[0]!, (state.unique.get(key.columns[0]!) ?? false) || (key.caseInsensitive ?? false));
      continue;
    }
    if (coveredByGroup(state, key) || key.columns.some((c) => state.unique.has(c))) continue;
    const column = key.columns.find((c) => !state.foreignKeyOf(c) && !state.inputs.overrides[c]) ?? key.columns.find((c) => state.foreignKeyOf(c)?.columns.length === 1 && !state.inputs.overrides[c]);
    if (column) state.unique.set(column, key.caseInsensitive ?? false);
    else if (!key.columns.every((c) => state.inputs.overrides[c])) {
      state.problem(undefined, key.name, `the key (${key.columns.join(', ')}) cannot be kept distinct: its columns are foreign keys and rows are not given per one of them`, `give rows per one of its foreign keys (rows: { per: '…', total: … }) or generators for its columns`);
    }
  }
}

function coveredByGroup(state: ColumnPlanState, key: UniqueKey): boolean {
  const group = state.table.group;
  if (!group || !group.via.every((c) => key.columns.includes(c)) || !group.distinct) return false;
  if ('column' in group.distinct) return key.columns.includes(group.distinct.column);
  const partner = state.info.constraints.find((c) => c.name === (group.distinct as { foreignKey: string }).foreignKey);
  return partner !== undefined && partner.columns.every((c) => key.columns.includes(c));
}

function baseSpec(state: ColumnPlanState, column: ColumnInfo): ColumnSpec | undefined {
  const name = column.name;
  const group = state.table.group;
  if (group?.via.includes(name)) return { kind: 'parent', column: group.refColumns[group.via.indexOf(name)]! };
  const fk = state.foreignKeyOf(name);
  if (fk && group?.distinct && 'foreignKey' in group.distinct && group.distinct.foreignKey === fk.name) {
    return { kind: 'distinctRef', table: fk.refTable!, column: fk.refColumns![fk.columns.indexOf(name)]!, pick: POPULAR, ...(fk.columns.length > 1 ? { group: fk.name } : {}) };
  }
  if (fk) return foreignSpec(state, column, fk);
  const sequence = state.info.sequences.find((s) => s.column === name);
  if (sequence && INTEGER_TYPES.has(column.baseType)) return { kind: 'sequence', start: sequence.start, step: sequence.increment };
  if (group?.distinct && 'column' in group.distinct && group.distinct.column === name) return distinctWithinParent(state, column);
  const values = state.valueRules(name);
  const context = { table: state.table.name, siblings: state.info.columns.map((c) => c.name), values, unique: state.unique.has(name), caseInsensitive: state.unique.get(name) ?? false };
  const natural = defaultColumnSpec(column, context);
  const matches = values.filter((r): r is Extract<ValueRule, { kind: 'matches' }> => r.kind === 'matches');
  if (matches.length === 0 || (natural?.kind === 'choice' && column.enumLabels === undefined && values.some((r) => r.kind === 'oneOf'))) return natural;
  return matchingSpec(state, column, natural, matches);
}

function foreignSpec(state: ColumnPlanState, column: ColumnInfo, fk: ConstraintInfo): ColumnSpec {
  const target = fk.refTable!;
  const targetColumn = fk.refColumns![fk.columns.indexOf(column.name)]!;
  const targetRows = target === state.table.name ? state.table.rows : state.inputs.rowsOf(target);
  if (!targetRows) {
    if (!column.notNull) return ALWAYS_NULL;
    const why = targetRows === undefined ? 'which the model does not seed' : 'which gets no rows';
    state.problem(column.name, fk.name, `references ${target}, ${why}`, `give ${target} rows in the model (tables: { '${target}': { rows: … } }), or a generator for ${column.name}`);
    return ALWAYS_NULL;
  }
  if (state.unique.has(column.name) && fk.columns.length === 1) return { kind: 'distinctRef', table: target, column: targetColumn };
  return { kind: 'ref', table: target, column: targetColumn, pick: REFERENCE_PICK, ...(fk.columns.length > 1 ? { group: fk.name } : {}) };
}

/** The part of a key that makes one parent's rows differ: 1, 2, 3 … (a line number), or distinct values. */
function distinctWithinParent(state: ColumnPlanState, column: ColumnInfo): ColumnSpec | undefined {
  const values = state.valueRules(column.name);
  if (INTEGER_TYPES.has(column.baseType)) {
    const range = values.find((r): r is Extract<ValueRule, { kind: 'range' }> => r.kind === 'range' && typeof r.min?.value === 'number');
    const start = range?.min ? (range.min.value as number) + (range.min.inclusive ? 0 : 1) : 1;
    return { kind: 'position', start: Math.ceil(start) };
  }
  const listed = defaultColumnSpec(column, { table: state.table.name, siblings: [], values, unique: false });
  if (listed?.kind === 'choice') return { kind: 'position', start: 0, values: listed.values };
  return defaultColumnSpec(column, { table: state.table.name, siblings: state.info.columns.map((c) => c.name), values, unique: true });
}

/**
 * A column checked against a regular expression keeps its realistic
 * generator when every value it can make matches (an email checked for an
 * @), else draws from the expression itself.
 */
function matchingSpec(state: ColumnPlanState, column: ColumnInfo, natural: ColumnSpec | undefined, matches: Extract<ValueRule, { kind: 'matches' }>[]): ColumnSpec | undefined {
  const tests = matches.map((m) => toJsRegExp(m.regex, m.caseInsensitive));
  const samples = natural ? sampleValues(natural, state.unique.has(column.name)) : undefined;
  if (natural && samples?.length && tests.every(Boolean) && samples.every((v) => tests.every((t) => t!.test(v)))) return natural;
  if (natural?.kind === 'fake' && !state.unique.has(column.name) && tests.every(Boolean)) {
    const fitting = [...new Set(valuePool(natural.what))].filter((v) => tests.every((t) => t!.test(v)));
    if (fitting.length >= 5) return { kind: 'choice', values: fitting };
  }
  const first = matches[0]!;
  try {
    parseRegex(first.regex);
  } catch (error) {
    if (!(error instanceof RegexNotGenerable)) throw error;
    const source = state.inputs.rules.values.get(column.name)!.find((r) => r.rule === first)!.source;
    state.problem(column.name, source, `values matching ${first.regex} cannot be generated (${error.message})`, `add a generator for ${column.name} in the model whose values match, e.g. gen.pattern('…') or gen.regex('…')`);
    return natural;
  }
  if (matches.length > 1 && !tests.every(Boolean)) state.inputs.warnings.push(`${state.table.name}.${column.name}: values are drawn from ${first.regex} only; check the other patterns hold`);
  // A code (an order number, a SKU) drawn from `.` or a mixed class reads better in one case: upper.
  const oneCase = first.caseInsensitive || (state.unique.get(column.name) ?? false) || textRole(column.name) === 'code';
  return { kind: 'regex', pattern: first.regex, caseInsensitive: oneCase, unique: state.unique.has(column.name) };
}

/** Checks a generator does not express by itself: excluded values, letter case, lengths, ranges of derived values. */
function guardValues(state: ColumnPlanState): void {
  for (const column of state.columns) {
    if (!state.derived.has(column.name)) continue;
    const spec = state.specs.get(column.name)!;
    for (const rule of state.valueRules(column.name)) {
      if (rule.kind === 'noneOf' && spec.kind !== 'choice') state.addGuard(column.name, { kind: 'notIn', values: rule.values });
      if (rule.kind === 'letterCase') state.addGuard(column.name, { kind: 'letterCase', upper: rule.upper });
      if (rule.kind === 'length' && !column.isArray) state.addGuard(column.name, { kind: 'length', ...(rule.min !== undefined ? { min: rule.min } : {}), ...(rule.max !== undefined ? { max: rule.max } : {}) });
      if (rule.kind === 'range' && spec.kind === 'after') state.addGuard(column.name, rangeClamp(rule, column));
    }
  }
}

function rangeClamp(rule: Extract<ValueRule, { kind: 'range' }>, column: ColumnInfo): Guard {
  const time = isTimeColumn(column);
  const step = time ? 1000 : INTEGER_TYPES.has(column.baseType) ? 1 : 0.01;
  const value = (bound: typeof rule.min) => (time ? timeBound(bound) : typeof bound?.value === 'number' ? bound.value : undefined);
  const min = value(rule.min);
  const max = value(rule.max);
  return { kind: 'clamp', ...(min !== undefined ? { min: min + (rule.min!.inclusive ? 0 : step) } : {}), ...(max !== undefined ? { max: max - (rule.max!.inclusive ? 0 : step) } : {}) };
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}

/** Values a generator can make, to test against a check's pattern; undefined when they cannot be listed cheaply. */
function sampleValues(spec: ColumnSpec, unique: boolean): string[] | undefined {
  switch (spec.kind) {
    case 'fake': return [...new Set(valuePool(spec.what))].map((v) => (unique ? `${v}-12` : v));
    case 'choice': return spec.values.map(String);
    case 'const': return [String(spec.value)];
    case 'pattern': {
      const text = patternText(spec.pattern, 1);
      return Array.from({ length: 64 }, (_, row) => text(row));
    }
    case 'email': return (spec.domains ?? ['example.com', 'example.org', 'example.net', 'mail.example', 'school.example']).map((d) => `jane.smith.12@${d}`);
    case 'slug': return ['how-to-train-a-dragon-2s'];
    case 'uuid': return [uuidOf(1, 0), uuidOf(1, 1)];
    default: return undefined;
  }
}
