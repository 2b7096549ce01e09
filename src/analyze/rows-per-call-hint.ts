import { exceeds } from './thresholds.ts';

const LIMITED = /\b(limit|fetch\s+(first|next))\b/i;

/**
 * The question to ask when a query's rows per call grew a lot: without a
 * LIMIT now (or having lost the one it had) "is a LIMIT missing?"; with a
 * LIMIT still there, only a growth of 5× or more is worth a question, and it
 * is about the limit's value. Returned as a clause to follow "rows per call
 * 20 → 306"; null when rows did not grow that much.
 *
 * @example
 * rowsPerCallHint({ now: 306, was: 20, query: 'select * from post_recipients where post_id = $1' }, { ratio: 2, increase: 10 });
 * // ': is a LIMIT missing?'
 */
export function rowsPerCallHint(rows: { now: number; was: number; query: string; previousQuery?: string }, limit: { ratio: number; increase: number }): string | null {
  if (!exceeds(rows.now, rows.was, limit)) return null;
  const limitedBefore = rows.previousQuery !== undefined && LIMITED.test(rows.previousQuery);
  if (!LIMITED.test(rows.query)) return limitedBefore ? ': is a LIMIT missing? (the query it replaces had one)' : ': is a LIMIT missing?';
  const growth = rows.was === 0 ? Number.POSITIVE_INFINITY : rows.now / rows.was;
  return growth >= 5 ? ' despite its LIMIT: is the limit larger than before?' : null;
}
