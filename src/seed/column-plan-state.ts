import type { ValueRule } from './check-rules.ts';
import type { Guard } from './column-guards.ts';
import type { ColumnSpec, ColumnStats } from './model.ts';
import type { PlanIssues } from './plan-issues.ts';
import type { TableGroup } from './row-plan.ts';
import type { ColumnInfo, ConstraintInfo, TableInfo } from './schema-snapshot.ts';
import type { TableRules, UniqueKey } from './table-rules.ts';
import type { TimeOrder } from './time-order.ts';

export interface ColumnPlanInputs {
  table: { name: string; rows: number; info: TableInfo; group?: TableGroup };
  rules: TableRules;
  overrides: Readonly<Record<string, ColumnSpec>>;
  /** Production's statistics per column, from a profile (empty without one). */
  stats: Readonly<Record<string, ColumnStats>>;
  /** Rows a table gets; undefined when the model leaves it alone. */
  rowsOf(name: string): number | undefined;
  time: TimeOrder;
  issues: PlanIssues;
  warnings: string[];
}

/** Always NULL (a foreign key into a table that gets no rows, the rows a partial index must not hold). */
export const ALWAYS_NULL: ColumnSpec = { kind: 'const', value: '', nulls: 1 };

/**
 * One table's columns while they are being planned: the generator chosen
 * for each so far, what guards it, and what the steps after the first
 * (ordering, NULLs, partial indexes, partitions) need to know about them.
 */
export class ColumnPlanState {
  readonly info: TableInfo;
  /** The columns rehearse writes (generated columns are Postgres'). */
  readonly columns: ColumnInfo[];
  readonly specs = new Map<string, ColumnSpec>();
  readonly guards = new Map<string, Guard[]>();
  /** Columns whose generator rehearse chose (the others are the model's). */
  readonly derived = new Set<string>();
  /** Columns that must differ in every row, and whether whatever their case. */
  readonly unique = new Map<string, boolean>();
  /** Columns whose NULLs a rule (a NULL pattern, a partial index) decides. */
  readonly nullsDecided = new Set<string>();
  /** Column → the columns it is generated after (kept free of cycles). */
  readonly after = new Map<string, Set<string>>();
  /** Partial unique indexes on a foreign key: their predicate holds on the first row per parent (or on none). */
  readonly partialControls: { key: UniqueKey; firstOfParent: boolean }[] = [];

  constructor(readonly inputs: ColumnPlanInputs) {
    this.info = inputs.table.info;
    this.columns = this.info.columns.filter((c) => !c.generated);
  }

  get table(): ColumnPlanInputs['table'] {
    return this.inputs.table;
  }

  problem(column: string | undefined, constraint: string | undefined, problem: string, fix: string): void {
    this.inputs.issues.add({ table: this.table.name, ...(column ? { column } : {}), ...(constraint ? { constraint } : {}), problem, fix });
  }

  valueRules(column: string): ValueRule[] {
    return (this.inputs.rules.values.get(column) ?? []).map((r) => r.rule);
  }

  foreignKeyOf(column: string): ConstraintInfo | undefined {
    return this.info.constraints.find((c) => c.kind === 'foreign' && c.columns.includes(column));
  }

  columnInfo(name: string): ColumnInfo | undefined {
    return this.info.columns.find((c) => c.name === name);
  }

  addGuard(column: string, guard: Guard): void {
    const list = this.guards.get(column) ?? [];
    list.push(guard);
    this.guards.set(column, list);
  }

  noteAfter(column: string, bases: string[]): void {
    const set = this.after.get(column) ?? new Set<string>();
    for (const base of bases) if (!base.includes('.')) set.add(base);
    this.after.set(column, set);
  }

  /** Whether `column` is generated (transitively) after `other`. */
  dependsOn(column: string, other: string): boolean {
    if (column === other) return true;
    return [...(this.after.get(column) ?? [])].some((base) => this.dependsOn(base, other));
  }
}
