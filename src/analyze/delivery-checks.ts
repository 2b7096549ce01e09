import type { Check, CheckKind } from './analysis.ts';
import { formatCount } from './format-number.ts';
import type { DeliverySummary, RunDelivery } from './load-delivery.ts';

/** Said after a timing check's sentence when its run's load was not delivered, or the machine was busy with other work. */
export const NOT_TRUSTED = 'not trusted: the load was not delivered';
export const NOT_TRUSTED_BUSY = 'not trusted: the machine was busy with other work';

/** Timing budgets of the candidate: a lighter load than planned makes them look better than they are. */
const CANDIDATE_TIMING_KINDS: ReadonlySet<CheckKind> = new Set(['budget-p95', 'budget-p99', 'budget-query-mean']);
/** Timings compared with the baseline (latency, query time, waits): untrusted when either side's load was not delivered. */
const COMPARED_TIMING_KINDS: ReadonlySet<CheckKind> = new Set(['p95-ratio', 'p50-ratio', 'query-time', 'db-time-share', 'lock-waits', 'idle-in-transaction', 'pool-waits']);

/**
 * k6's threshold checks on `http_req_duration` are timings; those on
 * `http_req_failed` count errors and still apply. "Passed every threshold"
 * includes the timings, so it is not trusted either.
 */
function isTimingThreshold(check: Check): boolean {
  return check.kind === 'k6-thresholds' && (check.status === 'pass' || check.id.includes(':http_req_duration'));
}

function deliveredSentence(run: RunDelivery): string {
  const planned = run.journeys.reduce((sum, journey) => sum + (journey.planned ?? 0), 0);
  const started = run.journeys.reduce((sum, journey) => sum + (journey.started ?? 0), 0);
  const arrivals = planned > 0 ? `: ${formatCount(started)} of ${formatCount(planned)} planned arrivals started` : '';
  const cpu = run.k6Cpu ? `, k6 at most ${run.k6Cpu.busiestCores.toFixed(2)} of a core over ${run.k6Cpu.windowSeconds} s` : '';
  return `${run.role} run ${run.run} delivered its load${arrivals}${cpu}`;
}

function checkSentence(run: RunDelivery): string {
  if (!run.delivered) return `the load of ${run.role} run ${run.run} was not delivered — ${run.problems.join('; ')}`;
  return run.contention.length > 0 ? `${deliveredSentence(run)}, but ${run.contention.join('; ')}` : deliveredSentence(run);
}

/**
 * One check per run that says what its load was: failing when the load
 * generator did not deliver it (dropped arrivals, k6 out of CPU), with what
 * to change; a warning when it was delivered on a machine busy with other
 * work. Runs recorded before rehearse kept the load get none.
 */
export function checkLoadDelivered(delivery: DeliverySummary | null): Check[] {
  return (delivery?.runs ?? []).map(
    (run): Check => ({
      id: `load-delivered:${run.run}`,
      kind: 'load-delivered',
      status: run.delivered ? (run.trusted ? 'pass' : 'warn') : 'fail',
      page: null,
      queryId: null,
      fingerprint: null,
      sentence: checkSentence(run),
      measured: Math.max(0, ...run.journeys.map((journey) => journey.droppedShare ?? 0)),
      baseline: null,
      limit: null,
      magnitude: run.delivered ? 0 : Number.POSITIVE_INFINITY,
    }),
  );
}

/**
 * A timing check of a run whose load was not delivered becomes a warning
 * saying so: what it measured was a lighter load than planned, so neither
 * its pass nor its fail means anything. The same for a run delivered on a
 * machine busy with other work: its timings include waiting for CPU that
 * the release did not cause. Counter budgets and error rates still apply as
 * they are.
 */
export function distrustTimings(delivery: DeliverySummary | null): (check: Check) => Check {
  const runs = delivery?.runs ?? [];
  const candidateShort = runs.some((run) => run.role === 'candidate' && !run.trusted);
  const anyShort = runs.some((run) => !run.trusted);
  const why = runs.some((run) => !run.delivered) ? NOT_TRUSTED : NOT_TRUSTED_BUSY;
  return (check) => {
    const untrusted = (candidateShort && (CANDIDATE_TIMING_KINDS.has(check.kind) || isTimingThreshold(check))) || (anyShort && COMPARED_TIMING_KINDS.has(check.kind));
    return untrusted ? { ...check, status: 'warn', sentence: `${check.sentence} — ${why}` } : check;
  };
}
