import pg from 'pg';
import { connectClient } from './connect-client.ts';

export interface StatementResult {
  /** The command tag, e.g. SELECT, UPDATE. */
  command: string;
  rowCount: number | null;
  columns: { name: string; numeric: boolean }[];
  /** Values as Postgres writes them (psql's text), NULL as null. */
  rows: (string | null)[][];
}

/** A statement Postgres rejected; exit 1, like psql. */
export class StatementError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
    this.name = 'StatementError';
  }
}

const NUMERIC_TYPES = new Set([20, 21, 23, 26, 700, 701, 1700]);
/** Every value as its text, the way psql shows it (no Date or JSON parsing). */
const AS_TEXT = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

/**
 * Runs one SQL statement on a database and returns its rows as text: what
 * `rehearse db psql -c` prints, so seeded data can be looked at without psql.
 */
export async function runStatement(url: string, sql: string): Promise<StatementResult> {
  const client = await connectClient(url, { types: AS_TEXT });
  try {
    const result = await client.query<(string | null)[]>({ text: sql, rowMode: 'array' });
    const last = Array.isArray(result) ? (result.at(-1) as pg.QueryArrayResult<(string | null)[]>) : result;
    return {
      command: last.command,
      rowCount: last.rowCount,
      columns: (last.fields ?? []).map((f) => ({ name: f.name, numeric: NUMERIC_TYPES.has(f.dataTypeID) })),
      rows: last.rows ?? [],
    };
  } catch (error) {
    if (error instanceof pg.DatabaseError) throw new StatementError(`ERROR:  ${error.message}${error.detail ? `\nDETAIL:  ${error.detail}` : ''}`, error.code);
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}
