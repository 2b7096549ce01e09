import type { PlanSummary } from '../run/run-record-schema.ts';
import type { Analysis, QueryCost, QueryRow } from './analysis.ts';
import { resolveQueryBudget, type QueryBudgetRule } from './budget-checks.ts';
import { statementCounters } from './counter-checks.ts';
import { pagesOfQuery, type QueryMatching } from './match-queries.ts';
import type { PooledSide, PooledStatement } from './pool-runs.ts';
import type { Thresholds } from './thresholds.ts';

function cost(statement: PooledStatement, side: PooledSide): QueryCost {
  const counters = statementCounters(statement, side);
  return {
    calls: statement.calls,
    callsPerRequest: counters.callsPerRequest,
    meanMs: counters.meanMs,
    totalMs: statement.totalMs,
    share: side.queryMs === 0 ? 0 : statement.totalMs / side.queryMs,
    rowsPerCall: counters.rowsPerCall,
    blocksPerCall: counters.blocksPerCall,
  };
}

/**
 * What changed between two plans of one query: how each relation is read
 * (`appointments: Index Scan → Seq Scan`), join methods, indexes used.
 * Summaries from records without `access` fall back to new and gone Seq Scans.
 */
export function describePlanChanges(candidate: PlanSummary | undefined, baseline: PlanSummary | undefined): string[] {
  if (!candidate || !baseline) return [];
  const changes = candidate.access && baseline.access ? accessChanges(candidate.access, baseline.access) : seqScanChanges(candidate, baseline);
  const joins = (summary: PlanSummary) => [...summary.joinMethods].sort().join(', ') || 'none';
  if (joins(candidate) !== joins(baseline)) changes.push(`join methods ${joins(baseline)} → ${joins(candidate)}`);
  const gone = baseline.indexes.filter((index) => !candidate.indexes.includes(index));
  const added = candidate.indexes.filter((index) => !baseline.indexes.includes(index));
  if (gone.length > 0) changes.push(`no longer uses ${gone.join(', ')}`);
  if (added.length > 0) changes.push(`now uses ${added.join(', ')}`);
  return changes;
}

type Access = NonNullable<PlanSummary['access']>;

function accessChanges(candidate: Access, baseline: Access): string[] {
  const scansOf = (access: Access, relation: string) => access.filter((entry) => entry.relation === relation).map((entry) => entry.scan).join(' + ') || 'not read';
  const relations = [...new Set([...baseline, ...candidate].map((entry) => entry.relation))].sort();
  return relations.flatMap((relation) => {
    const [before, after] = [scansOf(baseline, relation), scansOf(candidate, relation)];
    return before === after ? [] : [`${relation}: ${before} → ${after}`];
  });
}

function seqScanChanges(candidate: PlanSummary, baseline: PlanSummary): string[] {
  const changes: string[] = [];
  const scanned = new Set(baseline.seqScans.map((scan) => scan.relation));
  for (const relation of new Set(candidate.seqScans.map((scan) => scan.relation))) if (!scanned.has(relation)) changes.push(`new Seq Scan on ${relation}`);
  const nowScanned = new Set(candidate.seqScans.map((scan) => scan.relation));
  for (const relation of scanned) if (!nowScanned.has(relation)) changes.push(`no more Seq Scan on ${relation}`);
  return changes;
}

export interface QueryRowInputs {
  baseline: PooledSide | null;
  candidate: PooledSide;
  matching: QueryMatching | null;
  thresholds: Thresholds;
  /** Fingerprints named by a failing check. */
  failing: ReadonlySet<string>;
  budgets: readonly QueryBudgetRule[];
}

/** BEGIN, COMMIT, SET, … listed apart with their cost, compared by exact text only; never checked. */
function transactionControlRows(baseline: PooledSide | null, candidate: PooledSide): QueryRow[] {
  return candidate.transactionControl.map((statement) => {
    const before = baseline?.transactionControl.find((entry) => entry.fingerprint === statement.fingerprint);
    return {
      id: statement.id,
      fingerprint: statement.fingerprint,
      query: statement.query,
      status: before ? 'matched' : 'new',
      replaces: null,
      cost: cost(statement, candidate),
      baselineCost: before && baseline ? cost(before, baseline) : null,
      pages: candidate.profiles.flatMap((profile) => profile.transactionControl.filter((entry) => entry.fingerprint === statement.fingerprint).map((entry) => ({ page: profile.page, callsPerRequest: entry.callsPerRequest, inferred: false }))),
      plan: null,
      baselinePlan: null,
      planChanges: [],
      budget: null,
      verdict: 'pass',
    };
  });
}

/** The queries table: compared (same or rewritten query), new, vanished, and transaction control apart; each sorted by total time. */
export function buildQueryRows({ baseline, candidate, matching, thresholds, failing, budgets }: QueryRowInputs): Required<Analysis['queries']> {
  const compared: QueryRow[] = [];
  const added: QueryRow[] = [];
  for (const statement of candidate.statements) {
    const previous = matching?.predecessor.get(statement.fingerprint);
    const before = previous ? baseline?.statements.find((entry) => entry.fingerprint === previous) : undefined;
    const row: QueryRow = {
      id: statement.id,
      fingerprint: statement.fingerprint,
      query: statement.query,
      status: !baseline ? 'new' : !before ? 'new' : before.fingerprint === statement.fingerprint ? 'matched' : 'changed',
      replaces: before && before.fingerprint !== statement.fingerprint ? { id: before.id, fingerprint: before.fingerprint, query: before.query } : null,
      cost: cost(statement, candidate),
      baselineCost: before && baseline ? cost(before, baseline) : null,
      pages: pagesOfQuery(statement, candidate.profiles, thresholds.changedQuerySimilarity),
      plan: statement.plan,
      baselinePlan: before?.plan ? { summary: before.plan.summary } : null,
      planChanges: describePlanChanges(statement.plan?.summary, before?.plan?.summary),
      budget: resolveQueryBudget(statement.fingerprint, budgets)?.limits ?? null,
      verdict: failing.has(statement.fingerprint) ? 'fail' : 'pass',
    };
    (baseline && row.status === 'new' ? added : compared).push(row);
  }
  const vanished = (matching?.removed ?? []).flatMap((fingerprint) => {
    const statement = baseline?.statements.find((entry) => entry.fingerprint === fingerprint);
    if (!statement || !baseline) return [];
    const row: QueryRow = {
      id: statement.id,
      fingerprint,
      query: statement.query,
      status: 'vanished',
      replaces: null,
      cost: cost(statement, baseline),
      baselineCost: null,
      pages: pagesOfQuery(statement, baseline.profiles, thresholds.changedQuerySimilarity),
      plan: statement.plan,
      baselinePlan: null,
      planChanges: [],
      budget: null,
      verdict: 'pass',
    };
    return [row];
  });
  return { compared, new: added, vanished, transactionControl: transactionControlRows(baseline, candidate) };
}
