import type { CapacityChange, CapacitySummary, Check } from './analysis.ts';
import { formatCount } from './format-number.ts';

const signed = (fraction: number) => `${fraction < 0 ? '−' : '+'}${Math.abs(Math.round(fraction * 100))} %`;
const rate = (value: number) => formatCount(Number(value.toFixed(1)));

/**
 * How capacity moved from a baseline capacity run to a candidate one. The
 * interval is conservative: the candidate's low end over the baseline's
 * high end, and the other way round, so it holds at least the confidence of
 * the two 95 % intervals it is built from (it is wider than a joint
 * interval would be, so a change it calls significant is one). A side
 * without an interval counts with its point value; a side whose every step
 * held (`at-least`) may be higher still, so the change's end on that side
 * is open: no upper end when the candidate held throughout, no lower end
 * when the baseline did. null when either side has no capacity (the first
 * step already broke).
 */
export function capacityChange(baseline: CapacitySummary, candidate: CapacitySummary): CapacityChange | null {
  if (baseline.capacity === null || candidate.capacity === null || baseline.capacity <= 0) return null;
  const base = baseline.interval ?? { low: baseline.capacity, high: baseline.capacity };
  const cand = candidate.interval ?? { low: candidate.capacity, high: candidate.capacity };
  const change = candidate.capacity / baseline.capacity - 1;
  const low = baseline.bound === 'at-least' ? null : cand.low / base.high - 1;
  const high = candidate.bound === 'at-least' ? null : cand.high / base.low - 1;
  const atLeast = (summary: CapacitySummary) => (summary.bound === 'at-least' ? '≥ ' : '');
  return {
    baseline: baseline.capacity,
    candidate: candidate.capacity,
    change,
    low,
    high,
    sentence: `capacity ${atLeast(baseline)}${rate(baseline.capacity)} → ${atLeast(candidate)}${rate(candidate.capacity)} arrivals/s, ${signed(change)}${rangeText(change, low, high)}`,
  };
}

/** "(95 %: −61 % to −48 %)", "(at least +200 %)", or nothing when both ends are open or the interval is a point. */
function rangeText(change: number, low: number | null, high: number | null): string {
  if (low !== null && high !== null) return signed(low) === signed(high) ? '' : ` (95 %: ${signed(low)} to ${signed(high)})`;
  if (low !== null) return ` (at least ${signed(Math.min(low, change))}: the candidate held every step)`;
  if (high !== null) return ` (at most ${signed(Math.max(high, change))}: the baseline held every step)`;
  return ' (both held every step: run higher steps to compare)';
}

/** Fails when the whole interval of the change lies below −tolerance: capacity dropped beyond doubt. */
export function checkCapacityChange(change: CapacityChange, tolerance: number): Check {
  // An open upper end (the candidate held every step) never proves a drop.
  const failed = change.high !== null && change.high < -tolerance;
  return {
    id: 'capacity-change:overall',
    kind: 'capacity-change',
    status: failed ? 'fail' : 'pass',
    page: null,
    queryId: null,
    fingerprint: null,
    sentence: failed ? `${change.sentence}: lower beyond the ${Math.round(tolerance * 100)} % tolerance` : `${change.sentence}, within the ${Math.round(tolerance * 100)} % tolerance or not beyond doubt`,
    measured: change.candidate,
    baseline: change.baseline,
    limit: change.baseline * (1 - tolerance),
    magnitude: -change.change,
  };
}

/** The capacity run's headroom as a check: below the expected peak fails; when the steps cannot tell, it warns. */
export function checkHeadroom(summary: CapacitySummary): Check {
  return {
    id: 'capacity-headroom:overall',
    kind: 'capacity-headroom',
    status: summary.verdict === 'fail' ? 'fail' : summary.verdict === 'unknown' ? 'warn' : 'pass',
    page: null,
    queryId: null,
    fingerprint: null,
    sentence: summary.sentence,
    measured: summary.headroom?.ratio ?? summary.capacity,
    baseline: null,
    limit: summary.expectedPeak === null ? null : 1,
    magnitude: summary.headroom ? 1 / Math.max(summary.headroom.ratio, 1e-9) : 0,
  };
}
