import { isStepped } from '../analyze/capacity-steps.ts';
import { assessDelivery } from '../analyze/load-delivery.ts';
import { DEFAULT_THRESHOLDS } from '../analyze/thresholds.ts';
import type { RunRecord } from './run-record.ts';

/** Whether the planned load was driven to its end: only then is there something to report on. */
export function loadDriven(record: RunRecord): boolean {
  return record.stages.some((stage) => stage.name === 'load' && stage.status === 'ok');
}

/**
 * 0 passed · 1 a k6 threshold (budget) failed, k6 could not keep up with the
 * planned load (dropped arrivals, out of CPU), or a stage after the load did
 * not do its work (the report says which) · 3 the load was not driven (a
 * database, the app or k6 did not start or died) · 130 interrupted.
 */
export function runExitCode(record: RunRecord): number {
  if (record.status === 'interrupted') return 130;
  if (!loadDriven(record)) return 3;
  if (record.status === 'incomplete') return 1;
  // A capacity run climbs until the load is not delivered: its plateaus are judged one by one in the report.
  if (!isStepped(record) && assessDelivery(record, 'candidate', DEFAULT_THRESHOLDS.loadDelivery)?.delivered === false) return 1;
  return record.k6.thresholdsFailed ? 1 : 0;
}
