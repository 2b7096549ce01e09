import os from 'node:os';
import { ScenarioError } from '../errors.ts';
import { pageCaptures, type Capture } from './capture.ts';
import type { BodyCheck, Budget, HttpMethod, Journey, JsonValue, Scenario, ThinkStep } from './define-scenario.ts';
import { formatDuration, parseDuration } from './duration.ts';
import { K6_MIN_CONSTANT_SECONDS, machineVuCeiling, stepRates, vuProblems, warmupSeconds, type LoadShape, type PlannedVus, type SteppedShape, type VuCeiling } from './load-shapes.ts';
import { stepHeaders } from './request-headers.ts';

/** Compress or stretch a scenario for a quick check or a longer rehearsal. */
export interface BuildOptions {
  /** Total seconds the longest journey should take; every stage scales with it. */
  durationSeconds?: number;
  /** Multiplies every arrival rate and VU count. */
  rateScale?: number;
  /** The most VUs k6 may be asked for (default: from this machine's memory). */
  vuCeiling?: VuCeiling;
}

type Threshold = string | { threshold: string; abortOnFail: true; delayAbortEval: string };

export interface K6Executor {
  executor: string;
  exec: string;
  [option: string]: unknown;
}

/** One k6 scenario: its name (the `scenario` tag on its samples), the journey, the plateau (0-based) of a stepped load or null, and its executor. */
export interface PlannedK6Scenario {
  name: string;
  journey: string;
  step: number | null;
  warmup: boolean;
  executor: K6Executor;
}

/** One request as the script sends it: every header decided, every capture parsed. */
export interface PagePlan {
  kind: 'page';
  name: string;
  method: HttpMethod;
  /** Templates (`{name}`) all through, filled from the row or a capture. */
  path: string;
  body?: { type: 'json' | 'form'; value: JsonValue };
  headers: [string, string][];
  expect: number[];
  checks: BodyCheck[];
  followRedirects: boolean;
  captures: Capture[];
}

export type StepPlan = PagePlan | ThinkStep;

export interface JourneyPlan {
  name: string;
  functionName: string;
  datasetVariable: string;
  /** The dataset's columns: a template name that is not one is a capture. */
  columns: readonly string[];
  steps: StepPlan[];
}

/** Everything the emitter needs, decided; emitting is then mechanical. */
export interface K6ScriptPlan {
  scenarioName: string;
  description: string;
  sourceFile: string;
  datasets: { name: string; variable: string; rowType: string; file: string; columns: readonly string[] }[];
  options: { scenarios: Record<string, K6Executor>; thresholds: Record<string, Threshold[]> };
  journeys: JourneyPlan[];
  /** The k6 scenarios that are plateaus of a stepped load (absent or empty otherwise): which step, and whether it is the step's warm-up. */
  plateaus?: Record<string, { step: number; warmup: boolean }>;
  /**
   * Pages whose status check is counted from k6's `http_req_failed` samples
   * rather than run as a `check()` per request: page → the check's name
   * (see statusChecksFromFailures).
   */
  statusChecks: Record<string, string>;
}

export const datasetVariable = (name: string) => `data_${name}`;
export const journeyFunction = (name: string) => `journey_${name}`;
export const datasetFile = (name: string) => `${name}.json`;
export const rowType = (name: string) => `${name.charAt(0).toUpperCase()}${name.slice(1)}Row`;

/** Natural length of a load shape, in seconds. */
export function shapeSeconds(load: LoadShape): number {
  switch (load.kind) {
    case 'spike':
      return parseDuration(load.rampUp) + parseDuration(load.hold) + parseDuration(load.rampDown);
    case 'steady':
    case 'soak':
    case 'breakpoint':
    case 'vus':
      return parseDuration(load.duration);
    case 'ramping-vus':
      return load.stages.reduce((sum, stage) => sum + parseDuration(stage.duration), 0);
    case 'stepped':
      return load.steps * (warmupSeconds(load) + parseDuration(load.hold));
  }
}

interface Scaling {
  time: number;
  rate: number;
  /** Default `maxVUs` of an arrival-rate journey stop here (its share of the VU ceiling); none when absent. */
  vuShare?: number;
  /** The journey's expected seconds per pass (`expectedJourneySeconds`), which sizes its VUs; 1 when absent. */
  journeySeconds?: number;
}

const scaledDuration = (text: string, scaling: Scaling) => formatDuration(Math.max(0.001, parseDuration(text) * scaling.time));
const scaledRate = (rate: number, scaling: Scaling) => Math.max(0, Math.round(rate * scaling.rate * 1000) / 1000);
const scaledCount = (count: number, scaling: Scaling) => Math.max(1, Math.round(count * scaling.rate));

const TIME_UNITS: [string, number][] = [['1s', 1], ['1m', 60]];

/**
 * k6 takes arrival rates as integers per `timeUnit`: per second when every
 * rate is whole, else per minute (0.5/s → 30 per 1m), rounded to the nearest
 * whole arrival per minute.
 */
export function integerRates(ratesPerSecond: readonly number[]): { timeUnit: string; perUnit: (rate: number) => number } {
  const whole = (x: number) => Math.abs(x - Math.round(x)) < 1e-9;
  const [timeUnit, seconds] = TIME_UNITS.find(([, factor]) => ratesPerSecond.every((rate) => whole(rate * factor))) ?? TIME_UNITS[TIME_UNITS.length - 1]!;
  return { timeUnit, perUnit: (rate) => (rate > 0 ? Math.max(1, Math.round(rate * seconds)) : 0) };
}

/**
 * Seconds a page request is allowed when sizing VUs: a login that hashes a
 * password on a busy 2-core machine takes a few hundred milliseconds.
 */
const REQUEST_ALLOWANCE_SECONDS = 0.5;
/** VUs held beyond the expected concurrency: arrivals bunch, and responses slow down under load. */
const VU_MARGIN = 1.5;

/** How long one pass of a journey is expected to take: its mean think times plus an allowance per request. */
export function expectedJourneySeconds(journey: Journey): number {
  return journey.steps.reduce((sum, step) => {
    if (step.kind === 'page') return sum + REQUEST_ALLOWANCE_SECONDS;
    return sum + (typeof step.seconds === 'number' ? step.seconds : (step.seconds[0] + step.seconds[1]) / 2);
  }, 0);
}

/**
 * Arrival-rate executors need VUs ready: each arrival holds a VU for the
 * whole journey, think times included, so at the peak about peak × journey
 * seconds are busy at once. Those (with a margin) are allocated up front,
 * within the journey's share of the VU ceiling but never below one second
 * of the peak: k6 starting VUs mid-test is slow on a small machine and drops
 * arrivals meanwhile. The default `maxVUs` allows twice that (at least ten
 * seconds of the peak), within the share, so slow responses show as latency,
 * not as dropped iterations. A scenario's own `maxVUs` caps both.
 */
function arrivalVUs(peak: number, maxVUs: number | undefined, scaling: Scaling) {
  const share = scaling.vuShare ?? Number.POSITIVE_INFINITY;
  const busy = Math.ceil(peak * Math.max(1, scaling.journeySeconds ?? 1) * VU_MARGIN);
  const wanted = Math.max(2, Math.ceil(peak), Math.min(busy, share));
  const preAllocatedVUs = maxVUs === undefined ? wanted : Math.min(wanted, maxVUs);
  return { preAllocatedVUs, maxVUs: maxVUs ?? Math.max(preAllocatedVUs, Math.min(share, Math.max(20, Math.ceil(peak * 10), busy * 2))) };
}

/** One journey's load as k6 scenarios: one for most shapes, two per plateau (warm-up, then measured) for a stepped load. */
export function planJourneyScenarios(name: string, journey: Journey, scaling: Scaling): PlannedK6Scenario[] {
  const exec = journeyFunction(name);
  const sized: Scaling = { ...scaling, journeySeconds: expectedJourneySeconds(journey) };
  if (journey.load.kind === 'stepped') return planSteppedScenarios(name, journey.load, exec, sized);
  return [{ name, journey: name, step: null, warmup: false, executor: planExecutor(journey.load, exec, sized) }];
}

/** A k6 scenario name for plateau `step` (0-based): `parents_s03`, its warm-up `parents_s03_warmup`. */
export const stepScenarioName = (journey: string, step: number, warmup: boolean) => `${journey}_s${String(step + 1).padStart(2, '0')}${warmup ? '_warmup' : ''}`;

/**
 * A stepped load as k6 scenarios, one after the other (`startTime`): per
 * plateau a warm-up, then the measured plateau, both constant-arrival-rate
 * at the plateau's rate, so every sample's `scenario` tag says which
 * plateau it belongs to and whether it is warm-up. A plateau's unfinished
 * iterations get as long as the next warm-up to end (`gracefulStop`), so
 * they never reach into the next measured plateau; the last one is cut off
 * as soon. At most two scenarios overlap, so each may use half the
 * journey's share of VUs.
 */
function planSteppedScenarios(journey: string, load: SteppedShape, exec: string, scaling: Scaling): PlannedK6Scenario[] {
  const rates = stepRates(load).map((rate) => scaledRate(rate, scaling));
  const { timeUnit, perUnit } = integerRates(rates);
  const warmup = warmupSeconds(load) * scaling.time;
  const hold = parseDuration(load.hold) * scaling.time;
  const halfShare: Scaling = scaling.vuShare === undefined ? scaling : { ...scaling, vuShare: Math.max(1, Math.floor(scaling.vuShare / 2)) };
  const executor = (rate: number, startSeconds: number, seconds: number): K6Executor => ({
    executor: 'constant-arrival-rate',
    exec,
    rate: perUnit(rate),
    timeUnit,
    duration: formatDuration(seconds),
    startTime: formatDuration(startSeconds),
    gracefulStop: formatDuration(warmup),
    ...arrivalVUs(rate, load.maxVUs, halfShare),
  });
  return rates.flatMap((rate, step) => {
    const start = step * (warmup + hold);
    const measured = { name: stepScenarioName(journey, step, false), journey, step, warmup: false, executor: executor(rate, start + warmup, hold) };
    if (warmup === 0) return [measured];
    return [{ name: stepScenarioName(journey, step, true), journey, step, warmup: true, executor: executor(rate, start, warmup) }, measured];
  });
}

export function planExecutor(load: Exclude<LoadShape, { kind: 'stepped' }>, exec: string, scaling: Scaling): K6Executor {
  switch (load.kind) {
    case 'spike': {
      const [from, peak] = [scaledRate(load.from, scaling), scaledRate(load.peak, scaling)];
      const { timeUnit, perUnit } = integerRates([from, peak]);
      return {
        executor: 'ramping-arrival-rate',
        exec,
        startRate: perUnit(from),
        timeUnit,
        ...arrivalVUs(peak, load.maxVUs, scaling),
        stages: [
          { duration: scaledDuration(load.rampUp, scaling), target: perUnit(peak) },
          { duration: scaledDuration(load.hold, scaling), target: perUnit(peak) },
          { duration: scaledDuration(load.rampDown, scaling), target: 0 },
        ],
      };
    }
    case 'steady':
    case 'soak': {
      const rate = scaledRate(load.rate, scaling);
      const { timeUnit, perUnit } = integerRates([rate]);
      return {
        executor: 'constant-arrival-rate',
        exec,
        rate: perUnit(rate),
        timeUnit,
        duration: scaledDuration(load.duration, scaling),
        ...arrivalVUs(rate, load.maxVUs, scaling),
      };
    }
    case 'breakpoint': {
      const [from, to] = [scaledRate(load.from, scaling), scaledRate(load.to, scaling)];
      const { timeUnit, perUnit } = integerRates([from, to]);
      return {
        executor: 'ramping-arrival-rate',
        exec,
        startRate: perUnit(from),
        timeUnit,
        ...arrivalVUs(to, load.maxVUs, scaling),
        stages: [{ duration: scaledDuration(load.duration, scaling), target: perUnit(to) }],
      };
    }
    case 'vus':
      return { executor: 'constant-vus', exec, vus: scaledCount(load.vus, scaling), duration: scaledDuration(load.duration, scaling) };
    case 'ramping-vus':
      return {
        executor: 'ramping-vus',
        exec,
        startVUs: load.startVUs === 0 ? 0 : scaledCount(load.startVUs, scaling),
        stages: load.stages.map((stage) => ({ duration: scaledDuration(stage.duration, scaling), target: stage.target === 0 ? 0 : scaledCount(stage.target, scaling) })),
      };
  }
}

function budgetThresholds(budget: Budget, filter: string, abort: boolean): [string, Threshold[]][] {
  const wrap = (threshold: string): Threshold => (abort ? { threshold, abortOnFail: true, delayAbortEval: '5s' } : threshold);
  const duration: Threshold[] = [];
  if (budget.p95Ms !== undefined) duration.push(wrap(`p(95)<${budget.p95Ms}`));
  if (budget.p99Ms !== undefined) duration.push(wrap(`p(99)<${budget.p99Ms}`));
  const entries: [string, Threshold[]][] = [];
  if (duration.length > 0) entries.push([`http_req_duration${filter}`, duration]);
  if (budget.errorRate !== undefined) entries.push([`http_req_failed${filter}`, [wrap(`rate<=${budget.errorRate}`)]]);
  return entries;
}

/**
 * Budgets become k6 thresholds on the page tags; a breakpoint run aborts at
 * the first broken one. A stepped load gets none: it is meant to go past its
 * budgets, which are judged per plateau afterwards (capacity), not over the
 * whole run.
 */
export function planThresholds(scenario: Scenario): Record<string, Threshold[]> {
  if (Object.values(scenario.journeys).some((journey) => journey.load.kind === 'stepped')) return {};
  const abort = Object.values(scenario.journeys).some((journey) => journey.load.kind === 'breakpoint');
  const entries = [
    ...budgetThresholds(scenario.budgets?.overall ?? {}, '', abort),
    ...Object.entries(scenario.budgets?.pages ?? {}).flatMap(([page, budget]) => budgetThresholds(budget, `{page:${page}}`, abort)),
  ];
  return Object.fromEntries(entries);
}

export function planSteps(journey: Journey): StepPlan[] {
  return journey.steps.map((step, index): StepPlan => {
    if (step.kind === 'think') return step;
    const page: PagePlan = {
      kind: 'page',
      name: step.name,
      method: step.method,
      path: step.path,
      headers: stepHeaders(journey, index),
      expect: step.expect,
      checks: step.checks,
      followRedirects: step.followRedirects,
      captures: pageCaptures(step.capture),
    };
    if (step.body !== undefined) page.body = { type: step.bodyType, value: step.body };
    return page;
  });
}

/** `Home: status 200 or 302`: a page's status check, however it is counted. */
export function statusCheckName(step: Pick<PagePlan, 'name' | 'expect'>): string {
  return `${step.name}: status ${step.expect.join(' or ')}`;
}

/**
 * The pages whose status check needs no `check()` in the script: a request
 * k6 counts as failed (`http_req_failed`, through the page's
 * `responseCallback` of expected statuses) is exactly one whose status check
 * fails, so the check's passes and fails are the page's requests and
 * errors. A `check()` per request cost k6 17–30 µs of CPU flat out
 * (docs/BENCHMARKS.md, the script's overhead). Left to the script: a page
 * that follows redirects (k6 counts each hop as a request, the check once
 * per call), and a page name used by steps that expect different statuses
 * (the name tag cannot tell their requests apart).
 */
export function statusChecksFromFailures(journeys: readonly { steps: readonly StepPlan[] }[]): Record<string, string> {
  const pages = journeys.flatMap((journey) => journey.steps.filter((step): step is PagePlan => step.kind === 'page'));
  const derived: Record<string, string> = {};
  for (const name of new Set(pages.map((step) => step.name))) {
    const steps = pages.filter((step) => step.name === name);
    const names = new Set(steps.map(statusCheckName));
    if (names.size === 1 && steps.every((step) => !step.followRedirects)) derived[name] = [...names][0]!;
  }
  return derived;
}

export function planScript(scenario: Scenario, sourceFile: string, options: BuildOptions = {}): K6ScriptPlan {
  const journeys = Object.entries(scenario.journeys);
  const natural = Math.max(...journeys.map(([, journey]) => shapeSeconds(journey.load)));
  const ceiling = options.vuCeiling ?? machineVuCeiling(os.totalmem());
  const scaling: Scaling = {
    time: options.durationSeconds !== undefined ? options.durationSeconds / natural : 1,
    rate: options.rateScale ?? 1,
    vuShare: Math.max(1, Math.floor(ceiling.vus / journeys.length)),
  };
  const planned = journeys.flatMap(([name, journey]) => planJourneyScenarios(name, journey, scaling));
  assertLoadFits(planned, ceiling, sourceFile);
  const usedDatasets = [...new Set(journeys.map(([, journey]) => journey.data))];
  const journeyPlans = journeys.map(([name, journey]) => ({
    name,
    functionName: journeyFunction(name),
    datasetVariable: datasetVariable(journey.data),
    columns: scenario.data[journey.data]!.columns,
    steps: planSteps(journey),
  }));
  return {
    scenarioName: scenario.name,
    description: scenario.description,
    sourceFile,
    datasets: usedDatasets.map((name) => ({
      name,
      variable: datasetVariable(name),
      rowType: rowType(name),
      file: datasetFile(name),
      columns: scenario.data[name]!.columns,
    })),
    options: {
      scenarios: Object.fromEntries(planned.map((entry) => [entry.name, entry.executor])),
      thresholds: planThresholds(scenario),
    },
    plateaus: Object.fromEntries(planned.flatMap(({ name, step, warmup }) => (step === null ? [] : [[name, { step, warmup }]]))),
    journeys: journeyPlans,
    statusChecks: statusChecksFromFailures(journeyPlans),
  };
}

/** The VUs a planned executor allocates up front and may use at most. */
function executorVus(journey: string, executor: K6Executor): PlannedVus {
  const number = (value: unknown) => (typeof value === 'number' ? value : 0);
  const stages = Array.isArray(executor.stages) ? (executor.stages as { target: unknown }[]) : [];
  if (executor.executor.endsWith('arrival-rate')) return { journey, initial: number(executor.preAllocatedVUs), most: number(executor.maxVUs) };
  const most = Math.max(number(executor.vus), number(executor.startVUs), ...stages.map((stage) => number(stage.target)));
  return { journey, initial: most, most };
}

/**
 * The VUs of each journey. A stepped journey's scenarios run one after the
 * other, but k6 lets a plateau's last iterations finish (its gracefulStop)
 * while the next warm-up starts: at most two of them hold VUs at once.
 */
function journeyVus(planned: readonly PlannedK6Scenario[]): PlannedVus[] {
  const journeys = [...new Set(planned.map((entry) => entry.journey))];
  return journeys.map((journey) => {
    const own = planned.filter((entry) => entry.journey === journey).map((entry) => executorVus(journey, entry.executor));
    if (own.length === 1) return own[0]!;
    const overlapping = (pick: (vus: PlannedVus) => number) => Math.max(...own.slice(1).map((vus, index) => pick(vus) + pick(own[index]!)));
    return { journey, initial: overlapping((vus) => vus.initial), most: overlapping((vus) => vus.most) };
  });
}

/**
 * A plan k6 could not run safely is refused with the scenario file (exit 2)
 * before anything starts: more VUs than the machine holds, a number that is
 * not one (a zero-length shape stretched by --duration), a constant load
 * shorter than k6 accepts.
 */
function assertLoadFits(planned: readonly PlannedK6Scenario[], ceiling: VuCeiling, sourceFile: string): void {
  const journeys = planned.map((entry): [string, K6Executor] => [entry.journey, entry.executor]);
  const problems = [
    ...journeys.flatMap(([journey, executor]) =>
      JSON.stringify(executor, (_, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? 'NaN' : value)).includes('NaN')
        ? [{ path: `journeys.${journey}.load`, message: 'the planned load has a number that is not one (check the durations and --duration)' }]
        : [],
    ),
    ...journeys.flatMap(([journey, executor]) =>
      typeof executor.duration === 'string' && parseDuration(executor.duration) < K6_MIN_CONSTANT_SECONDS
        ? [{ path: `journeys.${journey}.load`, message: `lasts ${executor.duration} once stretched by --duration; k6 runs a constant load for at least ${K6_MIN_CONSTANT_SECONDS}s: give a longer --duration` }]
        : [],
    ),
    ...vuProblems(journeyVus(planned), ceiling, (journey) => `journeys.${journey}.load`),
  ];
  if (problems.length > 0) throw new ScenarioError(sourceFile, problems.map((problem) => `${sourceFile}: ${problem.path}: ${problem.message}`).join('\n'));
}
