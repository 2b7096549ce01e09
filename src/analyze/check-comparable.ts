import { RunRecordError } from '../errors.ts';
import type { RunRecord } from '../run/run-record-schema.ts';

/**
 * Refuses comparisons that would mislead: runs of different scenarios (their
 * pages and load differ) or of different record schema versions, one run
 * given twice (on both sides, or twice as a repeat), a baseline that measured
 * nothing. A {@link RunRecordError}, exit 2.
 */
export function checkComparable(candidates: readonly RunRecord[], baselines: readonly RunRecord[]): void {
  const first = candidates[0];
  if (!first) throw new RunRecordError('(none)', 'No candidate run given: pass a run directory (reports/<run-id>) or its run.json.');
  refuseRepeatedRuns(candidates, baselines);
  refuseEmptyBaselines(baselines);
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

/** One run's identity: its id and start (ids written before they were unique could repeat). */
const runKey = (run: RunRecord) => `${run.id}@${run.startedAt}`;

function refuseRepeatedRuns(candidates: readonly RunRecord[], baselines: readonly RunRecord[]): void {
  const candidateKeys = new Set(candidates.map(runKey));
  const both = baselines.find((run) => candidateKeys.has(runKey(run)));
  if (both) {
    throw new RunRecordError(
      both.id,
      `Run ${both.id} is given as both the baseline and the candidate: a run compared with itself always passes. Compare two different runs (the baseline release's and the candidate's).`,
    );
  }
  for (const [role, runs] of [['candidate', candidates], ['baseline', baselines]] as const) {
    const seen = new Set<string>();
    for (const run of runs) {
      if (seen.has(runKey(run))) {
        throw new RunRecordError(run.id, `Run ${run.id} is given twice as a ${role}: repeats must be different runs of the same release, or they count one run's noise twice.`);
      }
      seen.add(runKey(run));
    }
  }
}

export function refuseEmptyBaselines(baselines: readonly RunRecord[]): void {
  const empty = baselines.find((run) => run.pages.length === 0);
  if (!empty) return;
  const why = empty.status === 'complete' ? 'it recorded no request' : `it is ${empty.status} (${empty.failure?.stage}: ${empty.failure?.message.split('\n')[0]})`;
  throw new RunRecordError(empty.id, `Baseline run ${empty.id} measured nothing to compare with: ${why}. Rehearse the baseline release again and compare with that run.`);
}
