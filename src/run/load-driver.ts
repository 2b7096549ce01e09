import path from 'node:path';
import { runK6 } from '../k6/run-k6.ts';
import { readFailedThresholds } from '../k6/threshold-outcome.ts';
import type { K6Binary } from '../k6/locate-k6.ts';
import type { PhaseStart } from '../collect/collector.ts';
import type { LoadPhaseResult } from './run-record-schema.ts';

/** One phase of the load: a k6 script and where its raw samples go. */
export interface LoadPhase {
  name: string;
  script: string;
  /** k6's raw samples (`--out csv=…`). */
  rawFile: string;
  /** The script's `__ENV` (BASE_URL, REHEARSE_DATA_DIR …). */
  env: Record<string, string>;
}

export interface LoadHooks {
  /** Ends the load early: the phase under way is stopped and no further phase starts. */
  signal: AbortSignal;
  onPhase(phase: PhaseStart): void;
  /** The load generator's own output, as it comes. */
  onOutput?: (chunk: string) => void;
}

export interface DrivenLoad {
  /** Every phase that started, in order. */
  phases: LoadPhaseResult[];
  /** Why the generator stopped early (not a threshold: k6's exit 99 is a result). */
  failure?: Error;
}

/** Drives an ordered list of phases and says how each ended; it never throws. */
export interface LoadDriver {
  readonly kind: LoadDriverKind;
  run(phases: readonly LoadPhase[], hooks: LoadHooks): Promise<DrivenLoad>;
}

export type LoadDriverKind = 'local-k6';

/** One k6 process on this machine per phase, one after the other. */
export function localK6Driver(k6: K6Binary): LoadDriver {
  return {
    kind: 'local-k6',
    async run(phases, hooks) {
      const results: LoadPhaseResult[] = [];
      for (const phase of phases) {
        if (hooks.signal.aborted) break;
        const startedAt = Date.now();
        hooks.onPhase({ name: phase.name, startedAt });
        const running: LoadPhaseResult = { name: phase.name, startedAt, finishedAt: null, exitCode: null, thresholdsFailed: false };
        results.push(running);
        // k6's verdict per threshold, so the report can say which budget k6 found broken.
        const summary = path.join(path.dirname(phase.rawFile), `k6-summary-${phase.name}.json`);
        try {
          const outcome = await runK6(k6, {
            script: phase.script,
            args: ['--out', `csv=${phase.rawFile}`, `--summary-export=${summary}`],
            env: phase.env,
            signal: hooks.signal,
            onOutput: hooks.onOutput,
          });
          const failedThresholds = await readFailedThresholds(summary);
          Object.assign(running, { finishedAt: Date.now(), exitCode: outcome.exitCode, thresholdsFailed: outcome.thresholdsFailed, ...(failedThresholds ? { failedThresholds } : {}) });
        } catch (error) {
          return { phases: results, failure: error instanceof Error ? error : new Error(String(error)) };
        }
      }
      return { phases: results };
    },
  };
}

/** The driver for a kind; a kind without a driver fails to compile. */
export function createLoadDriver(kind: LoadDriverKind, k6: K6Binary): LoadDriver {
  switch (kind) {
    case 'local-k6':
      return localK6Driver(k6);
    default:
      return exhaustive(kind);
  }
}

function exhaustive(value: never): never {
  throw new Error(`no load driver for ${String(value)}`);
}
