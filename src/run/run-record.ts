import { readFile, mkdir, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatIssues } from '../config/format-issues.ts';
import { RunRecordError } from '../errors.ts';
import { REHEARSE_VERSION } from '../version.ts';
import { findSecrets } from './record-secrets.ts';
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
}

/**
 * Validates the record, refuses one that holds a credential, and writes it
 * to `<dir>/run.json` (through a temporary file, so a reader never sees half
 * a record). Returns the file's path.
 *
 * @example
 * await writeRunRecord(`reports/${record.id}`, record, { secrets: [database.connection.password] });
 */
export async function writeRunRecord(dir: string, record: RunRecord, options: WriteRunRecordOptions = {}): Promise<string> {
  const parsed = runRecordSchema.safeParse(record, { reportInput: true });
  if (!parsed.success) {
    throw new Error(`rehearse built an invalid run record (a bug):\n${formatIssues('run record', parsed.error.issues)}`);
  }
  const findings = findSecrets(record, options.secrets);
  if (findings.length > 0) {
    const where = findings.map((finding) => `  ${finding.path}: ${finding.reason}`).join('\n');
    throw new Error(`refusing to write a run record that holds credentials (a bug):\n${where}`);
  }
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, RUN_RECORD_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(record, null, 2)}\n`);
  await rename(temporary, file);
  return file;
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
