import { COUNTER_KINDS, type Analysis, type Check, type CheckKind } from '../analyze/analysis.ts';
import { sideSamples } from '../analyze/timing-checks.ts';
import { judgeTiming, needsAnotherPair, type PageVerdict } from '../analyze/timing-verdict.ts';
import type { RunRecord } from '../run/run-record-schema.ts';

/** Percentile budgets, judged on their interval: a warning (without --strict) is a budget inside it, NOT SURE. */
const TIMING_BUDGET_KINDS: ReadonlySet<CheckKind> = new Set<CheckKind>(['budget-p95', 'budget-p99']);

/** Where the rehearsal stands after a pair: each page's p95 verdict, the timing budgets still NOT SURE, the counter checks that failed, and runs whose load was not delivered. */
export interface PairJudgement {
  verdicts: PageVerdict[];
  budgetsNotSure: Check[];
  counterFailures: Check[];
  /** `load-delivered` failures: such a run fails the gate whatever later runs measure. */
  undelivered: Check[];
}

/**
 * Judges every page both sides measured on all the runs so far (A runs
 * against B runs), with the comparison's confidence and resamples, so a
 * verdict here is the one its report shows; only `maxRepeats` differs
 * (the report's comparison has no next pair to wait for). `analysis` is
 * the comparison of these runs without --strict, where a timing budget
 * NOT SURE is a warning.
 */
export function judgePair(analysis: Analysis, baseline: readonly RunRecord[], candidate: readonly RunRecord[], options: { tolerance: number; maxRepeats: number }): PairJudgement {
  const pages = analysis.pages.filter((page) => page.baseline !== null).map((page) => page.page);
  const judge = (page: string) =>
    judgeTiming(page, sideSamples(baseline, page), sideSamples(candidate, page), {
      tolerance: options.tolerance,
      maxRepeats: options.maxRepeats,
      confidence: analysis.thresholds.timingConfidence,
      resamples: analysis.thresholds.bootstrapResamples,
      floorMs: analysis.thresholds.timingFloorMs,
    });
  return {
    verdicts: pages.map(judge),
    budgetsNotSure: analysis.checks.filter((check) => check.status === 'warn' && TIMING_BUDGET_KINDS.has(check.kind)),
    counterFailures: analysis.checks.filter((check) => check.status === 'fail' && COUNTER_KINDS.has(check.kind)),
    undelivered: analysis.checks.filter((check) => check.status === 'fail' && check.kind === 'load-delivered'),
  };
}

/** Why the rehearsal ends: every page decided, the repeat bound, a counter regression, a load not delivered, a run that failed, or the user. */
export type StopReason = 'decided' | 'max-repeats' | 'counter-regression' | 'load-not-delivered' | 'run-failed' | 'interrupted';

/**
 * After a pair: stop on a counter regression or a load not delivered at
 * once (the gate fails whatever more pairs say); else run another pair
 * while a page's timing or a timing budget is NOT SURE, up to the bound.
 */
export function stopAfterPair(judgement: PairJudgement, runsPerSide: number, maxRepeats: number): StopReason | null {
  if (judgement.counterFailures.length > 0) return 'counter-regression';
  if (judgement.undelivered.length > 0) return 'load-not-delivered';
  const undecided = judgement.verdicts.some((verdict) => verdict.verdict === 'NOT SURE') || judgement.budgetsNotSure.length > 0;
  if (needsAnotherPair(judgement.verdicts, runsPerSide, maxRepeats) || (judgement.budgetsNotSure.length > 0 && runsPerSide < maxRepeats)) return null;
  return undecided ? 'max-repeats' : 'decided';
}
