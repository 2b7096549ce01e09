import type pg from 'pg';
import { sleep } from '../../src/system/abort.ts';
import { withClient } from './school-portal-database.ts';

/** What the database did for one database of the server, from pg_stat_statements. */
export interface StatementTotals {
  calls: number;
  /** Shared buffers hit or read: pages touched, a deterministic cost measure. */
  sharedBlocks: number;
  /** Per statement text, how many times it ran. */
  callsByQuery: Map<string, number>;
  /** Per statement text, the rows it returned (or changed) in all. */
  rowsByQuery: Map<string, number>;
}

/** Zeroes pg_stat_statements (server-wide) and the table counters of `databaseUrl`'s database. */
export async function resetStatistics(admin: pg.Pool, databaseUrl: string): Promise<void> {
  await withClient(databaseUrl, (client) => client.query('select pg_stat_reset()'));
  await admin.query('select pg_stat_statements_reset()');
}

export async function statementTotals(admin: pg.Pool, database: string): Promise<StatementTotals> {
  const { rows } = await admin.query<{ query: string; calls: string; rows: string; blocks: string }>(
    `select query, calls, rows, shared_blks_hit + shared_blks_read as blocks
     from pg_stat_statements
     where dbid = (select oid from pg_database where datname = $1)`,
    [database],
  );
  return {
    calls: rows.reduce((sum, row) => sum + Number(row.calls), 0),
    sharedBlocks: rows.reduce((sum, row) => sum + Number(row.blocks), 0),
    callsByQuery: new Map(rows.map((row) => [row.query, Number(row.calls)])),
    rowsByQuery: new Map(rows.map((row) => [row.query, Number(row.rows)])),
  };
}

/**
 * Backends publish table counters when idle (at most once a second) and
 * always when they exit; waiting until the app's connections are gone makes
 * the counters complete rather than "probably flushed by now".
 */
export async function waitForAppDisconnect(admin: pg.Pool, database: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await admin.query<{ count: string }>(
      `select count(*) from pg_stat_activity where datname = $1 and application_name like 'school-portal%'`,
      [database],
    );
    if (rows[0]?.count === '0') return;
    if (Date.now() > deadline) throw new Error(`school-portal still holds connections to ${database} after ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** Waits until `count` of the app's queries wait on a lock (a test holds it to keep requests in flight). */
export async function waitForBlockedQueries(admin: pg.Pool, database: string, count: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await admin.query<{ blocked: string }>(
      `select count(*) as blocked from pg_stat_activity where datname = $1 and application_name = 'school-portal' and wait_event_type = 'Lock'`,
      [database],
    );
    if (Number(rows[0]?.blocked) >= count) return;
    if (Date.now() > deadline) throw new Error(`${count} school-portal queries never waited on a lock within ${timeoutMs} ms`);
    await sleep(25);
  }
}

/** Rows a table gave up since the last reset: sequentially scanned plus fetched through indexes. */
export async function rowsRead(databaseUrl: string, table: string): Promise<number> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ rows_read: string }>(
      `select coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) as rows_read from pg_stat_user_tables where relname = $1`,
      [table],
    );
    return Number(rows[0]?.rows_read ?? 0);
  });
}

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Index Name'?: string;
  Plans?: PlanNode[];
}

/** Every scan in the plan Postgres picks for `sql`, as "Seq Scan on appointments" or "Index Scan on appointments using …". */
export async function planScans(databaseUrl: string, sql: string, params: unknown[]): Promise<string[]> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (format json) ${sql}`, params);
    const root = rows[0]?.['QUERY PLAN'][0].Plan;
    return root ? describeScans(root) : [];
  });
}

/**
 * The whole plan Postgres picks for `sql`, one line per node ("Nested Loop", "  Index Scan on
 * appointments using …"), without costs or aliases: two queries with the same outline run the same way.
 */
export async function planOutline(databaseUrl: string, sql: string, params: unknown[]): Promise<string[]> {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(`explain (format json) ${sql}`, params);
    const root = rows[0]?.['QUERY PLAN'][0].Plan;
    return root ? outline(root, '') : [];
  });
}

function outline(node: PlanNode, indent: string): string[] {
  const relation = node['Relation Name'] ? ` on ${node['Relation Name']}` : '';
  const index = node['Index Name'] ? ` using ${node['Index Name']}` : '';
  return [`${indent}${node['Node Type']}${relation}${index}`, ...(node.Plans ?? []).flatMap((child) => outline(child, `${indent}  `))];
}

function describeScans(node: PlanNode): string[] {
  const relation = node['Relation Name'] ? ` on ${node['Relation Name']}` : '';
  const index = node['Index Name'] ? ` using ${node['Index Name']}` : '';
  const own = relation || index ? [`${node['Node Type']}${relation}${index}`] : [];
  return [...own, ...(node.Plans ?? []).flatMap(describeScans)];
}
