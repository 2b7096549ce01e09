import { readFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { formatIssues } from '../config/format-issues.ts';
import { InfrastructureError, RunRecordError } from '../errors.ts';
import { REHEARSE_VERSION } from '../version.ts';
import { redactSecrets, type SecretFinding } from './record-secrets.ts';
import { RUN_RECORD_SCHEMA_VERSION, runRecordSchema, type RunContext, type RunRecord } from './run-record-schema.ts';

export * from './run-record-schema.ts';

/** The record's file name inside a run directory. */
export const RUN_RECORD_FILE = 'run.json';

/**
 * A record for a run that has just started: no measurements yet, and
 * `incomplete` until the orchestrator says otherwise, so a record written
 * after a crash is already honest. Fill it in as stages finish.
 *
 * @example
 * let record = newRunRecord('2026-11-26T0400-baseline', context);
 * record = { ...record, ...k6Results, k6: { exitCode: 0, thresholdsFailed: false } };
 * record = { ...record, status: 'complete', failure: null, finishedAt: new Date().toISOString() };
 */
export function newRunRecord(id: string, context: RunContext, startedAt = new Date()): RunRecord {
  return {
    schemaVersion: RUN_RECORD_SCHEMA_VERSION,
    id,
    status: 'incomplete',
    failure: { stage: 'run', message: 'the run did not finish' },
    startedAt: startedAt.toISOString(),
    stages: [],
    finishedAt: null,
    context,
    k6: { exitCode: null, thresholdsFailed: false },
    phases: [],
    pages: [],
    totals: null,
    timeline: { bucketSeconds: 1, all: [], pages: [] },
    checks: [],
    samples: { used: 0, malformed: 0, late: 0 },
    statements: [],
    statementsDeallocated: 0,
    activity: { intervalMs: 0, samples: [], failures: { count: 0, last: null } },
    appMetrics: null,
    queryProfiles: [],
    files: { k6Raw: null, appLog: null },
  };
}

export interface WriteRunRecordOptions {
  /** Values that must not appear anywhere in the record, e.g. the database password. */
  secrets?: readonly string[];
  /** Told what was masked, when the record held something that looks like a credential. */
  onMasked?: (findings: readonly SecretFinding[]) => void;
  /** Where the record goes when `dir` cannot take it (a full disk, a read-only folder); default the system temp folder. */
  fallbackDir?: string;
}

/**
 * The record could not be written where it belongs. Exit 3, saying where it
 * was saved instead (if anywhere) so a completed load is not lost.
 */
export class RunRecordWriteError extends InfrastructureError {
  constructor(
    readonly file: string,
    override readonly cause: NodeJS.ErrnoException,
    readonly savedTo: string | null,
  ) {
    const where = savedTo
      ? `The record was saved to ${savedTo} instead: make room, then move it into a run folder (e.g. \`mv ${savedTo} ${file}\`) and report on it.`
      : `It could not be saved to the system temp folder either, so only the files already in ${path.dirname(file)} (k6's raw samples among them) remain.`;
    super(`could not write the run record ${file}: ${cause.code ?? cause.message} (${cause.message}). ${where}`, '', { file, savedTo });
  }
}

/**
 * Validates the record, masks anything in it that looks like a credential,
 * and writes it to `<dir>/run.json` through a temporary file, so a reader
 * never sees half a record and a full disk leaves no partial file. When the
 * folder cannot take it, the record is saved to `fallbackDir` and a
 * {@link RunRecordWriteError} says where. Returns the file's path.
 *
 * @example
 * await writeRunRecord(`reports/${record.id}`, record, { secrets: [database.connection.password] });
 */
export async function writeRunRecord(dir: string, record: RunRecord, options: WriteRunRecordOptions = {}): Promise<string> {
  const parsed = runRecordSchema.safeParse(record, { reportInput: true });
  if (!parsed.success) {
    throw new Error(`rehearse built an invalid run record (a bug):\n${formatIssues('run record', parsed.error.issues)}`);
  }
  const { value: safe, findings } = redactSecrets(record, options.secrets);
  if (findings.length > 0) options.onMasked?.(findings);
  const text = `${JSON.stringify(safe, null, 2)}\n`;
  const file = path.join(dir, RUN_RECORD_FILE);
  try {
    await writeAtomically(file, text);
    return file;
  } catch (error) {
    const fallback = path.join(options.fallbackDir ?? os.tmpdir(), `rehearse-${record.id}.${RUN_RECORD_FILE}`);
    const savedTo = await writeAtomically(fallback, text).then(
      () => fallback,
      () => null,
    );
    throw new RunRecordWriteError(file, error as NodeJS.ErrnoException, savedTo);
  }
}

/** Writes through a temporary file beside `file`, removed again when the write fails half-way. */
async function writeAtomically(file: string, text: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(temporary, text);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * Reads and validates a run record from a run directory or its run.json.
 * Every way it can be unusable is a {@link RunRecordError} (exit 2) saying
 * which file and what to do.
 *
 * @example
 * const baseline = await readRunRecord('reports/2026-11-26T0400-baseline');
 */
export async function readRunRecord(location: string): Promise<RunRecord> {
  const file = await recordFile(location);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new RunRecordError(file, `No run record at ${file}: pass a run directory (reports/<run-id>) or its run.json, written by "rehearse run".`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RunRecordError(file, `${file} is not valid JSON (${(error as Error).message}): the run record is damaged; run the scenario again.`);
  }
  return parseRunRecord(value, file);
}

/** Validates a parsed run record; `file` names it in errors. */
export function parseRunRecord(value: unknown, file = RUN_RECORD_FILE): RunRecord {
  const version = typeof value === 'object' && value !== null ? (value as { schemaVersion?: unknown }).schemaVersion : undefined;
  if (version === undefined) {
    throw new RunRecordError(file, `${file} is not a run record: it has no schemaVersion.`);
  }
  if (version !== RUN_RECORD_SCHEMA_VERSION) {
    throw new RunRecordError(
      file,
      `${file} has run record schemaVersion ${JSON.stringify(version)}; rehearse ${REHEARSE_VERSION} reads schemaVersion ${RUN_RECORD_SCHEMA_VERSION}. Read it with the rehearse version that wrote it, or run the scenario again.`,
      { schemaVersion: version, expected: RUN_RECORD_SCHEMA_VERSION },
    );
  }
  const parsed = runRecordSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 10);
    const more = parsed.error.issues.length - issues.length;
    throw new RunRecordError(
      file,
      `${file} is not a valid run record:\n${formatIssues(file, issues)}${more > 0 ? `\n… and ${more} more` : ''}`,
      { issues: parsed.error.issues.length },
    );
  }
  return parsed.data;
}

async function recordFile(location: string): Promise<string> {
  const info = await stat(location).catch(() => undefined);
  return info?.isDirectory() ? path.join(location, RUN_RECORD_FILE) : location;
}
