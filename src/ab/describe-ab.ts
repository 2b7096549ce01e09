import type { Check } from '../analyze/analysis.ts';
import { formatPercent } from '../analyze/format-number.ts';
import { DEFAULT_THRESHOLDS } from '../analyze/thresholds.ts';
import type { PageVerdict } from '../analyze/timing-verdict.ts';
import { runsPerSideText, verdictText } from '../analyze/timing-checks.ts';
import type { AbSummary } from './ab-summary.ts';
import type { PairJudgement, StopReason } from './judge-pair.ts';

const twoDecimals = (value: number) => String(Number(value.toFixed(2)));

/** "1.18× (0.97–1.41)"; "1.18× (no interval)" when too few seconds had requests for one. */
export function describeRatio(verdict: PageVerdict): string {
  if (!Number.isFinite(verdict.ratio)) return `unknown (${verdict.reason})`;
  const interval = Number.isFinite(verdict.high) ? `${twoDecimals(verdict.low)}–${twoDecimals(verdict.high)}` : 'no interval';
  return `${twoDecimals(verdict.ratio)}× (${interval})`;
}

/** "Login p95 budget", "overall p99 budget". */
function budgetName(check: Check): string {
  return `${check.page ?? 'overall'} ${check.kind === 'budget-p99' ? 'p99' : 'p95'} budget`;
}

/** What is still NOT SURE after a pair: pages' timings, then timing budgets. */
export function undecided(judgement: PairJudgement): string[] {
  const pages = judgement.verdicts.filter((verdict) => verdict.verdict === 'NOT SURE').map((verdict) => verdict.page);
  return [...pages, ...judgement.budgetsNotSure.map(budgetName)];
}

/**
 * "pair 2 of at most 5: My Bookings still NOT SURE, ratio 1.18× (0.97–1.41); Login SAME, ratio 1.02× (0.95–1.08)":
 * the pages still undecided first, since they are what another pair is for; then timing budgets still NOT SURE.
 */
export function describePair(pair: number, maxRepeats: number, judgement: PairJudgement): string {
  const still = pair > 1 ? 'still ' : '';
  const undecidedFirst = [...judgement.verdicts].sort((a, b) => Number(b.verdict === 'NOT SURE') - Number(a.verdict === 'NOT SURE'));
  const pages = undecidedFirst.map((verdict) => `${verdict.page} ${verdict.verdict === 'NOT SURE' ? still : ''}${verdictText(verdict)}, ratio ${describeRatio(verdict)}`);
  const budgets = judgement.budgetsNotSure.map((check) => `${budgetName(check)} ${still}NOT SURE`);
  return `pair ${pair} of at most ${maxRepeats}: ${[...pages, ...budgets].join('; ') || 'no page measured on both sides'}`;
}

export interface StopFacts {
  reason: StopReason;
  pairs: number;
  maxRepeats: number;
  /** What is still NOT SURE (see `undecided`). */
  undecided: readonly string[];
  /** The first failing counter or load-delivered check's sentence, or the failed run's, when that is why. */
  cause?: string;
}

/** Why the rehearsal stopped, in one sentence. */
export function describeStop({ reason, pairs, maxRepeats, undecided, cause }: StopFacts): string {
  const runs = `${pairs} pair${pairs === 1 ? '' : 's'}`;
  switch (reason) {
    case 'decided':
      return `every page decided after ${runs}`;
    case 'max-repeats':
      return `${maxRepeats} runs per side (--max-repeats) and still NOT SURE on ${undecided.join(', ')}`;
    case 'counter-regression':
      return `a counter regressed after ${runs}, which more runs cannot change: ${cause ?? ''}`.trimEnd();
    case 'load-not-delivered':
      return `a run did not deliver its planned load after ${runs}, which fails the gate whatever more runs measure: ${cause ?? ''}`.trimEnd();
    case 'run-failed':
      return `a run did not finish after ${runs}: ${cause ?? ''}`.trimEnd();
    case 'interrupted':
      return `interrupted after ${runs}: the comparison covers the runs that finished and is incomplete`;
  }
}

/** The lines printed at the end: one per page (verdict, ratio and interval, runs per side, why), why it stopped, the gate. */
export function renderAbSummary(summary: AbSummary): string {
  const pages = summary.verdicts.map(
    (verdict) => `  ${verdict.page}: ${verdictText(verdict)}, ratio ${describeRatio(verdict)}, ${runsPerSideText(verdict.runs)} — ${verdict.reason}`,
  );
  const gate = summary.gate.status === 'pass' ? `PASS — no page DIFFERENT and slower (beyond the ${formatPercent(summary.tolerance)} tolerance, or ${DEFAULT_THRESHOLDS.timingFloorMs} ms of a fast page's p95), no check failed` : `FAIL — ${summary.gate.failures.length} reason${summary.gate.failures.length === 1 ? '' : 's'}:`;
  return [
    `${summary.scenario}: ${summary.candidate.release ?? 'candidate'} against ${summary.baseline.release ?? 'baseline'}${summary.complete ? '' : ' (INCOMPLETE)'}`,
    ...pages,
    `stopped: ${summary.stop.sentence}`,
    gate,
    ...summary.gate.failures.map((failure) => `  ✗ ${failure}`),
  ].join('\n');
}
