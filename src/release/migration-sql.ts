import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseSync } from 'libpg-query';
import { loadSqlParser } from '../seed/sql-expression.ts';

/** One statement of a migration file, as libpg_query split it. */
export interface MigrationStatementSource {
  /** The file, as it is named to the user (relative to the config's root). */
  file: string;
  /** 1-based position in its file. */
  index: number;
  sql: string;
  /** The statement's parse tree (one entry of libpg_query's `stmts`). */
  node: Record<string, unknown>;
}

/** The `.sql` files of a folder in name order, each split into its statements. */
export async function readMigrationFolder(dir: string, root: string): Promise<MigrationStatementSource[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.sql')).sort();
  const statements: MigrationStatementSource[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    statements.push(...(await splitMigration(path.relative(root, file), await readFile(file, 'utf8'))));
  }
  return statements;
}

/**
 * Splits a migration into its statements with Postgres' own parser, so a
 * semicolon inside a string, a comment or a function body is not a split.
 * A file that does not parse throws the parser's message with the file name.
 */
export async function splitMigration(file: string, sql: string): Promise<MigrationStatementSource[]> {
  await loadSqlParser();
  let parsed: ReturnType<typeof parseSync>;
  try {
    parsed = parseSync(sql);
  } catch (error) {
    throw new Error(`${file}: not valid SQL: ${(error as Error).message}`);
  }
  return (parsed.stmts ?? []).map((entry, position) => {
    const start = entry.stmt_location ?? 0;
    const text = entry.stmt_len ? sql.slice(start, start + entry.stmt_len) : sql.slice(start);
    return { file, index: position + 1, sql: stripLeadingComments(text), node: (entry.stmt ?? {}) as Record<string, unknown> };
  });
}

/** libpg_query's statement spans start after the previous `;`, so they carry the comments above them. */
export function stripLeadingComments(text: string): string {
  return text.replace(/^(\s*--[^\n]*\n|\s+)*/, '').trim();
}
