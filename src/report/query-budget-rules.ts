import type { QueryBudgetLimits } from '../analyze/analysis.ts';
import type { QueryBudgetRule } from '../analyze/budget-checks.ts';
import { fingerprintQuery } from '../collect/query-fingerprint.ts';
import { QUERY_ID_KEY } from '../config/schema.ts';

/**
 * The config's `budgets.queries` as rules the analysis matches against
 * fingerprints: `*` matches every query, a query id or fingerprint matches
 * itself, and SQL text is fingerprinted the way recorded queries are, so its
 * constants, whitespace and case do not matter.
 *
 * @example
 * await queryBudgetRules({ '*': { meanMs: 50 }, 'select * from posts where id = 1': { rowsPerCall: 1 } });
 * // [{ key: '*', match: null, … }, { key: 'select …', match: '<its fingerprint>', … }]
 */
export async function queryBudgetRules(budgets: Record<string, QueryBudgetLimits>): Promise<QueryBudgetRule[]> {
  const rules: QueryBudgetRule[] = [];
  for (const [key, limits] of Object.entries(budgets)) {
    const match = key === '*' ? null : QUERY_ID_KEY.test(key) ? key.toLowerCase() : (await fingerprintQuery(key)).fingerprint;
    rules.push({ key, match, limits });
  }
  return rules;
}
