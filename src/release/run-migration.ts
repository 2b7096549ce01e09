import pg from 'pg';
import { startIntervalSampler } from '../collect/interval-sampler.ts';
import type { MigrationStatementSource } from './migration-sql.ts';
import { summarizeLockSamples, takeLockSample, type LockSample } from './lock-samples.ts';
import type { MigrationStatement } from './release-event-schema.ts';
import { nameWaitingQueries } from './waiting-queries.ts';

/** Often enough to see a lock held for a few hundred milliseconds, and the requests queued behind it. */
export const LOCK_SAMPLE_INTERVAL_MS = 100;

export interface MigrationRun {
  statements: MigrationStatement[];
  /** The first statement that failed; the ones after it did not run. */
  error: string | null;
  sampleFailures: number;
}

/**
 * Runs a release's migration statements one by one on the live run database,
 * each in its own transaction (autocommit, so CREATE INDEX CONCURRENTLY
 * works), timing each while another session samples pg_locks and
 * pg_blocking_pids every 100 ms. Stops at the first statement that fails.
 */
export async function runMigration(connection: pg.ClientConfig, statements: readonly MigrationStatementSource[]): Promise<MigrationRun> {
  const migration = new pg.Client({ ...connection, application_name: 'rehearse migration' });
  const watcher = new pg.Client({ ...connection, application_name: 'rehearse lock sampler' });
  for (const client of [migration, watcher]) client.on('error', () => undefined);
  await migration.connect();
  try {
    await watcher.connect();
    const pid = (await migration.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0]!.pid;
    const measured: MigrationStatement[] = [];
    let sampleFailures = 0;
    for (const statement of statements) {
      const sampler = startIntervalSampler<LockSample>(() => takeLockSample(watcher, { pid }), { intervalMs: LOCK_SAMPLE_INTERVAL_MS });
      const startedAt = Date.now();
      const error = await migration.query(statement.sql).then(
        () => null,
        (failure: Error) => failure.message,
      );
      const endedAt = Date.now();
      const samples = await sampler.stop();
      sampleFailures += sampler.failures.count;
      const { waiting, ...summary } = summarizeLockSamples(samples, endedAt);
      const waitingQueries = await nameWaitingQueries(waiting);
      measured.push({ file: statement.file, index: statement.index, sql: statement.sql, startedAt, durationMs: endedAt - startedAt, error, ...summary, samples: samples.length, waitingQueries });
      if (error) return { statements: measured, error: `${statement.file} statement ${statement.index}: ${error}`, sampleFailures };
    }
    return { statements: measured, error: null, sampleFailures };
  } finally {
    await Promise.all([migration.end(), watcher.end()].map((ending) => ending.catch(() => undefined)));
  }
}
