import { createHash } from 'node:crypto';
import { fingerprint as libpgFingerprint, normalize as libpgNormalize, parse as libpgParse } from 'libpg-query';

export interface QueryFingerprint {
  /** 16 hex digits. */
  fingerprint: string;
  /** The first 8, for people and report tables. */
  id: string;
}

/**
 * A fingerprint of the query's shape, equal for the same query whatever its
 * constants, parameter numbers, IN-list lengths, whitespace, comments or
 * keyword case, so a query is matched across runs and servers.
 * pg_stat_statements' `queryid` cannot do that: before Postgres 18 it hashes
 * relation OIDs, which differ between two databases seeded the same way, and
 * it is not stable across major versions (a database upgrade is exactly what
 * a rehearsal compares).
 *
 * libpg_query (Postgres' own parser) computes it. Text it cannot parse (a
 * truncated statement) falls back to a hash of the text with constants,
 * comments and case evened out by pattern; such fingerprints start with "f"
 * followed by 15 digits of a sha256.
 *
 * @example
 * await fingerprintQuery('select * from posts where id = 42');
 * // same as for 'SELECT *\n  FROM posts WHERE id = $1'
 */
export async function fingerprintQuery(sql: string): Promise<QueryFingerprint> {
  const fingerprint = await libpgFingerprint(sql).catch(() => fallbackFingerprint(sql));
  return { fingerprint, id: fingerprint.slice(0, 8) };
}

function fallbackFingerprint(sql: string): string {
  const digest = createHash('sha256').update(collapse(replaceLiterals(sql)).toLowerCase()).digest('hex');
  return `f${digest.slice(0, 15)}`;
}

/**
 * The text as reports show it: constants replaced by $n by the parser (or,
 * for text it cannot parse, such as a truncated statement, `$?` by pattern
 * with comments dropped), whitespace collapsed. Also what keeps literal
 * values, such as a password in a login query caught by the activity
 * sampler, out of the run record.
 */
export async function normalizeQuery(sql: string): Promise<string> {
  const normalized = await libpgNormalize(sql).catch(() => replaceLiterals(sql));
  return collapse(normalized);
}

/** Whether the text is exactly one statement, so prefixing it with EXPLAIN cannot run a second one. */
export async function isSingleStatement(sql: string): Promise<boolean> {
  const parsed = await libpgParse(sql).catch(() => undefined);
  return parsed?.stmts?.length === 1;
}

function replaceLiterals(sql: string): string {
  return sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/(?:[EeBbXxNn])?'(?:[^']|'')*'?/g, '$?')
    .replace(/\$([A-Za-z_]\w*)?\$[\s\S]*?\$\1\$/g, '$?')
    .replace(/\b\d+(?:\.\d+)?(?:[eE][-+]?\d+)?\b/g, (match, offset: number, text: string) => (text[offset - 1] === '$' ? match : '$?'));
}

function collapse(sql: string): string {
  return sql.replace(/\s+/g, ' ').trim();
}
