import type pg from 'pg';
import type { Statement } from '../run/run-record-schema.ts';
import { compareText } from './compare-text.ts';
import { explainStatements } from './explain-statement.ts';
import { fingerprintQuery, normalizeQuery } from './query-fingerprint.ts';
import { sumOfSquares, type StatementCounters, type StatementSnapshot } from './statement-snapshot.ts';

export interface CollectStatementsOptions {
  /** A connection to the run's database for EXPLAIN; without it no plans are made. */
  explainWith?: pg.ClientConfig;
  /** How many statements, by total time, get a plan. Default 20. */
  explainTop?: number;
}

/**
 * The run record's statements from a pg_stat_statements delta: entries
 * merged by fingerprint (one query shape per record entry, whatever its
 * user, nesting or queryid), most total time first, the top ones explained.
 * A database that cannot be reached for EXPLAIN leaves the reason in
 * `planError` rather than losing the statistics.
 *
 * @example
 * const statements = await collectStatements(delta, { explainWith: { ...database.connection, database: runDatabase } });
 */
export async function collectStatements(snapshot: StatementSnapshot, options: CollectStatementsOptions = {}): Promise<Statement[]> {
  const merged = await mergeEntries(snapshot.entries);
  if (!options.explainWith) return merged.map(({ statement }) => statement);
  // Explain the text as pg_stat_statements kept it: the normalized one is for reading.
  const top = merged.slice(0, options.explainTop ?? 20);
  const unreachable = (error: unknown) => top.map(() => ({ plan: null, error: `could not connect to explain: ${(error as Error).message}` }));
  const plans = await explainStatements(options.explainWith, top.map(({ text }) => text)).catch(unreachable);
  return merged.map(({ statement }, index) => {
    const explained = plans[index];
    return explained ? { ...statement, plan: explained.plan, planError: explained.error } : statement;
  });
}

/** One entry per fingerprint, counters summed, most total time first. Plans are left empty. */
export async function mergeByFingerprint(entries: readonly StatementCounters[]): Promise<Statement[]> {
  return (await mergeEntries(entries)).map(({ statement }) => statement);
}

async function mergeEntries(entries: readonly StatementCounters[]): Promise<Array<{ statement: Statement; text: string }>> {
  const groups = new Map<string, { id: string; entries: StatementCounters[] }>();
  for (const entry of entries) {
    const { fingerprint, id } = await fingerprintQuery(entry.query);
    const group = groups.get(fingerprint) ?? { id, entries: [] };
    group.entries.push(entry);
    groups.set(fingerprint, group);
  }
  const merged: Array<{ statement: Statement; text: string }> = [];
  for (const [fingerprint, group] of groups) merged.push(await merge(fingerprint, group.id, group.entries));
  return merged.sort((a, b) => b.statement.totalMs - a.statement.totalMs || compareText(a.statement.fingerprint, b.statement.fingerprint));
}

async function merge(fingerprint: string, id: string, entries: StatementCounters[]): Promise<{ statement: Statement; text: string }> {
  const sum = (pick: (entry: StatementCounters) => number) => entries.reduce((total, entry) => total + pick(entry), 0);
  const calls = sum((entry) => entry.calls);
  const totalMs = sum((entry) => entry.totalMs);
  const meanMs = calls === 0 ? 0 : totalMs / calls;
  const variance = calls === 0 ? 0 : sum(sumOfSquares) / calls - meanMs * meanMs;
  const busiest = entries.reduce((best, entry) => (entry.calls > best.calls ? entry : best));
  const statement: Statement = {
    fingerprint,
    id,
    queryIds: [...new Set(entries.map((entry) => entry.queryId))].sort(),
    query: await normalizeQuery(busiest.query),
    calls,
    totalMs,
    meanMs,
    stddevMs: Math.sqrt(Math.max(0, variance)),
    minMs: Math.min(...entries.map((entry) => entry.minMs)),
    maxMs: Math.max(...entries.map((entry) => entry.maxMs)),
    rows: sum((entry) => entry.rows),
    sharedBlocksHit: sum((entry) => entry.sharedBlocksHit),
    sharedBlocksRead: sum((entry) => entry.sharedBlocksRead),
    tempBlocksRead: sum((entry) => entry.tempBlocksRead),
    tempBlocksWritten: sum((entry) => entry.tempBlocksWritten),
    plan: null,
    planError: null,
  };
  return { statement, text: busiest.query };
}
