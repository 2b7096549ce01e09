import type { PageVerdict } from '../analyze/timing-verdict.ts';
import type { RunStatus } from '../run/run-record-schema.ts';
import type { StopReason } from './judge-pair.ts';
import type { AbSide } from './pair-order.ts';

/** Bump on any change a reader of the previous ab.json would misread. */
export const AB_SUMMARY_SCHEMA_VERSION = 1;

/** One run of an A/B rehearsal, in the order it ran. */
export interface AbRun {
  side: AbSide;
  pair: number;
  id: string;
  /** The run's folder, relative to the A/B folder. */
  dir: string;
  status: RunStatus;
  /** Whether the comparison used it: a run that measured nothing (or was interrupted) is listed but not compared. */
  compared: boolean;
  /** Whether the timing verdicts used it: not when other work on the machine took CPU the rehearsal waited for (its counters still count). */
  timed: boolean;
}

export interface AbSideDescription {
  /** `--baseline-release` / `--release`; null when the side runs its config's app as it is. */
  release: string | null;
  /** The config file the side ran with. */
  config: string | null;
}

/** What `rehearse ab` did and decided: written as ab.json beside the comparison report. */
export interface AbSummary {
  schemaVersion: typeof AB_SUMMARY_SCHEMA_VERSION;
  id: string;
  scenario: string;
  baseline: AbSideDescription;
  candidate: AbSideDescription;
  maxRepeats: number;
  tolerance: number;
  strict: boolean;
  /** Both sides seeded one model (one template), or each its own (the models differ: counters per row then compare other data). */
  data: { scale: number; seed: number; model: 'shared' | 'each side its own' };
  runs: AbRun[];
  /** Pairs of compared runs (the fewer compared runs of the two sides). */
  pairs: number;
  /** Each page both sides measured, on every compared run. */
  verdicts: PageVerdict[];
  stop: { reason: StopReason; sentence: string };
  /** False when it was interrupted or a run failed before a verdict was reached: the comparison covers the runs so far. */
  complete: boolean;
  gate: { status: 'pass' | 'fail'; failures: string[] };
  /** Report files, relative to the A/B folder. */
  files: string[];
}
