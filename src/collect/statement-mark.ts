import { readFile, writeFile } from 'node:fs/promises';
import { z } from 'zod';
import type { Queryable } from '../db/queryable.ts';
import { StatementMarkError } from '../errors.ts';
import { OBSERVER_MARK, snapshotStatementStats, type StatementSnapshot } from './statement-snapshot.ts';

/**
 * pg_stat_statements of a database rehearse does not own, read before a load
 * it does not drive (a k6-operator run against staging), so that the
 * statements of that load are the difference between it and a second read
 * afterwards. Nothing is reset: the server's statistics are not rehearse's
 * to empty. Written as JSON by `rehearse collect --db-url <url> --mark-start <file>`.
 */
export interface StatementMark {
  kind: typeof MARK_KIND;
  /** `host:port/database`, never credentials: a later read must be of the same database. */
  target: string;
  /** pg_stat_statements_info.stats_reset when the mark was taken: a reset in between makes the difference short. */
  statsResetAt: string | null;
  snapshot: StatementSnapshot;
}

const MARK_KIND = 'rehearse statement mark v1';

const counters = z.object({
  userId: z.string(),
  queryId: z.string(),
  toplevel: z.boolean(),
  query: z.string(),
  calls: z.number(),
  totalMs: z.number(),
  meanMs: z.number(),
  stddevMs: z.number(),
  minMs: z.number(),
  maxMs: z.number(),
  rows: z.number(),
  sharedBlocksHit: z.number(),
  sharedBlocksRead: z.number(),
  tempBlocksRead: z.number(),
  tempBlocksWritten: z.number(),
});

const markSchema = z.object({
  kind: z.literal(MARK_KIND),
  target: z.string(),
  statsResetAt: z.string().nullable(),
  snapshot: z.object({ database: z.string(), takenAt: z.number(), deallocations: z.number(), entries: z.array(counters) }),
});

/** Reads the statements of `database` as they stand now. */
export async function takeStatementMark(db: Queryable, target: string, database: string): Promise<StatementMark> {
  const snapshot = await snapshotStatementStats(db, database);
  return { kind: MARK_KIND, target, statsResetAt: await readStatsReset(db), snapshot };
}

export async function writeStatementMark(file: string, mark: StatementMark): Promise<void> {
  await writeFile(file, `${JSON.stringify(mark)}\n`);
}

/** The mark in `file`, refused (exit 2) when it is not one or was taken of another database than `target`. */
export async function readStatementMark(file: string, target: string): Promise<StatementMark> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) throw new StatementMarkError(file, `${file}: no such file: take the mark before the load with rehearse collect --db-url <url> --mark-start ${file}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new StatementMarkError(file, `${file}: not JSON: expected the file rehearse collect --mark-start wrote`);
  }
  const mark = markSchema.safeParse(parsed);
  if (!mark.success) throw new StatementMarkError(file, `${file}: not a statement mark (${mark.error.issues[0]?.path.join('.') || 'kind'}): expected the file rehearse collect --mark-start wrote`);
  if (mark.data.target !== target) throw new StatementMarkError(file, `${file}: a mark of ${mark.data.target}, not of ${target}: give the --db-url the mark was taken with`);
  return mark.data;
}

/** When pg_stat_statements was last emptied (PostgreSQL 14+). */
export async function readStatsReset(db: Queryable): Promise<string | null> {
  const { rows } = await db.query<{ reset: Date | null }>(`select ${OBSERVER_MARK} stats_reset as reset from pg_stat_statements_info`);
  return rows[0]?.reset?.toISOString() ?? null;
}
