import type { Analysis, Check, CheckKind } from '../analyze/analysis.ts';
import { judgeTiming, needsAnotherPair, type PageVerdict } from '../analyze/timing-verdict.ts';
import type { RunRecord } from '../run/run-record-schema.ts';
import { sideSamples } from './timing-samples.ts';

/**
 * Checks on what is counted, not timed: queries, rows, buffers and bytes per
 * request (probe and pg_stat_statements), plans, errors, and the budgets on
 * them. Machine noise does not move them, so one pair is enough to fail on
 * one, and more pairs would not change it.
 */
export const COUNTER_KINDS: ReadonlySet<CheckKind> = new Set<CheckKind>([
  'queries-per-request',
  'seq-scan',
  'page-query-calls',
  'blocks-per-request',
  'rows-per-request',
  'response-bytes',
  'query-calls',
  'query-blocks',
  'query-rows',
  'errors',
  'budget-queries-per-request',
  'budget-response-bytes',
  'budget-query-calls',
  'budget-query-rows',
  'budget-query-blocks',
  'budget-error-rate',
]);

/** The timing checks the comparison makes on its own; `ab` judges timings by the page verdicts instead. */
const TIMING_RATIO_KINDS: ReadonlySet<CheckKind> = new Set<CheckKind>(['p95-ratio', 'p50-ratio']);

export interface JudgeOptions {
  tolerance: number;
  maxRepeats: number;
}

/** Where the rehearsal stands after a pair: each page's timing verdict and the counter checks that failed. */
export interface PairJudgement {
  verdicts: PageVerdict[];
  counterFailures: Check[];
}

/** Judges every page both sides measured, on all the runs so far (A runs against B runs). */
export function judgePair(analysis: Analysis, baseline: readonly RunRecord[], candidate: readonly RunRecord[], options: JudgeOptions): PairJudgement {
  const pages = analysis.pages.filter((page) => page.baseline !== null).map((page) => page.page);
  const verdicts = pages.map((page) => judgeTiming(page, sideSamples(baseline, page), sideSamples(candidate, page), { tolerance: options.tolerance, maxRepeats: options.maxRepeats }));
  const counterFailures = analysis.checks.filter((check) => check.status === 'fail' && COUNTER_KINDS.has(check.kind));
  return { verdicts, counterFailures };
}

/** Why the rehearsal ends: every page decided, the repeat bound, a counter regression, a run that failed, or the user. */
export type StopReason = 'decided' | 'max-repeats' | 'counter-regression' | 'run-failed' | 'interrupted';

/** After a pair: stop on a counter regression at once, else when no page needs another pair (or the bound is reached); null to run another pair. */
export function stopAfterPair(judgement: PairJudgement, runsPerSide: number, maxRepeats: number): StopReason | null {
  if (judgement.counterFailures.length > 0) return 'counter-regression';
  if (needsAnotherPair(judgement.verdicts, runsPerSide, maxRepeats)) return null;
  return judgement.verdicts.some((verdict) => verdict.verdict === 'NOT SURE') ? 'max-repeats' : 'decided';
}

/**
 * The gate: every check of the comparison but its own timing ratios (a
 * failed counter, budget, error rate or run fails), a page DIFFERENT and
 * slower, and with `strict` a page still NOT SURE. A page DIFFERENT and
 * faster is an improvement and passes.
 */
export function gateFailures(analysis: Analysis, verdicts: readonly PageVerdict[], strict: boolean): string[] {
  const checks = analysis.checks.filter((check) => check.status === 'fail' && !TIMING_RATIO_KINDS.has(check.kind)).map((check) => check.sentence);
  const slower = verdicts.filter((verdict) => verdict.verdict === 'DIFFERENT' && verdict.direction === 'slower').map((verdict) => `${verdict.page}: DIFFERENT, slower (${verdict.reason})`);
  const unsure = strict ? verdicts.filter((verdict) => verdict.verdict === 'NOT SURE').map((verdict) => `${verdict.page}: NOT SURE, which fails with --strict (${verdict.reason})`) : [];
  return [...checks, ...slower, ...unsure];
}
