import type { QueryMatching } from './match-queries.ts';
import type { PooledSide, PooledStatement } from './pool-runs.ts';

export interface CostInputs {
  baseline: PooledSide;
  candidate: PooledSide;
  matching: QueryMatching;
}

const per = (total: number, count: number) => (count === 0 ? 0 : total / count);

/** The baseline query a candidate query continues (itself, or the one it rewrote); undefined when it is new. */
export function predecessorOf(statement: { fingerprint: string }, { baseline, matching }: Pick<CostInputs, 'baseline' | 'matching'>): PooledStatement | undefined {
  const previous = matching.predecessor.get(statement.fingerprint);
  return previous === undefined ? undefined : baseline.statements.find((entry) => entry.fingerprint === previous);
}

/** A query's total time per request of the whole load (its pg_stat_statements total ÷ every request of the side). */
export function msPerRequest(statement: PooledStatement, side: PooledSide): number {
  return per(statement.totalMs, side.requests);
}

/**
 * The time per request of the load a query added: its total ms per request
 * in the candidate minus its predecessor's (0 when new). This is what ranks
 * failing checks, so the lead sentence names the largest measured cause.
 * Undefined when the whole load's statements do not hold the query (a probe
 * saw it, the load did not).
 */
export function addedMsPerRequest(fingerprint: string | null, inputs: CostInputs): number | undefined {
  if (fingerprint === null) return undefined;
  const statement = inputs.candidate.statements.find((entry) => entry.fingerprint === fingerprint);
  if (!statement) return undefined;
  const before = predecessorOf(statement, inputs);
  return msPerRequest(statement, inputs.candidate) - (before ? msPerRequest(before, inputs.baseline) : 0);
}

/** The check with `costMs` set from the query it names, when the load measured that query. */
export function withCost<T extends { fingerprint: string | null; costMs?: number }>(check: T, inputs: CostInputs): T {
  const costMs = addedMsPerRequest(check.fingerprint, inputs);
  return costMs === undefined ? check : { ...check, costMs };
}
