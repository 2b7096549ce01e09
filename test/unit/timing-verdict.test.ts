import { describe, expect, it } from 'vitest';
import { mannWhitneyPValue, smallestPValue } from '../../src/analyze/mann-whitney.ts';
import { judgeBudget, judgeTiming, needsAnotherPair, percentileInterval, type PageVerdict, type Verdict } from '../../src/analyze/timing-verdict.ts';
import { firstPairs, simulatePair } from '../support/simulated-timings.ts';

const options = { tolerance: 0.1, maxRepeats: 5, resamples: 200 };

/** Each trial judged after every pair, 1 to `pairs`, as `ab` would: the verdict it stops at (NOT SURE when it never decides), and after how many pairs. */
function sequence(seed: number, effect: number, pairs: number): { verdict: PageVerdict; pairs: number } {
  const trial = simulatePair(seed, pairs, effect);
  let verdict: PageVerdict | null = null;
  for (let runs = 1; runs <= pairs; runs += 1) {
    const { baseline, candidate } = firstPairs(trial, runs);
    verdict = judgeTiming('My Bookings', baseline, candidate, { ...options, maxRepeats: pairs });
    if (!needsAnotherPair([verdict], runs, pairs)) return { verdict, pairs: runs };
  }
  return { verdict: verdict!, pairs };
}

function tally(outcomes: Array<{ verdict: PageVerdict }>): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const { verdict } of outcomes) {
    const key = verdict.direction ? `${verdict.verdict} ${verdict.direction}` : verdict.verdict;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

describe('Mann-Whitney on per-run p95s', () => {
  it('gives the exact p-value without ties and the tie-corrected approximation with them', () => {
    expect(mannWhitneyPValue([4, 5, 6], [1, 2, 3])).toBeCloseTo(0.1, 10);
    expect(mannWhitneyPValue([6, 7, 8, 9, 10], [1, 2, 3, 4, 5])).toBeCloseTo(2 / 252, 10);
    expect(mannWhitneyPValue([1, 5, 3], [4, 2, 6])).toBeCloseTo(0.7, 10);
    expect(mannWhitneyPValue([120], [100])).toBe(1);
    expect(mannWhitneyPValue([100, 100], [100, 100])).toBe(1);
    // A textbook pair with ties (scipy: 0.5427 with the continuity correction).
    const left = [310, 195, 530, 155, 530, 245, 385, 450, 465, 545, 170, 180, 125, 180, 230, 75, 430, 480, 495, 295];
    const right = [116, 171, 176, 421, 111, 326, 481, 111, 346, 441, 261, 411, 206, 521, 456, 446, 296, 51, 426, 261];
    expect(mannWhitneyPValue(left, right)).toBeCloseTo(0.5427, 3);
  });

  it('cannot reach 0.01 below five runs per side', () => {
    expect([1, 2, 3, 4, 5].map((runs) => smallestPValue(runs, runs) <= 0.01)).toEqual([false, false, false, false, true]);
  });
});

describe('the timing verdict on simulated runs with known effects', () => {
  it('never says DIFFERENT for an unchanged release in 150 trials judged after each of 1–5 pairs', () => {
    const perPairs: Array<Record<Verdict, number>> = [];
    let different = 0;
    // 150 trials × 5 judgements keep this under 15 s; the long A/A series on real runs is `npm run bench -- --only ab-aa`.
    for (let seed = 1; seed <= 150; seed += 1) {
      const trial = simulatePair(seed, 5, 1);
      for (let runs = 1; runs <= 5; runs += 1) {
        const { baseline, candidate } = firstPairs(trial, runs);
        const verdict = judgeTiming('My Bookings', baseline, candidate, options);
        perPairs[runs - 1] ??= { DIFFERENT: 0, SAME: 0, 'NOT SURE': 0 };
        perPairs[runs - 1]![verdict.verdict] += 1;
        if (verdict.verdict === 'DIFFERENT') different += 1;
      }
    }
    console.log('A/A verdicts after 1..5 pairs:', JSON.stringify(perPairs));
    expect(different).toBe(0);
  });

  it('says DIFFERENT (slower) for a 40 % slowdown within five pairs in most trials, never SAME or faster', () => {
    const outcomes = Array.from({ length: 200 }, (_, index) => sequence(10_000 + index, 1.4, 5));
    const within3 = outcomes.filter((outcome) => outcome.verdict.verdict === 'DIFFERENT' && outcome.pairs <= 3).length;
    console.log(`+40 %: DIFFERENT within 3 pairs in ${within3} of 200; stopped at:`, JSON.stringify(tally(outcomes)));
    // Measured: 43 of 200 at the third pair (t over 3 + 3 runs at 99 %: 4.6 standard errors), 164 of 200 within 5 (seeds 10000–10199).
    expect(within3).toBeGreaterThanOrEqual(35);
    expect(outcomes.filter((outcome) => outcome.verdict.verdict === 'DIFFERENT').length).toBeGreaterThanOrEqual(155);
    expect(outcomes.every((outcome) => outcome.verdict.verdict !== 'SAME' && outcome.verdict.direction !== 'faster')).toBe(true);
  });

  it('says DIFFERENT (faster) for a page that got much faster', () => {
    const { baseline, candidate } = simulatePair(7, 3, 0.5);
    expect(judgeTiming('Login', baseline, candidate, options)).toMatchObject({ verdict: 'DIFFERENT', direction: 'faster', runs: { baseline: 3, candidate: 3 } });
  });

  it('says SAME when steady runs rule a difference over the tolerance out, but never with one run per side', () => {
    const steady = (p95: number) => ({ p95, secondP95s: Array.from({ length: 30 }, (_, second) => p95 * (1 + 0.02 * Math.sin(second))) });
    const baseline = { runs: [steady(100), steady(101), steady(99)] };
    const candidate = { runs: [steady(100), steady(102), steady(100)] };
    const same = judgeTiming('Login', baseline, candidate, options);
    expect(same).toMatchObject({ verdict: 'SAME', direction: null });
    expect(same.reason).toMatch(/^a difference beyond the 10.0 % tolerance ruled out \(90 % interval 0\.\d+–1\.\d+×\)$/);
    const one = judgeTiming('Login', { runs: [steady(100)] }, { runs: [steady(100)] }, options);
    expect(one.verdict).toBe('NOT SURE');
    expect(one.reason).toContain('one run per side');
  });

  it('widens the band to 1 ms of the baseline p95 for a fast page, and says so', () => {
    const run = (p95: number) => ({ p95, secondP95s: Array.from({ length: 40 }, (_, second) => p95 * (1 + 0.05 * Math.sin(second))) });
    // A 4.5 ms page whose runs move by ±8 %: inside ±10 % never provable with three runs a side, inside ±22 % (1 ms of 4.5 ms) it is.
    const baseline = { runs: [run(4.5), run(4.85), run(4.2)] };
    const candidate = { runs: [run(4.75), run(4.3), run(4.6)] };
    const fast = judgeTiming('Video call', baseline, candidate, options);
    expect(fast.verdict).toBe('SAME');
    expect(fast.reason).toMatch(/^a difference beyond the 22\.\d % band \(1\.00 ms of a 4\.50 ms p95\) ruled out \(90 % interval/);
    expect(judgeTiming('Video call', baseline, candidate, { ...options, floorMs: 0 }).verdict).toBe('NOT SURE');
    // The same relative spread on a 45 ms page: the floor is 2 % there, the tolerance sets the band.
    const scaled = (side: typeof baseline) => ({ runs: side.runs.map((entry) => run(entry.p95 * 10)) });
    expect(judgeTiming('Login', scaled(baseline), scaled(candidate), options).verdict).toBe('NOT SURE');
  });

  it('takes the interval from the runs\' own spread: runs that disagree widen it', () => {
    const run = (p95: number) => ({ p95, secondP95s: Array.from({ length: 40 }, () => p95) });
    const tight = judgeTiming('Login', { runs: [run(100), run(101), run(99)] }, { runs: [run(120), run(121), run(119)] }, options);
    const loose = judgeTiming('Login', { runs: [run(80), run(100), run(125)] }, { runs: [run(96), run(120), run(150)] }, options);
    expect(tight.ratio).toBeCloseTo(1.2, 2);
    expect(loose.ratio).toBeCloseTo(1.2, 2);
    expect(tight.high / tight.low).toBeLessThan(1.05);
    expect(loose.high / loose.low).toBeGreaterThan(1.5);
    expect(tight.verdict).toBe('DIFFERENT');
    expect(tight.reason).toMatch(/^99 % interval 1\.\d+–1\.\d+× above the 10\.0 % tolerance; every candidate run slower than every baseline run$/);
    expect(loose.verdict).toBe('NOT SURE');
  });

  it('never says DIFFERENT on fewer than three runs per side, however far apart', () => {
    const steady = (p95: number) => ({ p95, secondP95s: Array.from({ length: 30 }, () => p95) });
    expect(judgeTiming('Login', { runs: [steady(100)] }, { runs: [steady(300)] }, options).verdict).toBe('NOT SURE');
    const two = (p95: number) => [steady(p95), steady(p95 * 1.01)];
    // Two runs per side each way apart happen in one A/A pair of three: the A/A series saw 19.4, 15.1 against 9.6, 6.8 ms.
    expect(judgeTiming('Login', { runs: two(100) }, { runs: two(200) }, options).verdict).toBe('NOT SURE');
    expect(judgeTiming('Login', { runs: two(200) }, { runs: two(100) }, options).verdict).toBe('NOT SURE');
    const three = (p95: number) => [steady(p95), steady(p95 * 1.01), steady(p95 * 0.99)];
    expect(judgeTiming('Login', { runs: three(100) }, { runs: three(125) }, options).verdict).toBe('DIFFERENT');
    // Not every candidate run beyond every baseline run: the rank evidence is missing.
    expect(judgeTiming('Login', { runs: [steady(100), steady(130), steady(100)] }, { runs: three(125) }, options).verdict).not.toBe('DIFFERENT');
  });

  it('says why it stopped undecided at the repeat bound', () => {
    const noisy = simulatePair(3, 5, 1.1);
    const verdict = judgeTiming('Login', noisy.baseline, noisy.candidate, options);
    expect(verdict.verdict).toBe('NOT SURE');
    expect(verdict.reason).toMatch(/^5 runs per side and still undecided \(/);
  });
});

describe('the stopping rule', () => {
  const verdict = (word: Verdict): PageVerdict => ({ page: 'p', verdict: word, ratio: 1, low: 0.9, high: 1.2, pValue: 1, direction: null, runs: { baseline: 2, candidate: 2 }, reason: '' });

  it('runs another pair while a page is NOT SURE and the bound is not reached', () => {
    expect(needsAnotherPair([verdict('SAME'), verdict('NOT SURE')], 2, 5)).toBe(true);
    expect(needsAnotherPair([verdict('SAME'), verdict('DIFFERENT')], 2, 5)).toBe(false);
    expect(needsAnotherPair([verdict('NOT SURE')], 5, 5)).toBe(false);
    expect(needsAnotherPair([], 1, 5)).toBe(false);
  });
});

describe('timing budgets on their interval', () => {
  it('fails above, passes below and is NOT SURE with the limit inside', () => {
    expect(judgeBudget(500, { value: 620, low: 560, high: 700 })).toBe('fail');
    expect(judgeBudget(500, { value: 420, low: 380, high: 470 })).toBe('pass');
    expect(judgeBudget(500, { value: 510, low: 450, high: 580 })).toBe('NOT SURE');
  });

  it('takes the interval of a percentile from per-second samples, the same every time', () => {
    const { baseline } = simulatePair(11, 2, 1);
    const interval = percentileInterval(baseline.runs)!;
    expect(percentileInterval(baseline.runs)).toEqual(interval);
    expect(interval.low).toBeLessThan(interval.value);
    expect(interval.high).toBeGreaterThan(interval.value);
    expect(percentileInterval([{ p95: 100, secondP95s: [100, 101] }])).toBeNull();
  });
});
