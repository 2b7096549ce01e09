import { z } from 'zod';

const count = z.number().int().nonnegative();
const nonNegative = z.number().nonnegative();
const epochMs = z.number().int().nonnegative();

/** One lock the migration's session held or waited for on a relation, as the ~100 ms samples saw it. */
export const migrationLockSchema = z.object({
  relation: z.string(),
  mode: z.string(),
  /** From the first sample that saw it to the statement's end (or the last sample that saw it). */
  heldMs: nonNegative,
  granted: z.boolean(),
});
export type MigrationLock = z.infer<typeof migrationLockSchema>;

/** One statement of a migration, run on its own (autocommit) and timed. */
export const migrationStatementSchema = z.object({
  /** The file it came from, relative to the config's root. */
  file: z.string(),
  /** 1-based position in its file. */
  index: count,
  sql: z.string(),
  startedAt: epochMs,
  durationMs: nonNegative,
  /** Postgres's message when the statement failed; the migration stops there. */
  error: z.string().nullable(),
  locks: z.array(migrationLockSchema),
  /** Most sessions at once whose pg_blocking_pids named the migration's session. */
  sessionsQueued: count,
  /** Distinct sessions that waited behind it at some sample. */
  sessionsBlocked: count,
  /** The longest any of them had been waiting when sampled. */
  longestWaitMs: nonNegative,
  /** Lock samples taken while it ran. */
  samples: count,
  /**
   * The statements that waited behind it (pg_stat_activity of the blocked sessions), normalized, each with how
   * many of its executions waited: what maps the wait to pages. Absent in records written before rehearse kept them.
   */
  waitingQueries: z.array(z.object({ fingerprint: z.string(), query: z.string(), requests: count })).optional(),
});
export type MigrationStatement = z.infer<typeof migrationStatementSchema>;

/** A finding of the static check of the migration SQL (libpg_query), before anything ran. */
export const migrationFindingSchema = z.object({
  rule: z.string(),
  file: z.string(),
  /** 1-based statement in its file; 0 for a finding about the whole file (no lock_timeout). */
  index: count,
  relation: z.string().nullable(),
  message: z.string(),
});
export type MigrationFinding = z.infer<typeof migrationFindingSchema>;

/** A release's migrate command (`releases.<name>.migrate`) as the deploy ran it. */
export const migrateCommandSchema = z.object({
  command: z.string(),
  /** Where it ran: the release's app directory. */
  cwd: z.string(),
  startedAt: epochMs,
  durationMs: nonNegative,
  /** null when a signal ended it. */
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  /** The last lines of its output (credentials masked); the whole output is in `log`. */
  outputTail: z.string(),
  /** Its output's file in the run folder. */
  log: z.string(),
});
export type MigrateCommandResult = z.infer<typeof migrateCommandSchema>;

export const RELEASE_ACTIONS = ['deploy', 'rollback'] as const;

/** A scheduled action as it happened. */
export const releaseActionSchema = z.object({
  kind: z.enum(RELEASE_ACTIONS),
  /** Seconds after the load started, as asked (`--deploy-at`, `--rollback-at`). */
  atSeconds: nonNegative,
  /** null: the load ended (or the run failed) before its time came. */
  startedAt: epochMs.nullable(),
  /** When the proxy sent new requests to the other app; null when it never did. */
  switchedAt: epochMs.nullable(),
  /** Why it did not switch (a migration failed, the candidate did not become healthy). */
  error: z.string().nullable(),
});
export type ReleaseAction = z.infer<typeof releaseActionSchema>;

/** `rehearse run --release <candidate> --deploy-at … [--rollback-at …]`: the release event rehearsed under load. */
export const releaseEventSchema = z.object({
  baseline: z.string(),
  candidate: z.string(),
  actions: z.array(releaseActionSchema),
  /** How the candidate migrates: its SQL files (each statement measured), a command (measured as one), or nothing. */
  migrate: z.object({ kind: z.enum(['sql', 'command', 'none']), source: z.string().nullable() }),
  /**
   * The migration statements as measured: for SQL files, each statement; for a command, each statement its
   * session was seen running in pg_stat_activity (or one, "the migrate command", when none was seen).
   */
  statements: z.array(migrationStatementSchema),
  /** The migrate command's run; absent without one. */
  migrateCommand: migrateCommandSchema.optional(),
  findings: z.array(migrationFindingSchema),
  /** Requests the proxy could not deliver (the upstream refused or reset): k6 saw them as errors. */
  proxyErrors: count,
  /** The candidate app's log, in the run folder; null when it never started. */
  candidateLog: z.string().nullable(),
  /** The first line of the baseline app's log that mentions an error after the rollback; null when none. */
  firstErrorAfterRollback: z.string().nullable(),
  /** Lock samples that failed (the server went away). */
  lockSampleFailures: count,
  /** Measured instants: the load's start, to place the actions on the timeline. */
  loadStartedAt: epochMs.nullable(),
});
export type ReleaseEvent = z.infer<typeof releaseEventSchema>;
