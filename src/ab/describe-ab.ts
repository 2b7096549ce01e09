import { formatPercent } from '../analyze/format-number.ts';
import type { PageVerdict } from '../analyze/timing-verdict.ts';
import type { AbSummary } from './ab-summary.ts';
import type { StopReason } from './judge-pair.ts';

const twoDecimals = (value: number) => String(Number(value.toFixed(2)));

/** "1.18× (0.97–1.41)"; "1.18× (no interval)" when too few seconds had requests for one. */
export function describeRatio(verdict: PageVerdict): string {
  const interval = Number.isFinite(verdict.high) ? `${twoDecimals(verdict.low)}–${twoDecimals(verdict.high)}` : 'no interval';
  return `${Number.isFinite(verdict.ratio) ? `${twoDecimals(verdict.ratio)}×` : 'no ratio'} (${interval})`;
}

/** "DIFFERENT (slower)", "SAME", "NOT SURE": the verdict words, exactly, and which way a difference goes. */
export function verdictWords(verdict: PageVerdict): string {
  return verdict.verdict === 'DIFFERENT' && verdict.direction ? `DIFFERENT (${verdict.direction})` : verdict.verdict;
}

/**
 * "pair 2 of at most 5: My Bookings still NOT SURE, ratio 1.18× (0.97–1.41); Login SAME, ratio 1.02× (0.95–1.08)":
 * the pages still undecided first, since they are what another pair is for.
 */
export function describePair(pair: number, maxRepeats: number, verdicts: readonly PageVerdict[]): string {
  const undecidedFirst = [...verdicts].sort((a, b) => Number(b.verdict === 'NOT SURE') - Number(a.verdict === 'NOT SURE'));
  const pages = undecidedFirst.map((verdict) => `${verdict.page} ${pair > 1 && verdict.verdict === 'NOT SURE' ? 'still ' : ''}${verdictWords(verdict)}, ratio ${describeRatio(verdict)}`);
  return `pair ${pair} of at most ${maxRepeats}: ${pages.join('; ') || 'no page measured on both sides'}`;
}

export interface StopFacts {
  reason: StopReason;
  pairs: number;
  maxRepeats: number;
  verdicts: readonly PageVerdict[];
  /** The first failing counter check's sentence, or the failed run's, when that is why. */
  cause?: string;
}

/** Why the rehearsal stopped, in one sentence. */
export function describeStop({ reason, pairs, maxRepeats, verdicts, cause }: StopFacts): string {
  const runs = `${pairs} pair${pairs === 1 ? '' : 's'}`;
  const undecided = verdicts.filter((verdict) => verdict.verdict === 'NOT SURE').map((verdict) => verdict.page);
  switch (reason) {
    case 'decided':
      return `every page decided after ${runs}`;
    case 'max-repeats':
      return `${maxRepeats} runs per side (--max-repeats) and still NOT SURE on ${undecided.join(', ')}`;
    case 'counter-regression':
      return `a counter regressed after ${runs}, which more runs cannot change: ${cause ?? ''}`.trimEnd();
    case 'run-failed':
      return `a run did not finish after ${runs}: ${cause ?? ''}`.trimEnd();
    case 'interrupted':
      return `interrupted after ${runs}: the comparison covers the runs that finished and is incomplete`;
  }
}

/** The lines printed at the end: one per page (verdict, ratio and interval, runs per side, why), why it stopped, the gate. */
export function renderAbSummary(summary: AbSummary): string {
  const pages = summary.verdicts.map(
    (verdict) => `  ${verdict.page}: ${verdictWords(verdict)}, ratio ${describeRatio(verdict)}, ${verdict.runs.baseline} baseline and ${verdict.runs.candidate} candidate runs — ${verdict.reason}`,
  );
  const gate = summary.gate.status === 'pass' ? `PASS — no page slower beyond the ${formatPercent(summary.tolerance)} tolerance, no check failed` : `FAIL — ${summary.gate.failures.length} reason${summary.gate.failures.length === 1 ? '' : 's'}:`;
  return [
    `${summary.scenario}: ${summary.candidate.release ?? 'candidate'} against ${summary.baseline.release ?? 'baseline'}${summary.complete ? '' : ' (INCOMPLETE)'}`,
    ...pages,
    `stopped: ${summary.stop.sentence}`,
    gate,
    ...summary.gate.failures.map((failure) => `  ✗ ${failure}`),
  ].join('\n');
}
