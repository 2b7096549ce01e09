import type { RunRecord } from './run-record.ts';

/** 0 passed · 1 a k6 threshold (budget) failed · 3 the run did not finish · 130 interrupted. */
export function runExitCode(record: RunRecord): number {
  if (record.status === 'interrupted') return 130;
  if (record.status === 'incomplete') return 3;
  return record.k6.thresholdsFailed ? 1 : 0;
}
