import type { Collector, CollectorContext } from '../collect/collector.ts';
import type { Queryable } from '../db/queryable.ts';
import { InterruptedError, whenAborted } from '../system/abort.ts';
import type { LoadDriver, LoadPhase } from './load-driver.ts';
import { watchDatabase } from './database-watchdog.ts';
import type { RunRecord } from './run-record-schema.ts';
import { StageFailure, type StageLog } from './stages.ts';

export interface LoadInputs {
  /** Printed when the load starts. */
  line: string;
  driver: LoadDriver;
  phases: readonly LoadPhase[];
  collectors: readonly Collector[];
  context: CollectorContext;
  /** Resolves when the app under test exits (an app rehearse started). */
  appExited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The user's Ctrl-C. */
  signal: AbortSignal;
  stages: StageLog;
  onOutput?: (chunk: string) => void;
}

export interface LoadOutcome {
  /** The record's `phases`, `k6` and every collector's section. */
  patch: Partial<RunRecord>;
  /** Whether the load ran to its end (the `load` stage is ok). */
  completed: boolean;
}

/**
 * The `load` stage and one `collect <name>` stage per collector: every
 * collector started, the driver's phases run while the database and the app
 * are watched, every collector ended. The load ends early when the app
 * exits, the database stops answering or the user interrupts; collectors
 * then keep what they gathered (no final sample).
 */
export async function driveLoad(inputs: LoadInputs): Promise<LoadOutcome> {
  const started = await startCollectors(inputs);
  const stage = inputs.stages.begin('load', inputs.line);
  const stopLoad = new AbortController();
  let failure: Error | undefined;
  const end = (error: Error) => {
    failure ??= error;
    stopLoad.abort(error.message);
  };
  const stopWatching = watchLoad(inputs, inputs.context.admin, end);
  const driven = await inputs.driver.run(inputs.phases, {
    signal: stopLoad.signal,
    onPhase: (phase) => started.forEach((collector) => collector.onPhase?.(phase)),
    onOutput: inputs.onOutput,
  });
  stopWatching();
  // A generator killed because the load was ended is not the generator's failure.
  failure ??= driven.failure;
  if (failure) stage.fail(failure);
  else stage.ok();
  const patch: Partial<RunRecord> = { phases: driven.phases, k6: k6Summary(driven.phases) };
  for (const collector of started) {
    const section = await inputs.stages.run(`collect ${collector.name}`, `  collecting ${collector.name}`, () => collector.end({ final: !failure }), { evenIfInterrupted: true });
    Object.assign(patch, section);
  }
  return { patch, completed: !failure };
}

async function startCollectors(inputs: LoadInputs): Promise<Collector[]> {
  const started: Collector[] = [];
  for (const collector of inputs.collectors) {
    try {
      await collector.start(inputs.context);
      started.push(collector);
    } catch (error) {
      inputs.stages.fail(`collect ${collector.name}`, error);
    }
  }
  return started;
}

/** Ends the load when the database stops answering, the app exits or the user interrupts. */
function watchLoad(inputs: LoadInputs, admin: Queryable, end: (error: Error) => void): () => void {
  let watching = true;
  const watchdog = watchDatabase(admin, (reason) => end(new StageFailure('database', `the database stopped answering during the load: ${reason}`)));
  void inputs.appExited?.then(({ code, signal }) => watching && end(new StageFailure('app', `the app exited during the load (${code ?? signal})`)));
  const stopListening = whenAborted(inputs.signal, () => end(new InterruptedError(String(inputs.signal.reason ?? 'interrupted'))));
  return () => {
    watching = false;
    stopListening();
    watchdog.stop();
  };
}

/** The record's one-line k6 outcome: the last phase's exit code, thresholds failed in any phase. */
function k6Summary(phases: RunRecord['phases']): RunRecord['k6'] {
  const reported = phases.filter((phase) => phase.failedThresholds !== undefined);
  const failedThresholds = reported.flatMap((phase) => phase.failedThresholds!);
  return { exitCode: phases.at(-1)?.exitCode ?? null, thresholdsFailed: phases.some((phase) => phase.thresholdsFailed), ...(reported.length > 0 ? { failedThresholds } : {}) };
}
