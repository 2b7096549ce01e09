import { RehearseError } from '../errors.ts';
import { InterruptedError } from '../system/abort.ts';
import type { RunRecord, Stage } from './run-record-schema.ts';

/**
 * The stages of one run, in order, with what became of each. A stage that
 * throws is recorded as failed and the run goes on to whatever does not need
 * it; the first failure (or the interruption) becomes the record's
 * `failure`, so a run is `complete` only when every stage was.
 */
export class StageLog {
  private readonly entries: Stage[] = [];
  private firstFailure: { stage: string; message: string; interrupted: boolean } | undefined;

  /** `planned`: the stages a run goes through; those never reached are `not-run` in the outcome. */
  constructor(
    private readonly planned: readonly string[],
    private readonly signal: AbortSignal,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Runs `work` as stage `name`, after printing `line`. Returns its result,
   * or undefined when it failed or the run was interrupted before it began
   * (recorded as `not-run`). `evenIfInterrupted` stages (reading what is
   * already there) still run after a Ctrl-C.
   */
  async run<T>(name: string, line: string, work: () => Promise<T>, options: { evenIfInterrupted?: boolean } = {}): Promise<T | undefined> {
    if (this.signal.aborted && !options.evenIfInterrupted) {
      this.notRun(name);
      return undefined;
    }
    const stage = this.begin(name, line);
    try {
      const result = await work();
      stage.ok();
      return result;
    } catch (error) {
      stage.fail(error);
      return undefined;
    }
  }

  /** Starts stage `name` for work that says itself how it ended. */
  begin(name: string, line: string): StageInProgress {
    this.log(line);
    const startedAt = Date.now();
    return {
      ok: () => void this.entries.push({ name, status: 'ok', startedAt, finishedAt: Date.now(), message: null }),
      fail: (error) => this.fail(name, error, startedAt),
    };
  }

  /** Records a stage that ran but did not do its work. */
  fail(name: string, error: unknown, startedAt = Date.now()): void {
    const interrupted = this.signal.aborted && !(this.signal.reason instanceof Error);
    const message = interrupted ? `interrupted by ${String(this.signal.reason ?? 'the user')} during ${name}` : messageOf(error, this.signal);
    this.entries.push({ name, status: 'failed', startedAt, finishedAt: Date.now(), message });
    this.firstFailure ??= { stage: interrupted ? name : failureStageOf(name, error), message, interrupted };
    if (isBug(error, this.signal)) this.log(`unexpected error: ${(error as Error).stack ?? String(error)}`);
  }

  /** A stage with nothing to do, and why. */
  skip(name: string, reason: string): void {
    this.entries.push({ name, status: 'skipped', startedAt: null, finishedAt: null, message: reason });
  }

  /** A stage that did not start because of an earlier failure or an interruption. */
  notRun(name: string): void {
    const reason = this.firstFailure ? `not run: ${this.firstFailure.stage} failed` : 'not run: interrupted';
    this.entries.push({ name, status: 'not-run', startedAt: null, finishedAt: null, message: reason });
  }

  /** The record's status, failure and stages as they stand now; planned stages never reached are `not-run`. */
  outcome(): Pick<RunRecord, 'status' | 'failure' | 'stages'> {
    for (const name of this.planned) if (!this.entries.some((entry) => entry.name === name)) this.notRun(name);
    const stages = [...this.entries];
    if (this.signal.aborted && !(this.signal.reason instanceof Error)) {
      const stage = this.firstFailure?.interrupted ? this.firstFailure.stage : (stages.findLast((entry) => entry.status !== 'not-run')?.name ?? 'run');
      return { status: 'interrupted', failure: { stage, message: `interrupted by ${String(this.signal.reason ?? 'the user')} during ${stage}` }, stages };
    }
    if (this.firstFailure) return { status: 'incomplete', failure: { stage: this.firstFailure.stage, message: this.firstFailure.message }, stages };
    return { status: 'complete', failure: null, stages };
  }
}

export interface StageInProgress {
  ok(): void;
  fail(error: unknown): void;
}

/** The failure names what failed when a stage failed because of something else (the load, because the app died). */
function failureStageOf(stage: string, error: unknown): string {
  if (error instanceof StageFailure) return error.failedPart;
  return stage;
}

function messageOf(error: unknown, signal: AbortSignal): string {
  // An Error as the abort reason is a crash of rehearse itself, not the user.
  if (signal.reason instanceof Error) return signal.reason.message;
  return error instanceof Error ? error.message : String(error);
}

function isBug(error: unknown, signal: AbortSignal): boolean {
  return !(error instanceof RehearseError) && !(error instanceof InterruptedError) && !(error instanceof StageFailure) && !signal.aborted;
}

/**
 * A stage ended because a part it depends on failed: the load because the
 * app exited (`app`) or the database stopped answering (`database`).
 */
export class StageFailure extends Error {
  override name = 'StageFailure';
  constructor(
    readonly failedPart: string,
    message: string,
  ) {
    super(message);
  }
}
