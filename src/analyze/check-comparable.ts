import { RunRecordError } from '../errors.ts';
import type { RunRecord } from '../run/run-record-schema.ts';

/**
 * Refuses comparisons that would mislead: runs of different scenarios (their
 * pages and load differ) or of different record schema versions, on either
 * side. A {@link RunRecordError}, exit 2.
 */
export function checkComparable(candidates: readonly RunRecord[], baselines: readonly RunRecord[]): void {
  const first = candidates[0];
  if (!first) throw new RunRecordError('(none)', 'No candidate run given: pass a run directory (reports/<run-id>) or its run.json.');
  for (const run of [...candidates.slice(1), ...baselines]) {
    if (run.schemaVersion !== first.schemaVersion) {
      throw new RunRecordError(
        run.id,
        `Run ${run.id} has run record schemaVersion ${run.schemaVersion} but ${first.id} has ${first.schemaVersion}: incompatible records cannot be compared; rerun both with the same rehearse version.`,
        { schemaVersion: run.schemaVersion, expected: first.schemaVersion },
      );
    }
    if (run.context.scenario.name !== first.context.scenario.name) {
      const role = baselines.includes(run) ? 'Baseline' : 'Candidate';
      throw new RunRecordError(
        run.id,
        `${role} run ${run.id} is from scenario "${run.context.scenario.name}", but candidate ${first.id} is from scenario "${first.context.scenario.name}": a baseline must be a run of the same scenario.`,
        { scenario: run.context.scenario.name, expected: first.context.scenario.name },
      );
    }
  }
}
