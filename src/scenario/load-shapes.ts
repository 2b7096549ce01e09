import { parseDuration } from './duration.ts';

/**
 * Load shapes: readable parameters that map onto k6 executors. Rates are
 * journeys started per second (arrivals), as production traffic arrives.
 */
export interface SpikeShape {
  kind: 'spike';
  /** Arrivals per second before the spike. */
  from: number;
  /** Arrivals per second at the top. */
  peak: number;
  rampUp: string;
  hold: string;
  rampDown: string;
  maxVUs?: number;
}

export interface SteadyShape {
  kind: 'steady' | 'soak';
  rate: number;
  duration: string;
  maxVUs?: number;
}

export interface BreakpointShape {
  kind: 'breakpoint';
  from: number;
  /** The rate reached at the end if no budget breaks first. */
  to: number;
  duration: string;
  maxVUs?: number;
}

export interface VusShape {
  kind: 'vus';
  vus: number;
  duration: string;
}

export interface RampingVusShape {
  kind: 'ramping-vus';
  startVUs: number;
  stages: { duration: string; target: number }[];
}

/**
 * Plateaus of constant arrival rate, `steps` of them evenly from `from` to
 * `to`: each held for `warmup` (driven, left out of its statistics) and then
 * `hold` (measured). Capacity is read from the plateaus, not from a ramp.
 */
export interface SteppedShape {
  kind: 'stepped';
  /** Arrivals per second of the first plateau. */
  from: number;
  /** Arrivals per second of the last plateau. */
  to: number;
  /** How many plateaus (at least 2). */
  steps: number;
  /** How long each plateau is measured, after its warm-up. */
  hold: string;
  /** How long each plateau runs before it is measured (default: a quarter of `hold`, at most 10s). */
  warmup?: string;
  maxVUs?: number;
}

export type LoadShape = SpikeShape | SteadyShape | BreakpointShape | VusShape | RampingVusShape | SteppedShape;

/**
 * Arrivals rising from `from` to `peak` over `rampUp`, held, then falling:
 * the 4pm login rush (k6 ramping-arrival-rate).
 *
 * @example spike({ from: 1, peak: 200, rampUp: '1m', hold: '3m', rampDown: '30s' })
 */
export function spike(shape: Omit<SpikeShape, 'kind'>): SpikeShape {
  return { kind: 'spike', ...shape };
}

/** A constant arrival rate (k6 constant-arrival-rate). */
export function steady(shape: Omit<SteadyShape, 'kind'>): SteadyShape {
  return { kind: 'steady', ...shape };
}

/** A long constant arrival rate, to find leaks and slow drift (k6 constant-arrival-rate). */
export function soak(shape: Omit<SteadyShape, 'kind'>): SteadyShape {
  return { kind: 'soak', ...shape };
}

/**
 * Arrivals rising steadily until a budget breaks; the run aborts at the first
 * broken budget, so the rate reached is the capacity (k6 ramping-arrival-rate
 * with abortOnFail thresholds).
 */
export function breakpoint(shape: Omit<BreakpointShape, 'kind'>): BreakpointShape {
  return { kind: 'breakpoint', ...shape };
}

/**
 * Plateaus of constant arrival rate from `from` to `to`, each warmed up and
 * then held: what `rehearse capacity` runs to find the highest rate at which
 * every budget holds (one k6 constant-arrival-rate scenario per warm-up and
 * per plateau, so every sample says which plateau it belongs to).
 *
 * @example stepped({ from: 2, to: 60, steps: 8, hold: '30s', warmup: '5s' })
 */
export function stepped(shape: Omit<SteppedShape, 'kind'>): SteppedShape {
  return { kind: 'stepped', ...shape };
}

/** The most a default warm-up takes: long enough for pools, caches and VUs to settle at a new rate. */
const MAX_DEFAULT_WARMUP_SECONDS = 10;

/** A plateau's warm-up in seconds: as given, else a quarter of its hold, at most 10s. */
export function warmupSeconds(load: SteppedShape): number {
  if (load.warmup !== undefined) return parseDuration(load.warmup);
  return Math.min(MAX_DEFAULT_WARMUP_SECONDS, Math.round(parseDuration(load.hold) / 4));
}

/** The plateaus' arrival rates, evenly spaced from `from` to `to` (rounded to thousandths). */
export function stepRates(load: Pick<SteppedShape, 'from' | 'to' | 'steps'>): number[] {
  const gap = load.steps > 1 ? (load.to - load.from) / (load.steps - 1) : 0;
  return Array.from({ length: load.steps }, (_, index) => Math.round((load.from + gap * index) * 1000) / 1000);
}

/** A fixed number of looping users, where arrivals do not fit (k6 constant-vus). */
export function vus(shape: Omit<VusShape, 'kind'>): VusShape {
  return { kind: 'vus', ...shape };
}

/** Looping users ramped through stages (k6 ramping-vus). */
export function rampingVus(shape: Omit<RampingVusShape, 'kind'>): RampingVusShape {
  return { kind: 'ramping-vus', ...shape };
}

/** A problem with a journey's load, found before anything starts: `path` is where. */
export interface LoadProblem {
  path: string;
  message: string;
}

/** The durations of a shape that must not be zero on their own, and the shape's total. */
function durationsOf(load: LoadShape): { single: Array<[string, string]>; total: string[] } {
  switch (load.kind) {
    case 'spike':
      return { single: [], total: [load.rampUp, load.hold, load.rampDown] };
    case 'steady':
    case 'soak':
    case 'vus':
      return { single: [['duration', load.duration]], total: [load.duration] };
    case 'breakpoint':
      return { single: [], total: [load.duration] };
    case 'ramping-vus':
      return { single: [], total: load.stages.map((stage) => stage.duration) };
    case 'stepped':
      return { single: [['hold', load.hold]], total: [load.hold] };
  }
}

/** k6 runs a constant rate or a constant number of VUs for at least this long (seconds). */
export const K6_MIN_CONSTANT_SECONDS = 1;

/**
 * A load that would run for no time at all: a zero `duration`, a spike or
 * stages that add up to zero; and a constant load shorter than k6 accepts.
 * k6 would get 1ms (or NaN once stretched with `--duration`) and refuse it
 * once the database and the app are up, so it is refused with the scenario.
 */
export function loadShapeProblems(load: LoadShape, at: string): LoadProblem[] {
  const { single, total } = durationsOf(load);
  const zero = single
    .filter(([, text]) => parseDuration(text) < K6_MIN_CONSTANT_SECONDS)
    .map(([field, text]) => ({ path: `${at}.${field}`, message: `expected a duration of at least ${K6_MIN_CONSTANT_SECONDS}s (k6's shortest constant load), got ${JSON.stringify(text)}` }));
  if (zero.length > 0) return zero;
  if (total.reduce((sum, text) => sum + parseDuration(text), 0) > 0) return [];
  return [{ path: at, message: `expected a load that lasts longer than 0s, got ${total.map((text) => JSON.stringify(text)).join(' + ')}` }];
}

/**
 * k6 keeps every VU it may use in memory; small scripts like rehearse's
 * take about 3 MiB each (k6 maintainers' figure), so 4 MiB leaves room for
 * the test data. Half the machine's memory is for k6: the app and Postgres
 * under test share the rest.
 */
const MIB_PER_VU = 4;
/** Past this, one k6 process is the bottleneck anyway (k6's guide: 30,000–40,000 VUs per instance). */
const MAX_VUS_ONE_PROCESS = 40_000;

export interface VuCeiling {
  vus: number;
  /** Where the number comes from, said in messages: "from 23.5 GiB of memory" or "--max-vus". */
  source: string;
}

/** The most VUs one rehearsal may ask k6 for on a machine with `memoryBytes`. */
export function machineVuCeiling(memoryBytes: number): VuCeiling {
  const vus = Math.max(1, Math.min(MAX_VUS_ONE_PROCESS, Math.floor(memoryBytes / 2 / (MIB_PER_VU * 2 ** 20))));
  return { vus, source: `this machine's ceiling, from ${(memoryBytes / 2 ** 30).toFixed(1)} GiB of memory at ${MIB_PER_VU} MiB per VU for half of it` };
}

/** The VUs one planned k6 scenario starts with and may grow to. */
export interface PlannedVus {
  journey: string;
  /** VUs k6 allocates before the load starts. */
  initial: number;
  /** VUs it may use at most. */
  most: number;
}

/**
 * Refuses a plan whose VUs do not fit the ceiling: k6 would allocate them
 * all and run out of memory, taking the machine with it. `at(journey)` names
 * the journey's load in messages.
 */
export function vuProblems(planned: readonly PlannedVus[], ceiling: VuCeiling, at: (journey: string) => string): LoadProblem[] {
  const fix = 'lower the rate (or --rate-scale), or raise the ceiling with --max-vus / REHEARSE_MAX_VUS if the machine can take it';
  const over = planned.filter((entry) => entry.most > ceiling.vus || entry.initial > ceiling.vus);
  if (over.length > 0) {
    return over.map((entry) => ({
      path: at(entry.journey),
      message: `needs up to ${entry.most.toLocaleString('en-US')} VUs (${entry.initial.toLocaleString('en-US')} allocated up front), over the ${ceiling.vus.toLocaleString('en-US')} of ${ceiling.source}: ${fix}`,
    }));
  }
  const most = planned.reduce((sum, entry) => sum + entry.most, 0);
  if (most <= ceiling.vus) return [];
  return [{ path: 'journeys', message: `the journeys together may use ${most.toLocaleString('en-US')} VUs, over the ${ceiling.vus.toLocaleString('en-US')} of ${ceiling.source}: ${fix}` }];
}
