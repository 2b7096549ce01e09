import type { ActivitySample, CpuSample, PageResult, PlannedScenario, RunRecord, ScenarioResult } from '../run/run-record-schema.ts';
import type { StepMeasure, StepSecond } from './capacity-rule.ts';
import { cpuTakenByOthers } from './load-delivery.ts';
import { DEFAULT_THRESHOLDS } from './thresholds.ts';

/** What a plateau did besides its pages' latency: its window, database sessions and CPU, over its measured seconds. */
export interface StepLoad {
  /** Epoch ms: the start of the plateau's first measured second and of its last. */
  from: number | null;
  to: number | null;
  /** Seconds the plateau was planned to be measured (warm-up left out). */
  durationSeconds: number;
  /** Mean response time over every request of the plateau, ms; null without requests. */
  meanLatencyMs: number | null;
  /** Mean sessions of the run database active and waiting over the plateau's samples, the most waiting at once, and the wait events most sessions sat in (mean sessions). */
  db: { samples: number; active: number | null; waiting: number | null; peakWaiting: number | null; topWaits: Array<{ event: string; sessions: number }> };
  /** Mean cores busy per part (`app`, `postgres`, `k6`, `others`) over the plateau's CPU samples. */
  cpu: Record<string, number>;
  /** Cores other work on the machine took while the rehearsal waited for a CPU, over the plateau's busiest stretch; null when not measured. */
  othersBusiest: number | null;
}

export interface MeasuredStep {
  measure: StepMeasure;
  load: StepLoad;
}

const TOP_WAITS = 3;

/** Whether the record's load was stepped (a capacity run): only then are there plateaus to measure. */
export function isStepped(record: RunRecord): boolean {
  return (record.load?.plan ?? []).some((entry) => entry.step !== null);
}

/**
 * The plateaus of a stepped run, measured from its record: each plateau's
 * k6 scenarios (one per journey; the warm-up ones left out, by name), the
 * arrivals planned and dropped, per-page percentiles from their own
 * histograms, and the per-second timeline, database samples and CPU samples
 * inside the measured window: the plateau's planned seconds on k6's clock,
 * so its last iterations, let finish during the next warm-up, are left out
 * of the seconds (their requests are still the plateau's own, by tag).
 */
export function measureSteps(record: RunRecord): MeasuredStep[] {
  const plan = (record.load?.plan ?? []).filter((entry) => entry.step !== null && !entry.warmup);
  const results = record.load?.scenarios ?? [];
  const start = testStart(plan, results);
  const indexes = [...new Set(plan.map((entry) => entry.step!))].sort((a, b) => a - b);
  return indexes.map((index) => {
    const entries = plan.filter((entry) => entry.step === index);
    const names = new Set(entries.map((entry) => entry.scenario));
    return measureStep(record, index, entries, results.filter((result) => names.has(result.scenario)), start);
  });
}

/**
 * When k6's clock started (epoch ms, on a second): each plateau's first
 * answered request less its planned start, the earliest of them (a
 * request's own latency only makes it later). null without samples.
 */
function testStart(plan: readonly PlannedScenario[], results: readonly ScenarioResult[]): number | null {
  const starts = plan.flatMap((entry) => {
    const first = results.find((result) => result.scenario === entry.scenario)?.firstSampleAt;
    return first === null || first === undefined ? [] : [first - Math.round(entry.startSeconds * 1000)];
  });
  return starts.length > 0 ? Math.floor(Math.min(...starts) / 1000) * 1000 : null;
}

function measureStep(record: RunRecord, index: number, entries: readonly PlannedScenario[], results: readonly ScenarioResult[], start: number | null): MeasuredStep {
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const durationSeconds = Math.max(0, ...entries.map((entry) => entry.durationSeconds));
  const planned = sum(entries.map((entry) => entry.plannedArrivals ?? 0));
  const dropped = sum(results.map((result) => result.dropped));
  const window = measuredWindow(start, Math.min(...entries.map((entry) => entry.startSeconds)), durationSeconds);
  const pages = mergePages(results.flatMap((result) => result.pages));
  const within = <T extends { time: number }>(samples: readonly T[]) => (window ? samples.filter((sample) => sample.time >= window.from && sample.time < window.to + 1000) : []);
  const requests = sum(pages.map((page) => page.requests));
  return {
    measure: {
      index,
      offered: sum(entries.map((entry) => entry.offeredRate ?? 0)),
      achieved: durationSeconds > 0 ? Math.max(0, planned - dropped) / durationSeconds : 0,
      planned,
      dropped,
      pages: Object.fromEntries(pages.map((page) => [page.page, { requests: page.requests, errors: page.errors, p50: page.latencyMs.p50, p95: page.latencyMs.p95, p99: page.latencyMs.p99 }])),
      seconds: window ? stepSeconds(record, window) : [],
    },
    load: {
      from: window?.from ?? null,
      to: window?.to ?? null,
      durationSeconds,
      meanLatencyMs: requests > 0 ? sum(pages.map((page) => page.latencyMs.mean * page.requests)) / requests : null,
      db: databaseLoad(within(record.activity.samples)),
      cpu: meanCores(within(record.cpu?.samples ?? [])),
      othersBusiest: record.cpu ? (cpuTakenByOthers({ ...record.cpu, samples: within(record.cpu.samples) }, DEFAULT_THRESHOLDS.loadDelivery.k6WindowSeconds)?.busiestCores ?? null) : null,
    },
  };
}

/**
 * The plateau's measured seconds as planned on k6's clock: it runs from its
 * start time for its duration, whether or not any of its requests was
 * answered (an overloaded plateau may answer none before it ends).
 */
function measuredWindow(testStartedAt: number | null, startSeconds: number, durationSeconds: number): { from: number; to: number } | null {
  if (testStartedAt === null) return null;
  const from = testStartedAt + Math.round(startSeconds) * 1000;
  return { from, to: from + Math.max(0, Math.ceil(durationSeconds) - 1) * 1000 };
}

/**
 * One page's results over several journeys of a plateau: counts add up;
 * percentiles of separate histograms cannot be merged, so the worst
 * journey's stands for the page (a budget broken on one journey is broken).
 */
function mergePages(pages: readonly PageResult[]): PageResult[] {
  const byPage = new Map<string, PageResult>();
  for (const page of pages) {
    const seen = byPage.get(page.page);
    if (!seen) {
      byPage.set(page.page, page);
      continue;
    }
    const requests = seen.requests + page.requests;
    const errors = seen.errors + page.errors;
    const worst = (key: keyof PageResult['latencyMs']) => Math.max(seen.latencyMs[key], page.latencyMs[key]);
    const mean = requests > 0 ? (seen.latencyMs.mean * seen.requests + page.latencyMs.mean * page.requests) / requests : 0;
    byPage.set(page.page, {
      ...seen,
      requests,
      errors,
      errorRate: requests > 0 ? errors / requests : 0,
      throughput: seen.throughput + page.throughput,
      latencyMs: { mean, p50: worst('p50'), p90: worst('p90'), p95: worst('p95'), p99: worst('p99'), max: worst('max') },
    });
  }
  return [...byPage.values()];
}

function stepSeconds(record: RunRecord, window: { from: number; to: number }): StepSecond[] {
  const seconds = new Map<number, StepSecond>();
  for (const { page, points } of record.timeline.pages) {
    for (const point of points) {
      if (point.time < window.from || point.time > window.to) continue;
      const second = seconds.get(point.time) ?? { time: point.time, pages: {} };
      second.pages[page] = { requests: point.requests, errors: point.errors, p50: point.p50 ?? point.p95, p95: point.p95 };
      seconds.set(point.time, second);
    }
  }
  return [...seconds.values()].sort((a, b) => a.time - b.time);
}

function databaseLoad(samples: readonly ActivitySample[]): StepLoad['db'] {
  if (samples.length === 0) return { samples: 0, active: null, waiting: null, peakWaiting: null, topWaits: [] };
  const mean = (pick: (sample: ActivitySample) => number) => samples.reduce((total, sample) => total + pick(sample), 0) / samples.length;
  const events = new Map<string, number>();
  for (const sample of samples) for (const [event, sessions] of Object.entries(sample.waitEvents)) events.set(event, (events.get(event) ?? 0) + sessions);
  const topWaits = [...events.entries()]
    .map(([event, total]) => ({ event, sessions: total / samples.length }))
    .sort((a, b) => b.sessions - a.sessions || a.event.localeCompare(b.event))
    .slice(0, TOP_WAITS);
  return { samples: samples.length, active: mean((sample) => sample.active), waiting: mean((sample) => sample.waiting), peakWaiting: Math.max(...samples.map((sample) => sample.waiting)), topWaits };
}

function meanCores(samples: readonly CpuSample[]): Record<string, number> {
  const totals = new Map<string, { sum: number; count: number }>();
  for (const sample of samples) {
    for (const [part, cores] of Object.entries(sample.cores)) {
      const total = totals.get(part) ?? { sum: 0, count: 0 };
      totals.set(part, { sum: total.sum + cores, count: total.count + 1 });
    }
  }
  return Object.fromEntries([...totals.entries()].map(([part, total]) => [part, total.sum / total.count]));
}
