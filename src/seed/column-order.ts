import { spanMinutes, spanStartOf, timeRole } from './column-semantics.ts';
import type { ColumnPlanState } from './column-plan-state.ts';
import { DATA_EPOCH_END, TIMESTAMP_TYPES } from './default-columns.ts';
import type { Distribution } from './distribution.ts';
import type { ColumnSpec } from './model.ts';
import type { ColumnInfo } from './schema-snapshot.ts';
import { isTimeColumn } from './time-order.ts';

/**
 * The order of values within a row: `a < b`, `a <= b`, `a = b`, `a <> b`
 * between columns from the checks, then time running forward (the row's
 * origin after the rows it references, updated/deleted/event times after
 * the origin, a span's end after its start), never in a cycle.
 */

const NUMBER_TYPES = new Set(['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'money']);
/** Generators whose value is fixed by the row's place: drawing again gives the same value. */
const KEY_KINDS = new Set<ColumnSpec['kind']>(['sequence', 'position', 'parent', 'distinctRef', 'const', 'firstOfParent']);
const DAY_MINUTES = 1_440;

/** `a < b`, `a <= b`, `a = b`, `a <> b` between columns. */
export function orderByChecks(state: ColumnPlanState): void {
  for (const { rule, source } of state.inputs.rules.compares) {
    const { left, op, right } = rule;
    if (op === '<' || op === '<=') orderAfter(state, right, left, op === '<', source);
    else if (op === '=') sameAs(state, right, left, source);
    else differ(state, left, right, source);
  }
}

function orderAfter(state: ColumnPlanState, later: string, earlier: string, strict: boolean, source: string): void {
  const laterInfo = state.columnInfo(later);
  const earlierInfo = state.columnInfo(earlier);
  if (!laterInfo || !earlierInfo) return;
  if (state.derived.has(later) && orderable(laterInfo) && !state.dependsOn(earlier, later)) {
    addAfter(state, laterInfo, earlier, strict);
    return;
  }
  if (state.derived.has(earlier) && orderable(earlierInfo) && !state.dependsOn(later, earlier)) {
    state.specs.set(earlier, { kind: 'after', column: later, delta: negated(delta(state, earlierInfo, strict)) });
    state.noteAfter(earlier, [later]);
    return;
  }
  if (state.derived.has(later) || state.derived.has(earlier)) {
    state.problem(later, source, `${earlier} must come before ${later}, and values of type ${laterInfo.type} are not ordered by rehearse`, `add generators for ${earlier} and ${later} in the model`);
  }
}

/** Makes `column` come after `base` (adding to the bases it already follows). */
function addAfter(state: ColumnPlanState, column: ColumnInfo, base: string, strict: boolean): void {
  const current = state.specs.get(column.name);
  if (current?.kind === 'after' && state.derived.has(column.name)) {
    const bases = typeof current.column === 'string' ? [current.column] : [...current.column];
    if (!bases.includes(base)) state.specs.set(column.name, { ...current, column: [...bases, base] });
  } else {
    state.specs.set(column.name, afterSpec(state, column, base, strict));
  }
  state.noteAfter(column.name, [base]);
}

function afterSpec(state: ColumnPlanState, column: ColumnInfo, base: string | string[], strict: boolean): ColumnSpec {
  const role = timeRole(column.name);
  if (isTimeColumn(column) && role !== 'end') return { kind: 'after', column: base, until: DATA_EPOCH_END };
  return { kind: 'after', column: base, delta: delta(state, column, strict) };
}

/** How far after its base a value lies: a span's length for time, a few units for numbers. */
function delta(state: ColumnPlanState, column: ColumnInfo, strict: boolean): Distribution {
  const low = strict ? 1 : 0;
  if (TIMESTAMP_TYPES.has(column.baseType)) {
    const [min, max] = spanMinutes(column.name, state.table.name);
    return { kind: 'uniform', min: Math.max(low, min), max };
  }
  if (column.baseType === 'date') {
    const [min, max] = spanMinutes(column.name, state.table.name);
    return { kind: 'uniform', min: Math.max(low, Math.ceil(min / DAY_MINUTES)), max: Math.max(1, Math.ceil(max / DAY_MINUTES)) };
  }
  if (column.baseType === 'time' || column.baseType === 'timetz') return { kind: 'uniform', min: Math.max(low, 30), max: 180 };
  return { kind: 'uniform', min: low, max: 100 };
}

function sameAs(state: ColumnPlanState, copy: string, source: string, constraint: string): void {
  const target = state.derived.has(copy) ? copy : state.derived.has(source) ? source : undefined;
  if (!target) return;
  const info = state.columnInfo(target)!;
  const other = target === copy ? source : copy;
  if (!orderable(info) || state.dependsOn(other, target)) {
    state.problem(target, constraint, `must equal ${other}`, `add generators for ${target} and ${other} in the model`);
    return;
  }
  state.specs.set(target, { kind: 'after', column: other, delta: { kind: 'constant', value: 0 } });
  state.noteAfter(target, [other]);
}

/** `a <> b`: one side is drawn again when they meet, never a key (redrawing a key would repeat it). */
function differ(state: ColumnPlanState, left: string, right: string, source: string): void {
  if (selfLinkAvoids(state, left, right)) return;
  const redrawable = (column: string) => state.derived.has(column) && !state.unique.has(column) && !KEY_KINDS.has(state.specs.get(column)?.kind ?? 'const');
  const target = redrawable(right) ? right : redrawable(left) ? left : undefined;
  if (target) state.addGuard(target, { kind: 'differs', column: target === right ? left : right });
  else if (state.derived.has(left) || state.derived.has(right)) state.problem(right, source, `${left} and ${right} must differ, and both are keys rehearse numbers`, `add a generator for one of them in the model`);
}

/** In a table linking a table to itself, the picks already skip the parent row: a user never follows themselves. */
function selfLinkAvoids(state: ColumnPlanState, a: string, b: string): boolean {
  const group = state.table.group;
  if (!group?.distinct || !('foreignKey' in group.distinct)) return false;
  const partner = state.info.constraints.find((c) => c.name === (group.distinct as { foreignKey: string }).foreignKey);
  if (!partner || partner.refTable !== group.parent) return false;
  return (group.via.includes(a) && partner.columns.includes(b)) || (group.via.includes(b) && partner.columns.includes(a));
}

/**
 * Time runs forward: the row's origin after the origins of the rows it
 * references; updated/deleted/event times after the origin; a span's end
 * after its start. Only for columns rehearse generates and no check
 * already ordered.
 */
export function orderInTime(state: ColumnPlanState): void {
  const origin = state.inputs.time.origins.get(state.table.name);
  const siblings = state.info.columns.map((c) => c.name);
  for (const column of state.columns) {
    const name = column.name;
    if (!state.derived.has(name) || !isTimeColumn(column) && column.baseType !== 'time' || state.after.has(name)) continue;
    if (name === origin) {
      followParents(state, column);
      continue;
    }
    const role = timeRole(name);
    if (role === 'birth') continue;
    const start = role === 'end' ? spanStartOf(name, siblings) : undefined;
    const base = start && start !== name && state.columnInfo(start) ? start : origin;
    if (!base || base === name || state.dependsOn(base, name) || (!isTimeColumn(column) && base === origin)) continue;
    addAfter(state, column, base, false);
  }
}

function followParents(state: ColumnPlanState, column: ColumnInfo): void {
  const parents = state.inputs.time.parents.get(state.table.name) ?? [];
  const usable = parents.filter((fk) => state.specs.get(fk.columns[0]!)?.kind !== 'const');
  if (usable.length === 0) return;
  if (column.notNull && !usable.some((fk) => fk.columns.every((c) => state.columnInfo(c)?.notNull))) return;
  const paths = usable.map((fk) => `${fk.columns[0]}.${state.inputs.time.origins.get(fk.refTable!)}`);
  state.specs.set(column.name, { kind: 'after', column: paths, until: DATA_EPOCH_END });
}

function orderable(column: ColumnInfo): boolean {
  return !column.isArray && (NUMBER_TYPES.has(column.baseType) || isTimeColumn(column) || column.baseType === 'time' || column.baseType === 'timetz');
}

function negated(d: Distribution): Distribution {
  return d.kind === 'uniform' ? { kind: 'uniform', min: -d.max, max: -d.min } : d;
}
