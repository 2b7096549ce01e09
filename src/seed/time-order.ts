import { timeRole } from './column-semantics.ts';
import { TIMESTAMP_TYPES } from './default-columns.ts';
import type { ColumnInfo, ConstraintInfo, TableInfo } from './schema-snapshot.ts';

/**
 * The order of time across tables: a row's "origin" (when it was made:
 * created_at, else its first event time) comes after the origins of the
 * rows it references (a comment after its article and its author, an
 * article after its author). Foreign keys that would make the order
 * circular (a self reference, a cycle of tables) are left out.
 */
export interface TimeOrder {
  /** Table → the column holding when its rows were made. */
  origins: ReadonlyMap<string, string>;
  /** Table → the foreign keys whose targets' origins its origin follows. */
  parents: ReadonlyMap<string, readonly ConstraintInfo[]>;
}

export function isTimeColumn(column: ColumnInfo): boolean {
  return !column.isArray && (TIMESTAMP_TYPES.has(column.baseType) || column.baseType === 'date');
}

/** The column that says when a row was made, if the table has one. */
export function originColumn(table: TableInfo): string | undefined {
  const times = table.columns.filter((c) => !c.generated && isTimeColumn(c));
  return (times.find((c) => timeRole(c.name) === 'created') ?? times.find((c) => timeRole(c.name) === 'event'))?.name;
}

/** `tables`: the tables that get rows. */
export function planTimeOrder(tables: readonly TableInfo[]): TimeOrder {
  const origins = new Map<string, string>();
  for (const table of tables) {
    const origin = originColumn(table);
    if (origin) origins.set(table.name, origin);
  }
  const byName = new Map(tables.map((t) => [t.name, t]));
  const parents = new Map<string, ConstraintInfo[]>();
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string) => {
    state.set(name, 'visiting');
    const kept: ConstraintInfo[] = [];
    for (const fk of byName.get(name)!.constraints) {
      if (fk.kind !== 'foreign' || fk.refTable === name || !origins.has(fk.refTable!) || !byName.has(fk.refTable!)) continue;
      if (state.get(fk.refTable!) === 'visiting') continue;
      if (!state.has(fk.refTable!)) visit(fk.refTable!);
      kept.push(fk);
    }
    parents.set(name, kept);
    state.set(name, 'done');
  };
  for (const table of tables) if (origins.has(table.name) && !state.has(table.name)) visit(table.name);
  return { origins, parents };
}
