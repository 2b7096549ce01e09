import path from 'node:path';
import { planExecutionSegments } from '../k6/execution-segments.ts';
import { controlRunner, THIS_MACHINE, type RunnerHost } from '../k6/runner-host.ts';
import { runK6 } from '../k6/run-k6.ts';
import { readFailedThresholds } from '../k6/threshold-outcome.ts';
import type { K6Binary } from '../k6/locate-k6.ts';
import type { PhaseStart } from '../collect/collector.ts';
import { findFreePort } from '../system/free-port.ts';
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

export interface LocalK6Options {
  /**
   * k6 processes per phase, each running one execution segment of the load
   * (default 1: one plain `k6 run`). Their samples go to one raw file each
   * (see runnerRawFile), read back into one aggregation.
   */
  runners?: number;
  /**
   * Where the runners run: runner i on `hosts[i % hosts.length]`, started
   * and released through that host's command prefix (default: all on this
   * machine). Given, the load is segmented even for one runner.
   */
  hosts?: readonly RunnerHost[];
}

type PhaseOutcome = Omit<LoadPhaseResult, 'name' | 'startedAt' | 'finishedAt'>;

/** One k6 on this machine per phase (or `runners` segmented ones started together), phase after phase. */
export function localK6Driver(k6: K6Binary, options: LocalK6Options = {}): LoadDriver {
  const runners = options.runners ?? 1;
  const hosts = options.hosts?.length ? options.hosts : undefined;
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
        try {
          const outcome = runners === 1 && !hosts ? await runOneK6(k6, phase, hooks) : await runSegmentedK6(k6, phase, runners, hosts ?? [THIS_MACHINE], hooks);
          Object.assign(running, { finishedAt: Date.now(), ...outcome });
        } catch (error) {
          return { phases: results, failure: error instanceof Error ? error : new Error(String(error)) };
        }
      }
      return { phases: results };
    },
  };
}

async function runOneK6(k6: K6Binary, phase: LoadPhase, hooks: LoadHooks): Promise<PhaseOutcome> {
  // k6's verdict per threshold, so the report can say which budget k6 found broken.
  const summary = path.join(path.dirname(phase.rawFile), `k6-summary-${phase.name}.json`);
  const outcome = await runK6(k6, {
    script: phase.script,
    args: ['--out', `csv=${phase.rawFile}`, `--summary-export=${summary}`],
    env: phase.env,
    signal: hooks.signal,
    onOutput: hooks.onOutput,
  });
  const failedThresholds = await readFailedThresholds(summary);
  return { exitCode: outcome.exitCode, thresholdsFailed: outcome.thresholdsFailed, ...(failedThresholds ? { failedThresholds } : {}) };
}

/** Runner `index`'s raw file beside the phase's: `k6-samples.csv.gz` → `k6-samples.runner-1.csv.gz`. */
export function runnerRawFile(rawFile: string, index: number): string {
  const base = path.basename(rawFile);
  const dot = base.indexOf('.');
  const name = dot === -1 ? `${base}.runner-${index + 1}` : `${base.slice(0, dot)}.runner-${index + 1}${base.slice(dot)}`;
  return path.join(path.dirname(rawFile), name);
}

/**
 * N k6 processes, each one segment of the load, started `--paused` with
 * their own REST API and resumed together once every one has initialised its
 * VUs, so no runner's load starts while another is still starting up.
 * Thresholds are off (`--no-thresholds`): a runner's verdict on its share of
 * the samples is not the load's; budgets are judged on the merged record.
 * The first runner's output is shown; a failing runner's own tail is in its
 * error. One runner failing stops the others.
 */
async function runSegmentedK6(k6: K6Binary, phase: LoadPhase, count: number, hosts: readonly RunnerHost[], hooks: LoadHooks): Promise<PhaseOutcome> {
  const { sequence, segments } = planExecutionSegments(count);
  const stopRunners = new AbortController();
  const signal = AbortSignal.any([hooks.signal, stopRunners.signal]);
  // A port free here is free on a fresh namespace's loopback too; on another machine, pick hosts where it is.
  const runners = await Promise.all(
    segments.map(async (segment, index) => ({ segment, host: hosts[index % hosts.length]!, rawFile: runnerRawFile(phase.rawFile, index), address: `127.0.0.1:${await findFreePort()}` })),
  );
  const exits = runners.map((runner, index) =>
    runK6(k6, {
      script: phase.script,
      args: ['--paused', '--address', runner.address, '--execution-segment', runner.segment, '--execution-segment-sequence', sequence, '--no-thresholds', '--out', `csv=${runner.rawFile}`],
      env: phase.env,
      host: runner.host,
      signal,
      ...(index === 0 && hooks.onOutput ? { onOutput: hooks.onOutput } : {}),
    }),
  );
  // A runner that fails (or exits) before the others are released ends the wait for it.
  // The runner that failed first is the one to report, not the others dying of the stop it (or a
  // failed release) caused.
  let firstFailed: unknown;
  let stopping = false;
  for (const exit of exits) {
    exit.then(
      () => undefined,
      (error: unknown) => {
        if (!stopping) firstFailed ??= error;
        stopRunners.abort('a runner failed');
      },
    );
  }
  const controls = runners.map((runner) => controlRunner(runner.host, runner.address, signal));
  try {
    await Promise.all(controls.map((control) => control.paused));
    await Promise.all(controls.map((control) => control.resume()));
  } catch (error) {
    stopping = true;
    stopRunners.abort('the runners could not be released together');
    await Promise.allSettled(exits);
    throw firstFailed ?? error;
  } finally {
    for (const control of controls) control.stop();
  }
  const settled = await Promise.allSettled(exits);
  const failure = firstFailed ?? firstFailure(settled);
  if (failure) throw failure;
  const exitCodes = settled.map((result) => (result.status === 'fulfilled' ? result.value.exitCode : null));
  return {
    exitCode: Math.max(...exitCodes.map((code) => code ?? 0)),
    thresholdsFailed: false,
    segmentSequence: sequence,
    runners: runners.map((runner, index) => ({
      segment: runner.segment,
      rawFile: path.basename(runner.rawFile),
      exitCode: exitCodes[index] ?? null,
      ...(runner.host === THIS_MACHINE ? {} : { host: runner.host.name }),
    })),
  };
}

function firstFailure(settled: readonly PromiseSettledResult<unknown>[]): unknown {
  return settled.find((result): result is PromiseRejectedResult => result.status === 'rejected')?.reason;
}

/** The driver for a kind; a kind without a driver fails to compile. */
export function createLoadDriver(kind: LoadDriverKind, k6: K6Binary, options: LocalK6Options = {}): LoadDriver {
  switch (kind) {
    case 'local-k6':
      return localK6Driver(k6, options);
    default:
      return exhaustive(kind);
  }
}

function exhaustive(value: never): never {
  throw new Error(`no load driver for ${String(value)}`);
}
