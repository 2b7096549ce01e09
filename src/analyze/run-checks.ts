import type { RunRecord } from '../run/run-record-schema.ts';
import type { Check } from './analysis.ts';

/** k6's exit code when one or more thresholds failed. */
const K6_THRESHOLDS_FAILED = 99;

const runSubject = { page: null, queryId: null, fingerprint: null } as const;

/** `incomplete (probe: HTTP 500 from /bookings)`: what ended a run early, for a sentence. */
export function describeRunStatus(run: RunRecord): string {
  if (run.status === 'complete') return 'complete';
  const failure = run.failure ? ` (${run.failure.stage}: ${run.failure.message.split('\n')[0]})` : '';
  return `${run.status}${failure}`;
}

/**
 * A run that did not finish cannot pass: whatever it measured covers part of
 * the load, so every run on either side that is not `complete` is a failing
 * check. Complete runs add no check: completing is not a measurement.
 */
export function checkRunStatus(candidates: readonly RunRecord[], baselines: readonly RunRecord[]): Check[] {
  const roles: Array<[string, readonly RunRecord[]]> = [
    ['candidate', candidates],
    ['baseline', baselines],
  ];
  return roles.flatMap(([role, runs]) =>
    runs
      .filter((run) => run.status !== 'complete')
      .map(
        (run): Check => ({
          ...runSubject,
          id: `run-status:${run.id}`,
          kind: 'run-status',
          status: 'fail',
          sentence: `${role} run ${run.id} is ${describeRunStatus(run)}: a run that did not finish cannot pass`,
          measured: null,
          baseline: null,
          limit: null,
          magnitude: Number.POSITIVE_INFINITY,
        }),
      ),
  );
}

/** The page a threshold's tag filter names (`http_req_duration{page:Posts}` → Posts), else null (every request). */
function thresholdPage(metric: string): string | null {
  return /\{page:(.+)\}$/.exec(metric)?.[1] ?? null;
}

/**
 * k6's own verdict on the thresholds the scenario's budgets became: each
 * threshold k6 found broken (exit 99) is a failing check of its own, on its
 * page, whatever the recomputed budgets say; a record that does not say
 * which gets one check for the run. Passing is a check only when the script
 * had thresholds to pass.
 */
export function checkK6Thresholds(candidates: readonly RunRecord[], scriptHadThresholds: boolean): Check[] {
  return candidates.flatMap((run): Check[] => {
    const failed = run.k6.thresholdsFailed || run.k6.exitCode === K6_THRESHOLDS_FAILED;
    if (!failed && !(scriptHadThresholds && run.k6.exitCode === 0)) return [];
    const check = (id: string, page: string | null, sentence: string): Check => ({
      id: `k6-thresholds:${id}`,
      kind: 'k6-thresholds',
      status: failed ? 'fail' : 'pass',
      page,
      queryId: null,
      fingerprint: null,
      sentence,
      measured: run.k6.exitCode,
      baseline: null,
      limit: 0,
      magnitude: failed ? Number.POSITIVE_INFINITY : 0,
    });
    const named = run.k6.failedThresholds ?? [];
    if (!failed) return [check(run.id, null, `k6: run ${run.id} passed every threshold (the scenario's budgets)`)];
    if (named.length === 0) return [check(run.id, null, `k6: run ${run.id} failed one or more of its thresholds (the scenario's budgets; k6 exit ${run.k6.exitCode ?? K6_THRESHOLDS_FAILED})`)];
    return named.map(({ metric, threshold }) => {
      const page = thresholdPage(metric);
      return check(`${run.id}:${metric}:${threshold}`, page, `${page ?? 'overall'}: k6 found its threshold ${metric} ${threshold} broken in run ${run.id}`);
    });
  });
}
