import { mkdir, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { startActivitySampler } from '../collect/activity-sampler.ts';
import { aggregateK6Csv } from '../collect/aggregate-k6-csv.ts';
import { collectStatements } from '../collect/collect-statements.ts';
import type { IntervalSampler } from '../collect/interval-sampler.ts';
import { startMetricsScraper } from '../collect/metrics-scraper.ts';
import { diffStatementSnapshots, resetStatementStats, snapshotStatementStats } from '../collect/statement-snapshot.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { withDatabase } from '../db/connection-url.ts';
import type { DbOptions } from '../db/create-provider.ts';
import { createProjectProvider } from '../db/project-provider.ts';
import type { RunningDatabase } from '../db/provider.ts';
import { dropDatabase } from '../db/template.ts';
import { RehearseError, UsageError } from '../errors.ts';
import { k6Version, locateK6, type K6Binary } from '../k6/locate-k6.ts';
import { runK6 } from '../k6/run-k6.ts';
import { writeScript } from '../scenario/build-script.ts';
import type { Scenario } from '../scenario/define-scenario.ts';
import { exportTestData } from '../scenario/export-test-data.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import type { BuildOptions } from '../scenario/plan-script.ts';
import { loadModel } from '../seed/load-model.ts';
import type { DataModel } from '../seed/model.ts';
import type { SeedEvent } from '../seed/seed-events.ts';
import { seed } from '../seed/seed.ts';
import { InterruptedError, throwIfAborted, whenAborted } from '../system/abort.ts';
import { REHEARSE_VERSION } from '../version.ts';
import { startApp, type RunningApp } from './app-process.ts';
import { watchDatabase } from './database-watchdog.ts';
import { describeMachine } from './describe-machine.ts';
import { probePages } from './page-probe.ts';
import { makeRunId, runDatabaseName } from './run-id.ts';
import { newRunRecord, writeRunRecord, type ActivitySample, type MetricsSample, type RunRecord } from './run-record.ts';

export const K6_RAW_FILE = 'k6-samples.csv.gz';
export const APP_LOG_FILE = 'app.log';
const SAMPLE_INTERVAL_MS = 1_000;

export interface RehearsalOptions {
  /** The scenario file, relative to the working directory. */
  scenarioFile: string;
  loaded: LoadedConfig;
  db: DbOptions;
  /** A label for the release under test, recorded and used in the run id. */
  release?: string;
  /** Extra environment for the app, on top of the config's (e.g. the release switch). */
  appEnv?: Record<string, string>;
  scale: number;
  seed: number;
  /** Compress or stretch the scenario's load (see `scenario build`). */
  build?: BuildOptions;
  /** Where run folders go (default <config root>/reports). */
  reportsDir?: string;
  /** Requests per page in the query-profile probe. */
  probeRequests?: number;
  /** Keep the run's database copy instead of dropping it at the end. */
  keepDatabase?: boolean;
  signal: AbortSignal;
  /** One line per step, as it happens. */
  log: (line: string) => void;
  /** k6's own output, as it comes. */
  k6Output?: (chunk: string) => void;
  onSeedEvent?: (event: SeedEvent) => void;
}

export interface RehearsalOutcome {
  record: RunRecord;
  dir: string;
  recordFile: string;
}

interface Prepared {
  scenario: Scenario;
  scenarioFile: string;
  model: DataModel;
  k6: K6Binary;
  appCommand: NonNullable<LoadedConfig['config']['app']>;
}

/**
 * Validates everything a run needs before anything starts: the scenario, the
 * app config, the data model, k6.
 */
async function prepare(options: RehearsalOptions): Promise<Prepared> {
  const { scenario, file } = await loadScenario(options.scenarioFile);
  const { config, root, file: configFile } = options.loaded;
  const app = config.app;
  if (!app) throw new UsageError(`${configFile ?? 'rehearse.config.ts'}: app: required by \`rehearse run\`: set app.command (rehearse starts the app) or app.baseUrl`);
  if (!config.data.model) throw new UsageError(`${configFile ?? 'rehearse.config.ts'}: data.model: required by \`rehearse run\`: the data model module to seed from`);
  const model = await loadModel(config.data.model, root);
  const k6 = await locateK6({ signal: options.signal, onProgress: options.log });
  return { scenario, scenarioFile: file, model, k6, appCommand: app };
}

/** What ended a run early, for the record: the stage, and whether it was the user. */
function failureOf(stage: string, error: unknown, signal: AbortSignal): { status: 'incomplete' | 'interrupted'; stage: string; message: string } {
  // An Error as the abort reason is a crash of rehearse itself, not the user.
  if (signal.reason instanceof Error) return { status: 'incomplete', stage, message: signal.reason.message };
  const interrupted = signal.aborted || error instanceof InterruptedError;
  if (interrupted) return { status: 'interrupted', stage, message: `interrupted by ${String(signal.reason ?? 'the user')} during ${stage}` };
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof AppDiedError) return { status: 'incomplete', stage: 'app', message };
  if (error instanceof DatabaseDiedError) return { status: 'incomplete', stage: 'database', message };
  return { status: 'incomplete', stage, message };
}

/**
 * Rehearses one release end to end: a fresh copy of the seeded template, the
 * app started on it, the scenario driven by k6 while Postgres and the app are
 * sampled, then the statements, their plans and a per-page query profile.
 * Whatever happens, everything started is stopped and the record is written
 * (`incomplete` or `interrupted` with what failed, when it did).
 */
export async function runRehearsal(options: RehearsalOptions): Promise<RehearsalOutcome> {
  const prepared = await prepare(options);
  const { root } = options.loaded;
  const id = makeRunId(prepared.scenario.name, options.release);
  const dir = path.join(options.reportsDir ?? path.join(root, 'reports'), id);
  await mkdir(dir, { recursive: true });
  let record = newRunRecord(id, {
    rehearseVersion: REHEARSE_VERSION,
    node: process.version,
    k6Version: await k6Version(prepared.k6.path).catch(() => null),
    postgresVersion: null,
    machine: describeMachine(),
    scenario: { name: prepared.scenario.name, file: path.relative(root, prepared.scenarioFile) },
    release: options.release ?? null,
    scale: options.scale,
    seed: options.seed,
    dbProvider: options.db.provider,
  });
  const cleanups: (() => Promise<void>)[] = [];
  const secrets: string[] = [];
  let stage = 'database';
  const step = (name: string, line: string) => {
    stage = name;
    throwIfAborted(options.signal);
    options.log(line);
  };
  try {
    step('database', `starting Postgres (${options.db.provider})`);
    const database = await createProjectProvider(options.db, root).start({ signal: options.signal, onProgress: options.log });
    cleanups.push(() => database.stop());
    secrets.push(database.connection.password);
    record = { ...record, context: { ...record.context, postgresVersion: await serverVersion(database) } };

    const runDatabase = runDatabaseName();
    step('seed', `preparing the data: model ${prepared.model.name}, scale ${options.scale}, seed ${options.seed}`);
    const seeded = await seed({ database, model: prepared.model, scale: options.scale, seed: options.seed, targetDatabase: runDatabase, signal: options.signal, onEvent: options.onSeedEvent });
    if (!options.keepDatabase) cleanups.push(() => dropDatabase(database.admin, runDatabase).catch(() => undefined));
    options.log(`  ${seeded.template?.reused ? 'reused' : 'built'} template, cloned into ${runDatabase} (${seeded.totalRows} rows)`);
    const runUrl = withDatabase(database.url, runDatabase);

    step('test data', 'exporting the scenario test data');
    const dataDir = path.join(dir, 'data');
    const runPool = new pg.Pool({ connectionString: runUrl, max: 2 });
    runPool.on('error', () => undefined);
    try {
      for (const dataset of await exportTestData(runPool, prepared.scenario, dataDir, path.relative(process.cwd(), prepared.scenarioFile))) {
        options.log(`  ${dataset.name}: ${dataset.rows} rows`);
      }
    } finally {
      await runPool.end();
    }
    const built = await writeScript(prepared.scenario, prepared.scenarioFile, { ...options.build, root, out: path.join(dir, 'script.js') });

    step('app', `starting the app: ${prepared.appCommand.command ?? prepared.appCommand.baseUrl}`);
    const app = await startAppUnderTest(prepared.appCommand, root, runUrl, path.join(dir, APP_LOG_FILE), options);
    if (app.stop) cleanups.push(app.stop);
    record = { ...record, files: { ...record.files, appLog: app.logged ? APP_LOG_FILE : null } };
    options.log(`  healthy at ${app.baseUrl}`);

    step('load', `running ${prepared.scenario.name} with k6 (${path.relative(process.cwd(), built.script)})`);
    const load = await driveLoad({ ...options, k6: prepared.k6, script: built.script, dataDir, dir, database, runDatabase, app, metricsPath: prepared.appCommand.metricsPath });
    record = {
      ...record,
      k6: { exitCode: load.exitCode, thresholdsFailed: load.thresholdsFailed },
      activity: { intervalMs: SAMPLE_INTERVAL_MS, samples: load.activity.samples, failures: load.activity.failures },
      appMetrics: load.metrics ? { url: load.metrics.url, intervalMs: SAMPLE_INTERVAL_MS, samples: load.metrics.samples, failures: load.metrics.failures } : null,
      files: { ...record.files, k6Raw: K6_RAW_FILE },
    };
    if (load.failure) throw load.failure;

    step('results', 'reading k6 samples');
    record = { ...record, ...(await aggregateK6Csv(path.join(dir, K6_RAW_FILE))) };

    step('statements', 'collecting pg_stat_statements and plans');
    const statements = await collectStatements(load.delta, { explainWith: { ...database.connection, database: runDatabase } });
    record = { ...record, statements, statementsDeallocated: load.deallocated };

    step('probe', 'probing each page alone for its query profile');
    record = { ...record, queryProfiles: await probePages({ scenario: prepared.scenario, baseUrl: app.baseUrl, dataDir, admin: database.admin, database: runDatabase, requests: options.probeRequests, signal: options.signal }) };

    record = { ...record, status: 'complete', failure: null };
  } catch (error) {
    const failure = failureOf(stage, error, options.signal);
    record = { ...record, status: failure.status, failure: { stage: failure.stage, message: failure.message } };
    if (record.files.k6Raw && record.pages.length === 0) {
      record = { ...record, ...(await aggregateK6Csv(path.join(dir, K6_RAW_FILE)).catch(() => ({}))) };
    }
    if (!(error instanceof RehearseError) && !(error instanceof InterruptedError) && !options.signal.aborted) options.log(`unexpected error: ${(error as Error).stack ?? String(error)}`);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  }
  record = { ...record, finishedAt: new Date().toISOString() };
  const recordFile = await writeRunRecord(dir, record, { secrets });
  await rm(path.join(dir, 'data'), { recursive: true, force: true });
  await pointLatestAt(dir);
  return { record, dir, recordFile };
}

/** `reports/latest` → the newest run, so scripts and CI need not know its id. */
async function pointLatestAt(dir: string): Promise<void> {
  const latest = path.join(path.dirname(dir), 'latest');
  await rm(latest, { force: true });
  await symlink(path.basename(dir), latest).catch(() => undefined);
}

async function serverVersion(database: RunningDatabase): Promise<string | null> {
  const { rows } = await database.admin.query<{ version: string }>(`select current_setting('server_version') as version`).catch(() => ({ rows: [] }));
  return rows[0]?.version ?? null;
}

interface AppUnderTest {
  baseUrl: string;
  logged: boolean;
  exited?: RunningApp['exited'];
  stop?: () => Promise<void>;
}

async function startAppUnderTest(app: Prepared['appCommand'], root: string, databaseUrl: string, logFile: string, options: RehearsalOptions): Promise<AppUnderTest> {
  if (app.baseUrl) return { baseUrl: app.baseUrl.replace(/\/$/, ''), logged: false };
  const running = await startApp({
    command: app.command!,
    cwd: path.resolve(root, app.cwd ?? '.'),
    env: { ...app.env, ...options.appEnv },
    databaseUrl,
    healthPath: app.healthPath,
    readyTimeoutSeconds: app.readyTimeoutSeconds,
    logFile,
    signal: options.signal,
  });
  return { baseUrl: running.baseUrl, logged: true, exited: running.exited, stop: () => running.stop() };
}

interface LoadInputs extends RehearsalOptions {
  k6: K6Binary;
  script: string;
  dataDir: string;
  dir: string;
  database: RunningDatabase;
  runDatabase: string;
  app: AppUnderTest;
  metricsPath: string | undefined;
}

interface LoadResult {
  exitCode: number | null;
  thresholdsFailed: boolean;
  activity: { samples: ActivitySample[]; failures: IntervalSampler<ActivitySample>['failures'] };
  metrics: { url: string; samples: MetricsSample[]; failures: IntervalSampler<MetricsSample>['failures'] } | undefined;
  delta: Awaited<ReturnType<typeof snapshotStatementStats>>;
  deallocated: number;
  /** Set when the load ended early: the app or the database died, or the user interrupted. */
  failure: Error | undefined;
}

/**
 * Resets pg_stat_statements, runs k6 while sampling pg_stat_activity and the
 * app's metrics, and ends the load early if the app exits or the database
 * stops answering.
 */
async function driveLoad(inputs: LoadInputs): Promise<LoadResult> {
  const { database, runDatabase } = inputs;
  const before = await resetStatementStats(database.admin, runDatabase);
  const activity = startActivitySampler({ db: database.admin, database: runDatabase, intervalMs: SAMPLE_INTERVAL_MS });
  const metricsUrl = inputs.metricsPath ? `${inputs.app.baseUrl}${inputs.metricsPath}` : undefined;
  const metrics = metricsUrl ? startMetricsScraper({ url: metricsUrl, intervalMs: SAMPLE_INTERVAL_MS }) : undefined;
  const stopLoad = new AbortController();
  let failure: Error | undefined;
  const end = (error: Error) => {
    failure ??= error;
    stopLoad.abort(error.message);
  };
  const watchdog = watchDatabase(database.admin, (reason) => end(new DatabaseDiedError(`the database stopped answering during the load: ${reason}`)));
  void inputs.app.exited?.then(({ code, signal }) => end(new AppDiedError(`the app exited during the load (${code ?? signal})`)));
  // A Ctrl-C that came while pg_stat_statements was being reset ends the load before it starts.
  const stopListening = whenAborted(inputs.signal, () => end(new InterruptedError(String(inputs.signal.reason ?? 'interrupted'))));
  let exitCode: number | null = null;
  let thresholdsFailed = false;
  try {
    const result = await runK6(inputs.k6, {
      script: inputs.script,
      args: ['--out', `csv=${path.join(inputs.dir, K6_RAW_FILE)}`],
      env: { BASE_URL: inputs.app.baseUrl, REHEARSE_DATA_DIR: inputs.dataDir },
      signal: stopLoad.signal,
      onOutput: inputs.k6Output,
    });
    exitCode = result.exitCode;
    thresholdsFailed = result.thresholdsFailed;
  } catch (error) {
    // A k6 killed because the load was ended is not k6's failure.
    failure ??= error as Error;
  } finally {
    stopListening();
    watchdog.stop();
  }
  // A last sample each, so the app's counters cover every request k6 made.
  const activitySamples = await activity.stop({ final: !failure });
  const metricsSamples = await metrics?.stop({ final: !failure });
  const after = failure ? before : await snapshotStatementStats(database.admin, runDatabase).catch(() => before);
  const delta = diffStatementSnapshots(before, after);
  return {
    exitCode,
    thresholdsFailed,
    activity: { samples: activitySamples, failures: activity.failures },
    metrics: metrics && metricsUrl ? { url: metricsUrl, samples: metricsSamples ?? [], failures: metrics.failures } : undefined,
    delta,
    deallocated: Math.max(0, after.deallocations - before.deallocations),
    failure,
  };
}

/** The app under test exited while k6 was driving it. */
export class AppDiedError extends Error {
  override name = 'AppDiedError';
}

/** The database stopped answering while k6 was driving the app. */
export class DatabaseDiedError extends Error {
  override name = 'DatabaseDiedError';
}
