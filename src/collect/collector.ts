import type pg from 'pg';
import type { Queryable } from '../db/queryable.ts';
import type { RunRecord } from '../run/run-record-schema.ts';

/** What every collector may read while the load runs. */
export interface CollectorContext {
  /** Any connection to the server (RunningDatabase.admin); its own backend is never counted. */
  admin: Queryable;
  /** The run's database (the template's fresh clone). */
  database: string;
  /** How to open a connection of one's own to the run's database (EXPLAIN, long reads). */
  connection: pg.ClientConfig;
  /** The app under test, without a trailing slash. */
  baseUrl: string;
  /** One cadence for every sampler, so their samples share a time axis. */
  intervalMs: number;
}

/** A phase of the load starting: the driver tells every collector. */
export interface PhaseStart {
  name: string;
  /** unix epoch milliseconds */
  startedAt: number;
}

/**
 * Something that watches the app or the database while the load runs and
 * fills its own section of the run record. The load stage starts every
 * collector before the first phase, tells it each phase, and ends it after
 * the last; a collector that fails to start or end is recorded as a failed
 * stage of its own and costs the run nothing it has already gathered.
 *
 * `final` is false when the load ended early (the app or the database died,
 * the user interrupted): take no last sample of a server that may be gone,
 * do nothing slow, return what was gathered.
 *
 * @example
 * const collector: Collector<{ activity: RunRecord['activity'] }> = {
 *   name: 'activity',
 *   async start(context) { sampler = startActivitySampler({ db: context.admin, database: context.database }); },
 *   async end({ final }) { return { activity: { intervalMs: 1000, samples: await sampler.stop({ final }), failures: sampler.failures } }; },
 * };
 */
export interface Collector<Section extends Partial<RunRecord> = Partial<RunRecord>> {
  /** Named in the stage list as `collect <name>`. */
  readonly name: string;
  start(context: CollectorContext): Promise<void>;
  onPhase?(phase: PhaseStart): void;
  end(options: { final: boolean }): Promise<Section>;
}
