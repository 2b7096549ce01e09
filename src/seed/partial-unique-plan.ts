import type { Guard } from './column-guards.ts';
import { ALWAYS_NULL, type ColumnPlanState } from './column-plan-state.ts';
import type { ColumnSpec } from './model.ts';
import type { Expr } from './sql-expression.ts';

/** One row of a partial unique index per parent: what its predicate column holds on the first row and on the others. */
interface PredicateControl {
  column: string;
  first: ColumnSpec;
  rest: ColumnSpec;
  guard?: Guard;
}

/** A partial unique index on the parent key: its predicate holds for the first row of each parent only (or none). */
export function controlPartialUniques(state: ColumnPlanState): void {
  for (const { key, firstOfParent } of state.partialControls) {
    const control = predicateControl(state, key.where!);
    if (control === 'never') continue;
    if (!control) {
      if (!key.columns.every((c) => state.inputs.overrides[c])) {
        state.problem(undefined, key.name, 'the predicate of this partial unique index is not understood', `add generators for its columns (${key.columns.join(', ')}) in the model that keep at most one row per ${key.columns.join(', ')} where the predicate holds`);
      }
      continue;
    }
    if (!state.derived.has(control.column)) continue;
    state.specs.set(control.column, firstOfParent ? { kind: 'firstOfParent', first: control.first, rest: control.rest } : control.rest);
    if (control.guard && !firstOfParent) state.addGuard(control.column, control.guard);
    state.nullsDecided.add(control.column);
  }
}

/** The first conjunct of a predicate rehearse can make true on one row and false on the others. */
function predicateControl(state: ColumnPlanState, where: Expr): PredicateControl | 'never' | undefined {
  const conjuncts = where.kind === 'and' ? where.args : [where];
  for (const c of conjuncts) {
    const natural = (column: string) => ({ ...(state.specs.get(column) ?? ALWAYS_NULL), nulls: 0 }) as ColumnSpec;
    if (c.kind === 'column') return { column: c.name, first: { kind: 'const', value: true }, rest: { kind: 'const', value: false } };
    if (c.kind === 'not' && c.arg.kind === 'column') return { column: c.arg.name, first: { kind: 'const', value: false }, rest: { kind: 'const', value: true } };
    if (c.kind === 'nullTest' && c.arg.kind === 'column') {
      const info = state.columnInfo(c.arg.name);
      if (!info) continue;
      if (c.isNull && info.notNull) return 'never';
      if (info.notNull) continue;
      return c.isNull ? { column: info.name, first: ALWAYS_NULL, rest: natural(info.name) } : { column: info.name, first: natural(info.name), rest: ALWAYS_NULL };
    }
    if (c.kind === 'op' && c.left?.kind === 'column' && c.right.kind === 'const' && (c.op === '=' || c.op === '<>') && c.right.value !== null) {
      const value = c.right.value;
      const hold: ColumnSpec = { kind: 'const', value };
      const other = natural(c.left.name);
      return c.op === '=' ? { column: c.left.name, first: hold, rest: other, guard: { kind: 'notIn', values: [value] } } : { column: c.left.name, first: other, rest: hold };
    }
  }
  return undefined;
}
