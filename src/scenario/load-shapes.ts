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

export type LoadShape = SpikeShape | SteadyShape | BreakpointShape | VusShape | RampingVusShape;

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

/** A fixed number of looping users, where arrivals do not fit (k6 constant-vus). */
export function vus(shape: Omit<VusShape, 'kind'>): VusShape {
  return { kind: 'vus', ...shape };
}

/** Looping users ramped through stages (k6 ramping-vus). */
export function rampingVus(shape: Omit<RampingVusShape, 'kind'>): RampingVusShape {
  return { kind: 'ramping-vus', ...shape };
}
