import type { ColumnPlanState } from './column-plan-state.ts';
import { TIMESTAMP_TYPES } from './default-columns.ts';
import { boundNumber, parsePartitionBound } from './partition-bounds.ts';

const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);

/** Rows go through a partitioned table into its partitions: values of the partition key stay inside them. */
export function keepInPartitions(state: ColumnPlanState): void {
  const partitioning = state.info.partitioning;
  if (!partitioning) return;
  const bounds = partitioning.partitions.map((p) => ({ ...p, parsed: parsePartitionBound(p.bound) }));
  if (bounds.length === 0) {
    state.problem(undefined, undefined, 'the table is partitioned but has no partitions, so no row can be stored', 'create its partitions (or a DEFAULT partition) in the schema');
    return;
  }
  for (const partition of bounds.filter((b) => b.subPartitioned)) {
    state.problem(undefined, partition.sql, 'this partition is partitioned again; rehearse routes rows through one level of partitions', 'give the table rows: 0 in the model, or partition it on one level');
  }
  if (bounds.some((b) => b.parsed?.kind === 'default') || partitioning.strategy === 'hash') return;
  const [column] = partitioning.columns;
  if (partitioning.columns.length !== 1 || !column) {
    state.problem(undefined, undefined, `the partition key ${partitioning.key} is not one column, and there is no DEFAULT partition`, 'add a DEFAULT partition, or give the table rows: 0 in the model');
    return;
  }
  if (partitioning.strategy === 'list') keepInList(state, column, bounds.flatMap((b) => (b.parsed?.kind === 'list' ? b.parsed.values : [])));
  else keepInRanges(state, column, bounds.map((b) => b.parsed));
}

function keepInList(state: ColumnPlanState, column: string, values: (string | number | null)[]): void {
  const listed = values.filter((v): v is string | number => v !== null);
  if (!state.derived.has(column)) return;
  const info = state.columnInfo(column)!;
  const typed = INTEGER_TYPES.has(info.baseType) ? listed.map(Number) : listed;
  state.specs.set(column, { kind: 'choice', values: typed, ...(values.includes(null) && !info.notNull ? { nulls: 0.05 } : {}) });
}

function keepInRanges(state: ColumnPlanState, column: string, parsed: (ReturnType<typeof parsePartitionBound> | undefined)[]): void {
  const info = state.columnInfo(column)!;
  const intervals: [number, number][] = [];
  for (const bound of parsed) {
    if (bound?.kind !== 'range') continue;
    const [low, high] = [boundNumber(bound.from[0]!), boundNumber(bound.to[0]!)];
    if (low === undefined || high === undefined) {
      state.problem(column, undefined, `a partition bound of ${column} is not a number or a date rehearse can read`, 'add a DEFAULT partition, or a generator for the column that stays inside the partitions');
      return;
    }
    intervals.push([low, high]);
  }
  const spec = state.specs.get(column)!;
  if (spec.kind === 'sequence') {
    const first = spec.start ?? 1;
    const last = first + (state.table.rows - 1) * (spec.step ?? 1);
    const fits = (v: number) => intervals.some(([lo, hi]) => v >= lo && v < hi);
    if (!fits(first) || !fits(last)) state.problem(column, undefined, `keys ${first} … ${last} do not all fall inside the partitions`, 'add partitions (or a DEFAULT partition) for them, or give the table fewer rows');
    return;
  }
  const grain = info.baseType === 'date' ? 86_400_000 : TIMESTAMP_TYPES.has(info.baseType) ? 1_000 : 1;
  state.addGuard(column, { kind: 'within', intervals, grain });
}
