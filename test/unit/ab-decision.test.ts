import { describe, expect, it } from 'vitest';
import { describePair, describeStop, undecided } from '../../src/ab/describe-ab.ts';
import { stopAfterPair, type PairJudgement } from '../../src/ab/judge-pair.ts';
import { pairOrder } from '../../src/ab/pair-order.ts';
import type { Check } from '../../src/analyze/analysis.ts';
import type { PageVerdict, Verdict } from '../../src/analyze/timing-verdict.ts';

function verdict(page: string, words: Verdict, ratio: number, low: number, high: number, runs = 2): PageVerdict {
  return { page, verdict: words, ratio, low, high, pValue: null, direction: words === 'DIFFERENT' ? 'slower' : null, runs: { baseline: runs, candidate: runs }, reason: 'because' };
}

const counterFailure = { id: 'queries-per-request:My Bookings', kind: 'queries-per-request', status: 'fail', sentence: 'My Bookings: 8.5 queries per request, baseline 3.5 (2.43×)' } as Check;

const budgetNotSure = { id: 'budget-p95:Login', kind: 'budget-p95', status: 'warn', page: 'Login', sentence: 'Login: p95 1.49 s is NOT SURE against its 1.5 s budget' } as Check;

function judgement(verdicts: PageVerdict[], counterFailures: Check[] = [], budgetsNotSure: Check[] = []): PairJudgement {
  return { verdicts, counterFailures, budgetsNotSure, undelivered: [] };
}

describe('rehearse ab: order, stopping rule and progress', () => {
  it('alternates the sides A B B A A B B A, so neither always runs first', () => {
    expect([1, 2, 3, 4].flatMap(pairOrder).map((side) => (side === 'baseline' ? 'A' : 'B')).join(' ')).toBe('A B B A A B B A');
  });

  it('runs another pair while a page is NOT SURE, and stops at the repeat bound', () => {
    const unsure = judgement([verdict('Login', 'SAME', 1, 0.95, 1.05), verdict('My Bookings', 'NOT SURE', 1.18, 0.97, 1.41)]);
    expect(stopAfterPair(unsure, 2, 5)).toBeNull();
    expect(stopAfterPair(unsure, 5, 5)).toBe('max-repeats');
  });

  it('runs another pair while a timing budget is NOT SURE, though every page is decided', () => {
    const decided = [verdict('Login', 'SAME', 1, 0.95, 1.05)];
    expect(stopAfterPair(judgement(decided, [], [budgetNotSure]), 2, 5)).toBeNull();
    expect(stopAfterPair(judgement(decided, [], [budgetNotSure]), 5, 5)).toBe('max-repeats');
    expect(describePair(2, 5, judgement(decided, [], [budgetNotSure]))).toBe('pair 2 of at most 5: Login SAME, ratio 1× (0.95–1.05); Login p95 budget still NOT SURE');
  });

  it('stops when every page is decided', () => {
    expect(stopAfterPair(judgement([verdict('Login', 'SAME', 1, 0.95, 1.05), verdict('My Bookings', 'DIFFERENT', 1.4, 1.3, 1.5)]), 2, 5)).toBe('decided');
  });

  it('stops after the first pair on a counter regression, whatever the timings', () => {
    expect(stopAfterPair(judgement([verdict('My Bookings', 'NOT SURE', 1.1, 0.8, 1.5, 1)], [counterFailure]), 1, 5)).toBe('counter-regression');
  });

  it('stops after a pair in which a run did not deliver its load: the gate fails whatever more runs measure', () => {
    const undelivered = { id: 'load-delivered:run-b', kind: 'load-delivered', status: 'fail', sentence: 'parents: 32 of 301 planned arrivals dropped (10.6 %)' } as Check;
    expect(stopAfterPair({ ...judgement([verdict('Login', 'NOT SURE', 1, 0.8, 1.3)]), undelivered: [undelivered] }, 2, 5)).toBe('load-not-delivered');
  });

  it('says each pair in one line, the pages still undecided first', () => {
    const line = describePair(2, 5, judgement([verdict('Login', 'SAME', 1.02, 0.95, 1.08), verdict('My Bookings', 'NOT SURE', 1.18, 0.97, 1.41)]));
    expect(line).toBe('pair 2 of at most 5: My Bookings still NOT SURE, ratio 1.18× (0.97–1.41); Login SAME, ratio 1.02× (0.95–1.08)');
  });

  it('says why it stopped', () => {
    const undecidedNow = undecided(judgement([verdict('My Bookings', 'NOT SURE', 1.18, 0.97, 1.41, 5)], [], [budgetNotSure]));
    expect(describeStop({ reason: 'max-repeats', pairs: 5, maxRepeats: 5, undecided: undecidedNow })).toBe('5 runs per side (--max-repeats) and still NOT SURE on My Bookings, Login p95 budget');
    expect(describeStop({ reason: 'counter-regression', pairs: 1, maxRepeats: 5, undecided: [], cause: counterFailure.sentence })).toBe(
      'a counter regressed after 1 pair, which more runs cannot change: My Bookings: 8.5 queries per request, baseline 3.5 (2.43×)',
    );
  });
});
