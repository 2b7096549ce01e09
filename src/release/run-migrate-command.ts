import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import pg from 'pg';
import { startIntervalSampler } from '../collect/interval-sampler.ts';
import { parseConnectionUrl } from '../db/connection-url.ts';
import { waitForExit } from '../system/child-process.ts';
import { guardProcess } from '../system/orphan-guard.ts';
import { OutputTail } from '../system/output-tail.ts';
import { ownedEnv } from '../system/process-identity.ts';
import { RedactingLines } from '../system/redact-secrets.ts';
import { summarizeLockSamples, takeLockSample, type LockSample } from './lock-samples.ts';
import { lintMigration } from './migration-lint.ts';
import { splitMigration, stripLeadingComments, type MigrationStatementSource } from './migration-sql.ts';
import { nameWaitingQueries } from './waiting-queries.ts';
import type { MigrateCommandResult, MigrationFinding, MigrationStatement } from './release-event-schema.ts';
import { LOCK_SAMPLE_INTERVAL_MS } from './run-migration.ts';

/** The application_name a migrate command's sessions get (PGAPPNAME): how the lock sampler tells them from the app's. */
export const MIGRATE_APPLICATION_NAME = 'rehearse migrate command';
/** A migrate command's statement when its session was never seen running one. */
export const UNKNOWN_STATEMENT = 'the migrate command';
const OUTPUT_TAIL_LINES = 20;

export interface MigrateCommandOptions {
  /** Shell command, e.g. `npm run migrate`. */
  command: string;
  /** The release's app directory. */
  cwd: string;
  /** The release's app environment (DATABASE_URL is set over it). */
  env: Record<string, string>;
  /** The run database, as the app gets it. */
  databaseUrl: string;
  /** Where its output goes, credentials masked. */
  logFile: string;
  /** How the log is named in the record (relative to the run folder). */
  logName: string;
  signal?: AbortSignal;
}

export interface MigrateCommandRun {
  result: MigrateCommandResult;
  statements: MigrationStatement[];
  /** The static check of the statements its session was seen running. */
  findings: MigrationFinding[];
  /** Why the migration failed (a non-zero exit, with its last output line); null when it succeeded. */
  error: string | null;
  sampleFailures: number;
}

/**
 * Runs a release's migrate command on the live run database as a deploy
 * pipeline would (the release's directory and environment, DATABASE_URL as
 * the app gets it), output into the run's folder, while another session
 * samples pg_locks every 100 ms. Its locks are attributed to the statements
 * its sessions were seen running, or to "the migrate command" when none was.
 */
export async function runMigrateCommand(options: MigrateCommandOptions): Promise<MigrateCommandRun> {
  const watcher = new pg.Client({ connectionString: options.databaseUrl, application_name: 'rehearse lock sampler' });
  watcher.on('error', () => undefined);
  await watcher.connect();
  try {
    const sampler = startIntervalSampler<LockSample>(() => takeLockSample(watcher, { applicationName: MIGRATE_APPLICATION_NAME }), { intervalMs: LOCK_SAMPLE_INTERVAL_MS });
    const startedAt = Date.now();
    const exit = await runLogged(options);
    const endedAt = Date.now();
    const samples = await sampler.stop();
    const result: MigrateCommandResult = {
      command: options.command,
      cwd: options.cwd,
      startedAt,
      durationMs: endedAt - startedAt,
      exitCode: exit.code,
      signal: exit.signal,
      outputTail: exit.tail,
      log: options.logName,
    };
    const statements = await measureStatements(options.command, statementsOf(samples, startedAt, endedAt));
    return { result, statements, findings: await lintSeen(statements), error: failure(result), sampleFailures: sampler.failures.count };
  } finally {
    await watcher.end().catch(() => undefined);
  }
}

function failure(result: MigrateCommandResult): string | null {
  if (result.exitCode === 0) return null;
  const how = result.exitCode === null ? `was ended by ${result.signal}` : `exited ${result.exitCode}`;
  const last = result.outputTail.split('\n').at(-1);
  return `${result.command} ${how}${last ? `: ${last}` : ''}`;
}

interface ExitWithOutput {
  code: number | null;
  signal: string | null;
  tail: string;
}

async function runLogged(options: MigrateCommandOptions): Promise<ExitWithOutput> {
  const log = createWriteStream(options.logFile, { mode: 0o600 });
  log.on('error', () => undefined);
  const password = parseConnectionUrl(options.databaseUrl).password;
  const tail = new OutputTail(OUTPUT_TAIL_LINES);
  const child = spawn(options.command, {
    shell: true,
    // Its own group, so an abort reaches what `npm run` or the shell started.
    detached: true,
    cwd: options.cwd,
    env: ownedEnv({ ...process.env, ...options.env, DATABASE_URL: options.databaseUrl, PGAPPNAME: MIGRATE_APPLICATION_NAME }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const guarded = child.pid === undefined ? { release: () => undefined } : guardProcess(child.pid, { group: true });
  const outputs = [child.stdout, child.stderr].map((stream) => {
    const redacting = new RedactingLines(() => (password ? [password] : []));
    stream?.on('data', (chunk: Buffer) => {
      const lines = redacting.push(chunk);
      log.write(lines);
      tail.push(lines);
    });
    return redacting;
  });
  const stopGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
  options.signal?.addEventListener('abort', stopGroup, { once: true });
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const exit = await waitForExit(child);
  await closed;
  options.signal?.removeEventListener('abort', stopGroup);
  guarded.release();
  const rest = outputs.map((output) => output.flush()).join('');
  tail.push(rest);
  await new Promise<void>((resolve) => log.end(rest, resolve));
  return { code: exit.code, signal: exit.signal, tail: tail.toString() };
}

/** A stretch of the command's run during which its session ran one statement (null: none seen yet). */
export interface CommandStatement {
  sql: string | null;
  startedAt: number;
  endedAt: number;
  samples: LockSample[];
}

/**
 * The command's run cut where the statement its session runs changes. A
 * sample that saw no statement (between two, or the session gone) belongs to
 * the one before it; before the first, it is "the migrate command" and kept
 * only if it saw a lock, or if no statement was ever seen.
 */
export function statementsOf(samples: readonly LockSample[], startedAt: number, endedAt: number): CommandStatement[] {
  const stretches: CommandStatement[] = [{ sql: null, startedAt, endedAt, samples: [] }];
  for (const sample of samples) {
    const current = stretches.at(-1)!;
    if (sample.migrationQuery !== null && sample.migrationQuery !== current.sql) {
      current.endedAt = sample.time;
      stretches.push({ sql: sample.migrationQuery, startedAt: sample.time, endedAt, samples: [sample] });
    } else current.samples.push(sample);
  }
  const [opening, ...rest] = stretches;
  const keepOpening = rest.length === 0 || opening!.samples.some((sample) => sample.locks.length > 0 || sample.blocked.length > 0);
  return keepOpening ? stretches : rest;
}

async function measureStatements(command: string, stretches: readonly CommandStatement[]): Promise<MigrationStatement[]> {
  const measured: MigrationStatement[] = [];
  for (const [position, stretch] of stretches.entries()) {
    const { waiting, ...summary } = summarizeLockSamples(stretch.samples, stretch.endedAt);
    measured.push({
      file: command,
      index: position + 1,
      sql: stretch.sql === null ? UNKNOWN_STATEMENT : stripLeadingComments(stretch.sql),
      startedAt: stretch.startedAt,
      durationMs: stretch.endedAt - stretch.startedAt,
      error: null,
      ...summary,
      samples: stretch.samples.length,
      waitingQueries: await nameWaitingQueries(waiting),
    });
  }
  return measured;
}

/**
 * The static check of what the command was seen running, each finding on the
 * statement it measured. Only the per-statement rules: whether the tool set
 * lock_timeout is not seen (a quick SET falls between two samples), and text
 * Postgres truncated (track_activity_query_size) does not parse.
 */
async function lintSeen(statements: readonly MigrationStatement[]): Promise<MigrationFinding[]> {
  const sources: MigrationStatementSource[] = [];
  for (const statement of statements) {
    if (statement.sql === UNKNOWN_STATEMENT) continue;
    const parsed = await splitMigration(statement.file, statement.sql).catch(() => []);
    sources.push(...parsed.map((source) => ({ ...source, index: statement.index })));
  }
  return lintMigration(sources).filter((finding) => finding.rule !== 'no-lock-timeout');
}

