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
 * without an interval (its capacity was bounded by the steps, not between
 * two of them) counts with its point value. null when either side has no
 * capacity (the first step already broke).
 */
export function capacityChange(baseline: CapacitySummary, candidate: CapacitySummary): CapacityChange | null {
  if (baseline.capacity === null || candidate.capacity === null || baseline.capacity <= 0) return null;
  const base = baseline.interval ?? { low: baseline.capacity, high: baseline.capacity };
  const cand = candidate.interval ?? { low: candidate.capacity, high: candidate.capacity };
  const change = candidate.capacity / baseline.capacity - 1;
  const bounded = base.low > 0;
  const low = bounded ? cand.low / base.high - 1 : null;
  const high = bounded ? cand.high / base.low - 1 : null;
  const range = low !== null && high !== null ? ` (95 %: ${signed(low)} to ${signed(high)})` : '';
  const atLeast = (summary: CapacitySummary) => (summary.bound === 'at-least' ? '≥ ' : '');
  return {
    baseline: baseline.capacity,
    candidate: candidate.capacity,
    change,
    low,
    high,
    sentence: `capacity ${atLeast(baseline)}${rate(baseline.capacity)} → ${atLeast(candidate)}${rate(candidate.capacity)} arrivals/s, ${signed(change)}${range}`,
  };
}

/** Fails when the whole interval of the change lies below −tolerance: capacity dropped beyond doubt. */
export function checkCapacityChange(change: CapacityChange, tolerance: number): Check {
  const upper = change.high ?? change.change;
  const failed = upper < -tolerance;
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
