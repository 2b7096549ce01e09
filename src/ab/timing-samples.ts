import type { SideSamples } from '../analyze/timing-verdict.ts';
import { secondP95s } from '../analyze/p95-ratio-interval.ts';
import type { RunRecord } from '../run/run-record-schema.ts';

/** One side's timing evidence for one page: each run's p95 (HDR, whole run) and its per-second p95s; runs without the page are left out. */
export function sideSamples(runs: readonly RunRecord[], page: string): SideSamples {
  return {
    runs: runs.flatMap((run) => {
      const result = run.pages.find((entry) => entry.page === page);
      return result ? [{ p95: result.latencyMs.p95, secondP95s: secondP95s(run, page) }] : [];
    }),
  };
}
