import { describe, expect, it } from 'vitest';
import { analyzeRuns } from '../../src/analyze/analyze-runs.ts';
import { assessDelivery, loadGeneratorCpu } from '../../src/analyze/load-delivery.ts';
import { DEFAULT_THRESHOLDS } from '../../src/analyze/thresholds.ts';
import { renderCsv } from '../../src/report/render-csv.ts';
import { renderHtmlText } from '../../src/report/render-html.ts';
import { renderMarkdownText } from '../../src/report/render-markdown.ts';
import { renderRunSummary } from '../../src/run/render-run-summary.ts';
import { runExitCode } from '../../src/run/run-exit-code.ts';
import type { LoadSection, RunRecord } from '../../src/run/run-record-schema.ts';
import { page, profile, runRecord, START } from '../support/run-record-builders.ts';

const LIMITS = DEFAULT_THRESHOLDS.loadDelivery;

interface JourneyLoad {
  journey: string;
  planned: number;
  dropped: number;
  maxVUs?: number;
  /** Split the journey into a warm-up scenario and a plateau, the way a stepped load plans it. */
  warmup?: boolean;
}

/** A load section: each journey one k6 scenario (two with a warm-up), its planned arrivals and drops. */
function load(journeys: JourneyLoad[], vusAllocated: number | null = 40): LoadSection {
  const parts = journeys.flatMap((entry) => {
    const split = entry.warmup ? [0.2, 0.8] : [1];
    return split.map((share, index) => ({ entry, share, scenario: split.length > 1 ? `${entry.journey}_${index}` : entry.journey, warmup: split.length > 1 && index === 0 }));
  });
  return {
    plan: parts.map(({ entry, share, scenario, warmup }) => ({
      scenario,
      journey: entry.journey,
      step: null,
      warmup,
      offeredRate: 5,
      plannedArrivals: entry.planned * share,
      preAllocatedVUs: 10,
      maxVUs: Math.round((entry.maxVUs ?? 56) * share),
      startSeconds: 0,
      durationSeconds: 60,
    })),
    scenarios: parts.map(({ entry, share, scenario }) => ({
      scenario,
      iterations: Math.round((entry.planned - entry.dropped) * share),
      dropped: Math.round(entry.dropped * share),
      pages: [],
      firstSampleAt: START,
      lastSampleAt: START + 59_000,
    })),
    vusAllocated,
    vusActive: vusAllocated,
  };
}

/** k6's cores per second: `busy` for `busySeconds` in the middle of an otherwise idle minute. */
function k6Cpu(busy: number, busySeconds: number, idle = 0.2): NonNullable<RunRecord['cpu']> {
  return {
    intervalMs: 1000,
    measured: ['app', 'k6'],
    notMeasured: {},
    samples: Array.from({ length: 60 }, (_, second) => ({ time: START + second * 1000, cores: { app: 0.5, k6: second >= 20 && second < 20 + busySeconds ? busy : idle } })),
    failures: { count: 0, last: null },
  };
}

function recordWith(loadSection: LoadSection | undefined, cpu?: RunRecord['cpu'], overrides: Partial<RunRecord> = {}): RunRecord {
  const record = runRecord({ pages: [page('My Bookings', { p95: 420 })], profiles: [profile('My Bookings', [{ name: 'b1', query: 'select 1', callsPerRequest: 12 }])] });
  return { ...record, ...(loadSection ? { load: loadSection } : {}), ...(cpu ? { cpu } : {}), ...overrides };
}

const BUDGETS = { scenario: { 'My Bookings': { p95Ms: 300, errorRate: 0.01, queriesPerRequest: 6 } } };

describe('load delivered: dropped arrivals', () => {
  it('passes a journey that dropped exactly 1 % of its planned arrivals', () => {
    const delivery = assessDelivery(recordWith(load([{ journey: 'parents', planned: 300, dropped: 3 }])), 'candidate', LIMITS)!;
    expect(delivery.delivered).toBe(true);
    expect(delivery.journeys).toEqual([{ journey: 'parents', planned: 300, started: 297, dropped: 3, droppedShare: 0.01, iterations: 297, preAllocatedVUs: 10, maxVUs: 56 }]);
  });

  it('fails a journey that dropped more than 1 %, naming how much, the journey and what to change', () => {
    const delivery = assessDelivery(recordWith(load([{ journey: 'parents', planned: 300, dropped: 4 }])), 'candidate', LIMITS)!;
    expect(delivery.delivered).toBe(false);
    expect(delivery.problems).toEqual([
      "parents: 4 of 300 planned arrivals dropped (1.3 %): k6 ran out of VUs (40 allocated, maxVUs 56) — raise the journey's maxVUs, shorten think times, or use another load machine",
    ]);
  });

  it("sums a journey's scenarios, warm-ups included, and judges each journey on its own", () => {
    const delivery = assessDelivery(
      recordWith(load([{ journey: 'parents', planned: 301, dropped: 32, warmup: true }, { journey: 'teachers', planned: 60, dropped: 0 }], 40)),
      'candidate',
      LIMITS,
    )!;
    expect(delivery.journeys.map((journey) => [journey.journey, journey.planned, journey.started, journey.dropped, journey.maxVUs])).toEqual([
      ['parents', 301, 269, 32, 56],
      ['teachers', 60, 60, 0, 56],
    ]);
    expect(delivery.maxVUs).toBe(112);
    expect(delivery.problems).toHaveLength(1);
    expect(delivery.problems[0]).toMatch(/^parents: 32 of 301 planned arrivals dropped \(10\.6 %\): k6 ran out of VUs \(40 allocated for all journeys, maxVUs 56\)/);
  });

  it('says nothing about a record written before rehearse kept the load', () => {
    const record = recordWith(undefined);
    expect(assessDelivery(record, 'candidate', LIMITS)).toBeNull();
    const analysis = analyzeRuns({ candidates: [record], budgets: BUDGETS });
    expect(analysis.delivery).toBeNull();
    expect(analysis.checks.some((check) => check.kind === 'load-delivered')).toBe(false);
    expect(analysis.checks.find((check) => check.kind === 'budget-p95')!.status).toBe('fail');
    expect(renderMarkdownText(analysis)).not.toContain('Load delivered');
    expect(renderCsv(analysis).map((file) => file.name)).not.toContain('load.csv');
    expect(renderRunSummary(record, 'run.json')).not.toContain('load delivered');
  });
});

describe('load delivered: the load generator’s CPU', () => {
  it('takes the busiest 5-second mean, not the busiest second', () => {
    const cpu = loadGeneratorCpu(k6Cpu(1.5, 1), 5)!;
    expect(cpu.busiestCores).toBeCloseTo((1.5 + 4 * 0.2) / 5);
    expect(cpu.meanCores).toBeCloseTo((1.5 + 59 * 0.2) / 60);
  });

  it('passes k6 at 0.9 of a core sustained and fails it above', () => {
    const record = (busy: number) => recordWith(load([{ journey: 'parents', planned: 300, dropped: 0 }]), k6Cpu(busy, 10));
    expect(assessDelivery(record(0.9), 'candidate', LIMITS)!.delivered).toBe(true);
    const over = assessDelivery(record(0.97), 'candidate', LIMITS)!;
    expect(over.delivered).toBe(false);
    expect(over.problems).toEqual(['k6 used 0.97 of a core over its busiest 5 s (mean 0.33): the load generator itself was the bottleneck — run k6 on another load machine, or lower the rate']);
  });

  it('has no CPU figure when k6 was not measured', () => {
    expect(loadGeneratorCpu(undefined, 5)).toBeNull();
    expect(loadGeneratorCpu({ ...k6Cpu(1, 10), measured: ['app'] }, 5)).toBeNull();
  });
});

describe('load delivered on a machine busy with other work', () => {
  /** k6's minute, plus other work at `others` cores for 10 s in the middle, while the rehearsal's threads waited `waiting` cores for a CPU. */
  const withOthers = (others: number, waiting: number) => {
    const cpu = k6Cpu(0.4, 10);
    const busy = (second: number) => second >= 30 && second < 40;
    return { ...cpu, measured: [...cpu.measured, 'others'], samples: cpu.samples.map((sample, second) => ({ ...sample, cores: { ...sample.cores, others: busy(second) ? others : 0.02 }, waiting: busy(second) ? waiting : 0.01 })) };
  };
  const busy = (others: number, waiting = others) => recordWith(load([{ journey: 'parents', planned: 300, dropped: 0 }]), withOthers(others, waiting));

  it('trusts a run whose other work took at most a quarter of a core it waited for, over 5 s', () => {
    const delivery = assessDelivery(busy(0.25), 'candidate', LIMITS)!;
    expect(delivery).toMatchObject({ delivered: true, trusted: true, contention: [] });
    expect(delivery.otherCpu!.busiestCores).toBeCloseTo(0.25);
  });

  it('counts only the CPU the rehearsal was waiting for: other work on idle cores, or the app queueing on its own threads, takes nothing', () => {
    expect(assessDelivery(busy(1.5, 0.05), 'candidate', LIMITS)!).toMatchObject({ trusted: true });
    expect(assessDelivery(busy(0.02, 1.5), 'candidate', LIMITS)!).toMatchObject({ trusted: true });
    expect(assessDelivery(busy(1.5, 0.6), 'candidate', LIMITS)!.otherCpu!.busiestCores).toBeCloseTo(0.6);
  });

  it('keeps the load delivered but its timings untrusted above it, and says what to do', () => {
    const delivery = assessDelivery(busy(1.2), 'candidate', LIMITS)!;
    expect(delivery).toMatchObject({ delivered: true, trusted: false });
    expect(delivery.contention).toEqual(['the machine was busy with other work: processes rehearse did not start took 1.20 cores the app, Postgres and k6 were waiting for over the busiest 5 s (mean 0.21) — rehearse on a quiet machine']);
    const analysis = analyzeRuns({ candidates: [busy(1.2)], budgets: BUDGETS });
    const check = (kind: string) => analysis.checks.find((entry) => entry.kind === kind)!;
    expect(check('load-delivered')).toMatchObject({ status: 'warn' });
    expect(check('load-delivered').sentence).toMatch(/delivered its load: 300 of 300 planned arrivals started, .*, but the machine was busy with other work/);
    expect(check('budget-p95')).toMatchObject({ status: 'warn', sentence: 'My Bookings: p95 420 ms is over its 300 ms budget (scenario) — not trusted: the machine was busy with other work' });
    expect(check('budget-queries-per-request').status).toBe('fail');
    const stages = [{ name: 'load', status: 'ok' as const, startedAt: START, finishedAt: START + 60_000, message: null }];
    expect(runExitCode({ ...busy(1.2), stages })).toBe(0);
    expect(renderMarkdownText(analysis)).toContain('| parents | 300 | 300 | 0 (0.0 %) | 40 / 56 | 0.23 / 0.40 (5 s) | 0.21 / 1.20 (5 s) |');
  });
});

describe('a report whose load was not delivered', () => {
  const starved = () => recordWith(load([{ journey: 'parents', planned: 301, dropped: 32 }]), k6Cpu(0.4, 10));

  it('says so first in the headline and fails', () => {
    const analysis = analyzeRuns({ candidates: [starved()], budgets: BUDGETS });
    expect(analysis.verdict).toBe('fail');
    expect(analysis.headline).toMatch(/^FAIL — parents-evening-login-spike: baseline: the load of candidate run \S+ was not delivered — parents: 32 of 301 planned arrivals dropped \(10\.6 %\)/);
    expect(analysis.checks[0]!.kind).toBe('load-delivered');
    expect(analysis.delivery).toMatchObject({ delivered: false, runs: [{ role: 'candidate', delivered: false, vusAllocated: 40, maxVUs: 56, journeys: [{ journey: 'parents', planned: 301, started: 269, dropped: 32 }] }] });
  });

  it('turns timing checks into warnings that say why; counter and error budgets still apply', () => {
    const record = starved();
    const analysis = analyzeRuns({ candidates: [record], budgets: BUDGETS });
    const status = Object.fromEntries(analysis.checks.map((check) => [check.kind, check.status]));
    expect(status).toMatchObject({ 'load-delivered': 'fail', 'budget-p95': 'warn', 'budget-queries-per-request': 'fail', 'budget-error-rate': 'pass', 'k6-thresholds': 'warn' });
    expect(analysis.checks.find((check) => check.kind === 'budget-p95')!.sentence).toBe('My Bookings: p95 420 ms is over its 300 ms budget (scenario) — not trusted: the load was not delivered');
  });

  it('does not trust a k6 duration threshold either, but keeps an error-rate one', () => {
    const record = starved();
    const failedThresholds = [
      { metric: 'http_req_duration{page:My Bookings}', threshold: 'p(95)<300' },
      { metric: 'http_req_failed{page:My Bookings}', threshold: 'rate<=0.01' },
    ];
    const analysis = analyzeRuns({ candidates: [{ ...record, k6: { exitCode: 99, thresholdsFailed: true, failedThresholds } }], budgets: BUDGETS });
    const k6 = analysis.checks.filter((check) => check.kind === 'k6-thresholds').map((check) => [check.id.split(':').slice(2).join(':'), check.status]);
    expect(k6).toEqual(
      expect.arrayContaining([
        ['http_req_duration{page:My Bookings}:p(95)<300', 'warn'],
        ['http_req_failed{page:My Bookings}:rate<=0.01', 'fail'],
      ]),
    );
  });

  it('distrusts comparisons with a baseline whose load was not delivered, not the candidate’s own budgets', () => {
    const delivered = recordWith(load([{ journey: 'parents', planned: 300, dropped: 0 }]), k6Cpu(0.4, 10), { id: 'candidate-run', context: { ...starved().context, release: 'next' } });
    const analysis = analyzeRuns({ candidates: [delivered], baselines: [starved()], budgets: BUDGETS });
    const byKind = (kind: string) => analysis.checks.filter((check) => check.kind === kind).map((check) => check.status);
    expect(byKind('load-delivered').sort()).toEqual(['fail', 'pass']);
    expect(byKind('p95-ratio').every((status) => status === 'warn')).toBe(true);
    expect(byKind('budget-p95')).toEqual(['fail']);
    expect(analysis.delivery!.delivered).toBe(true);
  });

  it('makes `rehearse run` exit 1', () => {
    const stages = [{ name: 'load', status: 'ok' as const, startedAt: START, finishedAt: START + 60_000, message: null }];
    expect(runExitCode({ ...starved(), stages })).toBe(1);
    expect(runExitCode({ ...recordWith(load([{ journey: 'parents', planned: 300, dropped: 0 }])), stages })).toBe(0);
  });

  it('renders the Load delivered table in Markdown, HTML, CSV and the terminal summary', () => {
    const record = starved();
    const analysis = analyzeRuns({ candidates: [record], budgets: BUDGETS });
    const markdown = renderMarkdownText(analysis);
    expect(markdown).toContain('### Load delivered');
    expect(markdown).toContain('| parents | 301 | 269 | 32 (10.6 %) | 40 / 56 | 0.23 / 0.40 (5 s) | not measured |');
    expect(renderHtmlText(analysis)).toContain('<h2>Load delivered</h2>');
    const csv = renderCsv(analysis).find((file) => file.name === 'load.csv')!.text;
    expect(csv.split('\n')[1]).toBe(`${record.id},candidate,parents,301,269,32,0.10631,269,10,56,40,40,56,0.233,0.4,,,false,false`);
    const summary = renderRunSummary(record, 'run.json');
    expect(summary).toContain("load NOT delivered — parents: 32 of 301 planned arrivals dropped (10.6 %)");
    expect(summary).toMatch(/load delivered: journey +planned arrivals +started +dropped/);
  });
});
