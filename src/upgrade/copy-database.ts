import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { TableInfo } from '../seed/schema-snapshot.ts';
import { quoteIdent, tableSql } from '../seed/quote.ts';

export interface TableCopied {
  table: string;
  rows: number;
  bytes: number;
}

/**
 * Streams one table from the old server into the new one, as pg_dump |
 * pg_restore moves data: COPY out in text format, COPY in, no row passing
 * through JavaScript. Generated columns are left for the new server to
 * compute; a partitioned table is read through a query (COPY cannot read
 * one directly) and routed into its partitions on the way in.
 */
export async function copyTable(source: pg.Client, target: pg.Client, table: TableInfo): Promise<TableCopied> {
  const columns = table.columns.filter((column) => !column.generated).map((column) => quoteIdent(column.name)).join(', ');
  let bytes = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  const into = target.query(copyFrom(`copy ${tableSql(table)} (${columns}) from stdin`));
  await pipeline(source.query(copyTo(`copy (select ${columns} from ${tableSql(table)}) to stdout`)), counter, into);
  return { table: table.name, rows: into.rowCount, bytes };
}

/** Moves every owned sequence of `tables` to where it stands on the old server, as pg_dump's `setval` lines do. */
export async function copySequences(source: pg.Client, target: pg.Client, tables: readonly TableInfo[]): Promise<number> {
  const sequences = tables.flatMap((table) => table.sequences.map((sequence) => sequence.sequence));
  for (const sequence of sequences) {
    const { rows } = await source.query<{ last_value: string; is_called: boolean }>(`select last_value::text, is_called from ${sequence}`);
    const state = rows[0];
    if (state) await target.query('select setval($1::regclass, $2::bigint, $3)', [sequence, state.last_value, state.is_called]);
  }
  return sequences.length;
}
