import type { ColumnPlanState } from './column-plan-state.ts';
import { nullRate, timeRole } from './column-semantics.ts';
import type { ColumnInfo } from './schema-snapshot.ts';
import { isTimeColumn } from './time-order.ts';

/**
 * Which columns are NULL in a row: the patterns a check allows over several
 * columns (and a nullable composite foreign key, NULL all together), then
 * a rate that fits what each remaining nullable column means.
 */

/** NULL patterns a check allows over several columns; a nullable composite foreign key is NULL all together. */
export function applyNullPatterns(state: ColumnPlanState): void {
  const rules = state.inputs.rules.nulls.map(({ rule, source }) => ({ columns: rule.columns, allowed: rule.allowed, source }));
  for (const fk of state.info.constraints) {
    if (fk.kind !== 'foreign' || fk.columns.length < 2 || fk.columns.every((c) => state.columnInfo(c)?.notNull)) continue;
    rules.push({ columns: fk.columns, allowed: [fk.columns.map(() => true), fk.columns.map(() => false)], source: fk.name });
  }
  for (const rule of rules) {
    const infos = rule.columns.map((c) => state.columnInfo(c));
    if (infos.some((i) => !i)) continue;
    const rates = infos.map((info) => (info!.notNull ? 0 : naturalNullRate(state, info!)));
    let weights = rule.allowed.map((pattern) => pattern.reduce((w, present, i) => w * (present ? 1 - rates[i]! : rates[i]!), 1));
    if (weights.every((w) => w === 0)) weights = rule.allowed.map((pattern) => (pattern.every((present, i) => present || !infos[i]!.notNull) ? 1 : 0));
    if (weights.every((w) => w === 0)) {
      state.problem(rule.columns.join(', '), rule.source, 'no combination of NULLs this check allows fits the NOT NULL columns', 'change the check or the NOT NULL constraints');
      continue;
    }
    rule.columns.forEach((column, index) => {
      if (state.derived.has(column)) state.specs.set(column, { ...state.specs.get(column)!, nulls: 0 });
      state.nullsDecided.add(column);
      state.addGuard(column, { kind: 'presence', rule: rule.source, index, allowed: rule.allowed, weights });
    });
  }
}

export function naturalNullRate(state: ColumnPlanState, column: ColumnInfo): number {
  const fk = state.foreignKeyOf(column.name);
  return nullRate(column.name, { foreignKey: Boolean(fk), selfReference: fk?.refTable === state.table.name, ...(isTimeColumn(column) ? { timeRole: timeRole(column.name) } : {}) });
}

/** NULLs at a rate that fits what the column means, where the column allows them and nothing else decides. */
export function applyNullRates(state: ColumnPlanState): void {
  for (const column of state.columns) {
    const spec = state.specs.get(column.name);
    if (!spec || column.notNull || !state.derived.has(column.name) || state.unique.has(column.name) || state.nullsDecided.has(column.name)) continue;
    if (spec.nulls !== undefined || spec.kind === 'parent' || spec.kind === 'distinctRef') continue;
    state.specs.set(column.name, { ...spec, nulls: naturalNullRate(state, column) });
  }
}
