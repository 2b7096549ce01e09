import pg from 'pg';
import type { StatementPlan } from '../run/run-record-schema.ts';
import { summarizePlan } from './plan-summary.ts';
import { isSingleStatement } from './query-fingerprint.ts';

export type ExplainResult = { plan: StatementPlan; error: null } | { plan: null; error: string };

/** Planning only ever takes this long; a statement that needs more is left unexplained. */
const PLANNING_TIMEOUT = '5s';

/**
 * Explains pg_stat_statements texts on one connection to the run's database
 * (opened and closed here): `EXPLAIN (FORMAT JSON, GENERIC_PLAN)` for texts
 * with $n parameters, which Postgres 16+ plans without values, plain
 * `EXPLAIN (FORMAT JSON)` otherwise. Nothing is executed. A text that cannot
 * be explained (a utility statement, a parameter whose type Postgres cannot
 * infer, more than one statement) gets the reason instead of a plan.
 *
 * @example
 * const plans = await explainStatements({ ...database.connection, database: 'rehearse_run_1' }, ['select * from bookings where parent_id = $1']);
 */
export async function explainStatements(connection: pg.ClientConfig, queries: readonly string[]): Promise<ExplainResult[]> {
  const client = new pg.Client({ ...connection, application_name: 'rehearse-explain' });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`set statement_timeout = '${PLANNING_TIMEOUT}'`);
    const results: ExplainResult[] = [];
    for (const query of queries) results.push(await explainOne(client, query));
    return results;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function explainOne(client: pg.Client, query: string): Promise<ExplainResult> {
  if (!(await isSingleStatement(query))) return { plan: null, error: 'not a single statement Postgres can parse' };
  const generic = /\$\d/.test(query);
  try {
    // The text is sent with the simple protocol: with the extended one, its $n would become parameters to bind.
    const { rows } = await client.query<{ 'QUERY PLAN': unknown }>(`explain (format json${generic ? ', generic_plan' : ''}) ${query}`);
    const json = rows[0]?.['QUERY PLAN'];
    return { plan: { generic, summary: summarizePlan(json), json }, error: null };
  } catch (error) {
    return { plan: null, error: (error as Error).message };
  }
}
