import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { aggregateK6Csv } from '../collect/aggregate-k6-csv.ts';
import { collectExternalDatabase, type ExternalDatabaseOptions, type ExternalDatabaseSection } from '../collect/external-database.ts';
import { UsageError } from '../errors.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import { planScript, type BuildOptions } from '../scenario/plan-script.ts';
import { plannedScenarios } from '../scenario/planned-scenarios.ts';
import { REHEARSE_VERSION } from '../version.ts';
import { describeMachine } from './describe-machine.ts';
import { createRunDirectory } from './run-id.ts';
import { newRunRecord, writeRunRecord, type RunRecord } from './run-record.ts';

export interface CollectOptions {
  /** The runners' outputs: every k6 CSV file (`*.csv`, `*.csv.gz`) under it, at any depth (k6-operator: one folder per pod). */
  dir: string;
  scenarioFile: string;
  /** Where the run folder goes. */
  reportsDir: string;
  /** A label for the run (in its id), like `run --release`. */
  release?: string;
  /** The load shape the script was built with (`--duration`, `--rate-scale`), so the plan matches what ran. */
  build?: BuildOptions;
  /** The app's database, read after the load (`--db-url`, `--since`); without it the record has no database sections. */
  database?: ExternalDatabaseOptions;
}

export interface CollectedRun {
  record: RunRecord;
  dir: string;
  recordFile: string;
  rawFiles: string[];
}

/**
 * One run record from k6 runners rehearse did not start (k6-operator pods,
 * another machine): their raw samples merged as one run, the scenario's load
 * as planned beside what they delivered, its budgets for the report. The
 * app and the database were not rehearse's: the record says so. Given the
 * database's URL (`database`), the collectors that can run after the load
 * read it (statements since a mark); the stages say which ran and why not.
 *
 * @example
 * const { recordFile } = await collectRunnerOutputs({ dir: 'runner-outputs', scenarioFile: 'scenarios/steady-browse.ts', reportsDir: 'reports' });
 */
export async function collectRunnerOutputs(options: CollectOptions): Promise<CollectedRun> {
  const rawFiles = await findRawFiles(options.dir);
  const { scenario, file } = await loadScenario(options.scenarioFile);
  const script = planScript(scenario, path.relative(process.cwd(), file), options.build);
  const plan = plannedScenarios(script);
  // The database first: a bad mark is refused before minutes of merging, and its window ends nearer the load's end.
  const database = options.database ? await collectExternalDatabase(options.database) : undefined;
  const results = await aggregateK6Csv(rawFiles, { statusChecks: script.statusChecks });
  const root = path.dirname(path.resolve(options.reportsDir));
  const { id, dir } = await createRunDirectory(options.reportsDir, scenario.name, options.release);
  const { delivered, ...measured } = results;
  const now = Date.now();
  const stage = (name: string, message: string) => ({ name, status: 'ok' as const, startedAt: now, finishedAt: now, message });
  const record: RunRecord = {
    ...newRunRecord(id, {
      rehearseVersion: REHEARSE_VERSION,
      node: process.version,
      k6Version: null,
      postgresVersion: database?.postgresVersion ?? null,
      machine: describeMachine(),
      scenario: { name: scenario.name, file: path.relative(root, file), budgets: { pages: scenario.budgets?.pages ?? {}, overall: scenario.budgets?.overall ?? null } },
      release: options.release ?? null,
      scale: null,
      seed: null,
      dbProvider: 'external',
      collected: { from: path.resolve(options.dir), runners: rawFiles.length, appAndDatabase: 'external', ...(database ? { database: database.target } : {}) },
    }),
    ...measured,
    load: { plan, ...delivered },
    ...databaseSections(database),
    stages: [
      stage('load', `driven by ${rawFiles.length} k6 runner(s) outside rehearse`),
      stage('results', `${rawFiles.length} runner output(s) merged from ${options.dir}`),
      ...(database?.stages ?? [{ name: 'collect statements', status: 'skipped' as const, startedAt: null, finishedAt: null, message: 'no --db-url: the database was not rehearse\'s, and none was given to read' }]),
    ],
    finishedAt: new Date().toISOString(),
  };
  const recordFile = await writeRunRecord(dir, record);
  return { record, dir, recordFile, rawFiles };
}

/** The statements read from the app's database, and a failed database read as the run's failure (the record is then incomplete). */
function databaseSections(database: ExternalDatabaseSection | undefined): Pick<RunRecord, 'statements' | 'statementsDeallocated' | 'status' | 'failure'> {
  const failed = database?.stages.find((stage) => stage.status === 'failed');
  return {
    statements: database?.statements ?? [],
    statementsDeallocated: database?.statementsDeallocated ?? 0,
    status: failed ? 'incomplete' : 'complete',
    failure: failed ? { stage: failed.name, message: failed.message ?? 'failed' } : null,
  };
}

/** Every k6 CSV file under `dir`, sorted; a usage error when there is none (or no such folder). */
async function findRawFiles(dir: string): Promise<string[]> {
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new UsageError(`${dir}: not a folder: give the folder the runners' outputs were copied to`);
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && /\.csv(\.gz)?$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name))
    .sort();
  if (files.length === 0) throw new UsageError(`${dir}: no k6 raw output (*.csv or *.csv.gz) in it or below: copy each runner's --out csv file there`);
  return files;
}
