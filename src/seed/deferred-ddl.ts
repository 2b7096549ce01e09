import type { SchemaSnapshot } from './schema-snapshot.ts';
import { qualified, quoteIdent, tableSql } from './quote.ts';

/** One statement that rebuilds what was dropped before the load, and the table it belongs to. */
export interface DeferredStatement {
  table: string;
  name: string;
  sql: string;
}

/**
 * What is dropped before COPY and rebuilt after it, like pg_restore does:
 * building a B-tree once over sorted input beats maintaining it row by row,
 * and a foreign key validated once with a join beats a lookup per row.
 * CHECK and exclusion constraints stay: checks are cheap per row and catch
 * a bad generator at the row that breaks them, and an exclusion constraint
 * is only there when the model generates its columns.
 */
export interface DeferredDdl {
  drops: string[];
  /** Primary keys, unique constraints and plain indexes; independent of each other. */
  keysAndIndexes: DeferredStatement[];
  /** Foreign keys; they need the keys they reference. */
  foreignKeys: DeferredStatement[];
}

/** `seeded`: tables that get new rows; `touched`: those plus the ones emptied. */
export function planDeferredDdl(snapshot: SchemaSnapshot, seeded: ReadonlySet<string>, touched: ReadonlySet<string>): DeferredDdl {
  const drops: string[] = [];
  const keysAndIndexes: DeferredStatement[] = [];
  const foreignKeys: DeferredStatement[] = [];
  for (const table of snapshot.tables) {
    const target = tableSql(table);
    for (const c of table.constraints) {
      if (c.kind !== 'foreign' || !(touched.has(table.name) || touched.has(c.refTable ?? ''))) continue;
      drops.push(`alter table ${target} drop constraint ${quoteIdent(c.name)}`);
      foreignKeys.push({ table: table.name, name: c.name, sql: `alter table ${target} add constraint ${quoteIdent(c.name)} ${c.definition}` });
    }
  }
  for (const table of snapshot.tables) {
    if (!seeded.has(table.name)) continue;
    const target = tableSql(table);
    for (const index of table.indexes) {
      drops.push(`drop index ${qualified(table.schema, index.name)}`);
      // pg_get_indexdef() writes ON ONLY for a partitioned table's index, which would build it for no partition.
      keysAndIndexes.push({ table: table.name, name: index.name, sql: index.definition.replace(/ ON ONLY /, ' ON ') });
    }
    for (const c of table.constraints) {
      if (c.kind !== 'primary' && c.kind !== 'unique') continue;
      drops.push(`alter table ${target} drop constraint ${quoteIdent(c.name)}`);
      keysAndIndexes.push({ table: table.name, name: c.name, sql: `alter table ${target} add constraint ${quoteIdent(c.name)} ${c.definition}` });
    }
  }
  return { drops, keysAndIndexes, foreignKeys };
}
