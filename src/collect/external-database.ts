import pg from 'pg';
import { parseConnectionUrl } from '../db/connection-url.ts';
import type { Stage, Statement } from '../run/run-record-schema.ts';
import { collectStatements } from './collect-statements.ts';
import { readStatementMark, takeStatementMark, writeStatementMark, type StatementMark } from './statement-mark.ts';
import { diffStatementSnapshots, OBSERVER_MARK } from './statement-snapshot.ts';

/**
 * What rehearse can read, after the load, from a database it did not start
 * (a staging URL behind a k6-operator run): pg_stat_statements since a mark
 * taken before the load, and EXPLAIN of the costliest (without ANALYZE:
 * nothing is executed). Nothing is written to that database, nothing reset.
 */
export interface ExternalDatabaseOptions {
  url: string;
  /** The file `--mark-start` wrote before the load; without it there is no telling the load's statements from the rest. */
  since?: string;
}

export interface ExternalDatabaseSection {
  /** `host:port/database`, never credentials. */
  target: string;
  postgresVersion: string | null;
  statements: Statement[];
  statementsDeallocated: number;
  /** One per database collector: what ran, what did not and why. */
  stages: Stage[];
}

/** The collectors a run has that need to be there while the load runs, and so cannot run after it. */
const DURING_THE_LOAD: ReadonlyArray<[stage: string, what: string]> = [
  ['collect activity', "pg_stat_activity (sessions, waits, locks) is sampled while the load runs, and collect runs after it"],
  ['collect app metrics', "the app's /metrics are scraped while the load runs, and collect runs after it"],
  ['collect cpu', 'CPU is measured on the processes rehearse starts, and it started neither the app nor the database'],
];

/** `host:port/database` of a connection URL: what a mark and a record name a database by. */
export function databaseTarget(url: string): string {
  const info = parseConnectionUrl(url);
  return `${info.host}:${info.port}/${info.database}`;
}

/**
 * Takes the mark `collectExternalDatabase` later diffs against, into `file`.
 *
 * @example
 * await markExternalDatabase('postgres://reader@staging-db/app', 'before.json'); // then run the load
 */
export async function markExternalDatabase(url: string, file: string): Promise<StatementMark> {
  const target = databaseTarget(url);
  const mark = await withClient(url, (client) => takeStatementMark(client, target, parseConnectionUrl(url).database));
  await writeStatementMark(file, mark);
  return mark;
}

/**
 * Reads the database's statements since the mark. A database that cannot be
 * read leaves a failed stage saying why, not an exception: the runners'
 * results are worth a record without it. A mark of another database is a
 * usage error, raised before connecting.
 */
export async function collectExternalDatabase(options: ExternalDatabaseOptions): Promise<ExternalDatabaseSection> {
  const target = databaseTarget(options.url);
  const mark = options.since ? await readStatementMark(options.since, target) : undefined;
  const skipped = DURING_THE_LOAD.map(([name, why]) => skippedStage(name, why));
  const startedAt = Date.now();
  try {
    return await withClient(options.url, async (client) => {
      const postgresVersion = await readVersion(client);
      if (!mark) {
        const reason = `no --since mark: pg_stat_statements of ${target} counts everything since it was last reset, not this load; take one before the load with rehearse collect --db-url <url> --mark-start <file>`;
        return { target, postgresVersion, statements: [], statementsDeallocated: 0, stages: [skippedStage('collect statements', reason), ...skipped] };
      }
      const read = await readSinceMark(client, options.url, mark);
      return { target, postgresVersion, ...read.section, stages: [{ name: 'collect statements', status: 'ok', startedAt, finishedAt: Date.now(), message: read.message }, ...skipped] };
    });
  } catch (error) {
    const message = `${target}: ${(error as Error).message}`;
    return { target, postgresVersion: null, statements: [], statementsDeallocated: 0, stages: [{ name: 'collect statements', status: 'failed', startedAt, finishedAt: Date.now(), message }, ...skipped] };
  }
}

async function readSinceMark(client: pg.Client, url: string, mark: StatementMark) {
  const after = await takeStatementMark(client, mark.target, mark.snapshot.database);
  const delta = diffStatementSnapshots(mark.snapshot, after.snapshot);
  const statements = await collectStatements(delta, { explainWith: { connectionString: url, application_name: 'rehearse collect' } });
  const window = `${new Date(mark.snapshot.takenAt).toISOString()} to ${new Date(after.snapshot.takenAt).toISOString()}`;
  const reset = after.statsResetAt !== mark.statsResetAt ? `; pg_stat_statements was reset at ${after.statsResetAt} after the mark, so statements before that are missing` : '';
  return {
    section: { statements, statementsDeallocated: delta.deallocations },
    message: `pg_stat_statements of ${mark.target} from ${window}: every session of that database in that window, not only the load's${reset}`,
  };
}

function skippedStage(name: string, message: string): Stage {
  return { name, status: 'skipped', startedAt: null, finishedAt: null, message };
}

async function readVersion(client: pg.Client): Promise<string> {
  const { rows } = await client.query<{ server_version: string }>(`show ${OBSERVER_MARK} server_version`);
  return rows[0]?.server_version ?? 'unknown';
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, application_name: 'rehearse collect' });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
