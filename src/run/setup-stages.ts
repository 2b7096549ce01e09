import path from 'node:path';
import pg from 'pg';
import { activityCollector } from '../collect/activity-collector.ts';
import { cacheServerCollector, type CacheServerTarget } from '../collect/cache-server-collector.ts';
import type { Collector } from '../collect/collector.ts';
import { childrenNamed, cpuCollector, type CpuTarget, type UnmeasuredPart } from '../collect/cpu-collector.ts';
import { canReadProcessCpu } from '../system/process-cpu.ts';
import { metricsCollector } from '../collect/metrics-collector.ts';
import { statementsCollector } from '../collect/statements-collector.ts';
import type { AppliedRelease } from '../config/resolve-release.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { withDatabase } from '../db/connection-url.ts';
import { createProjectProvider } from '../db/project-provider.ts';
import type { RunningDatabase } from '../db/provider.ts';
import { keepRunDatabase } from '../db/run-databases.ts';
import { dropDatabase } from '../db/template.ts';
import type { RehearseError } from '../errors.ts';
import type { K6Binary } from '../k6/locate-k6.ts';
import { writeScript, type BuiltScript } from '../scenario/build-script.ts';
import type { Scenario } from '../scenario/define-scenario.ts';
import { exportTestData } from '../scenario/export-test-data.ts';
import type { DataModel } from '../seed/model.ts';
import { seed } from '../seed/seed.ts';
import { applyProfileSettings, renderProfileSettings, type ProfileSettings } from '../profile/profile-settings.ts';
import { startApp, type RunningApp } from './app-process.ts';
import type { RehearsalOptions } from './run-rehearsal.ts';
import { runDatabaseName } from './run-id.ts';
import type { StageLog } from './stages.ts';
import { OTHERS_PART, type RunContext } from './run-record-schema.ts';
import type { PreparedReleaseEvent } from './release-event-stage.ts';

export const K6_RAW_FILE = 'k6-samples.csv.gz';
export const APP_LOG_FILE = 'app.log';

/** What a run needs, validated before anything starts. */
export interface Prepared {
  scenario: Scenario;
  scenarioFile: string;
  model: DataModel;
  k6: K6Binary;
  /** The config's app section with the release applied. */
  appCommand: NonNullable<LoadedConfig['config']['app']>;
  /** What the named release changed; null when nothing was applied. */
  appliedRelease: AppliedRelease | null;
  /** What a capacity run is judged against (`RehearsalOptions.adaptScenario`); absent otherwise. */
  capacity?: RunContext['capacity'];
  /** The deploy (and rollback) to rehearse during the load (`--deploy-at`); absent otherwise. */
  releaseEvent?: PreparedReleaseEvent;
}

/** One run under way: its inputs, its folder, its stages, and what it must stop or hide. */
export interface RunInProgress {
  options: RehearsalOptions;
  prepared: Prepared;
  dir: string;
  stages: StageLog;
  /** Stopped last-in first-out when the run ends, however it ends. */
  cleanups: (() => Promise<void>)[];
  /** Values no file of the run may hold (the database password). */
  secrets: string[];
  /**
   * The scenario's test data (test accounts' emails and passwords) for k6 and
   * the probe: a private temporary folder, never the run folder, removed
   * however the run ends.
   */
  dataDir: string;
  /** The first user's mistake a stage found (exit 2), kept for the command's exit code. */
  badInput?: RehearseError;
}

/** Where the scenario's test data is exported for k6 and the probe. */
export function dataDirOf(run: RunInProgress): string {
  return run.dataDir;
}

/** The project whose embedded cluster the run uses. */
export function clusterRootOf(options: RehearsalOptions): string {
  return options.clusterRoot ?? options.loaded.root;
}

export async function startDatabase(run: RunInProgress): Promise<RunningDatabase> {
  const { options } = run;
  const database = await createProjectProvider(options.db, clusterRootOf(options)).start({ signal: options.signal, onProgress: options.log });
  run.cleanups.push(() => database.stop());
  run.secrets.push(database.connection.password);
  return database;
}

export async function serverVersion(database: RunningDatabase): Promise<string | null> {
  const { rows } = await database.admin.query<{ version: string }>(`select current_setting('server_version') as version`).catch(() => ({ rows: [] }));
  return rows[0]?.version ?? null;
}

/**
 * Seeds (or reuses) the template and clones the run's own database from it;
 * returns its name and, with a profile, production's planner settings as
 * the clone took them (a clone does not inherit a database's settings).
 */
export async function seedRunDatabase(run: RunInProgress, database: RunningDatabase): Promise<{ runDatabase: string; profileSettings?: ProfileSettings }> {
  const { options, prepared } = run;
  const runDatabase = runDatabaseName();
  const seeded = await seed({ database, model: prepared.model, scale: options.scale, seed: options.seed, targetDatabase: runDatabase, signal: options.signal, onEvent: options.onSeedEvent });
  // Kept copies are renamed once the app has stopped, so no later command takes them for a killed run's.
  run.cleanups.push(() => (options.keepDatabase ? keepCopy(run, database, runDatabase) : dropDatabase(database.admin, runDatabase).catch(() => undefined)));
  options.log(`  ${seeded.template?.reused ? 'reused' : 'built'} template, cloned into ${runDatabase} (${seeded.totalRows} rows)`);
  if (!options.profile) return { runDatabase };
  const profileSettings = await applyProfileSettings({
    admin: database.admin,
    url: database.url,
    database: runDatabase,
    profile: options.profile.profile,
    source: options.profile.file,
    configured: Object.keys(options.loaded.config.db.settings),
  });
  options.log(renderProfileSettings(profileSettings).trimEnd().replace(/^/gm, '  '));
  return { runDatabase, profileSettings };
}

async function keepCopy(run: RunInProgress, database: RunningDatabase, runDatabase: string): Promise<void> {
  const kept = await keepRunDatabase(database.admin, runDatabase).catch(() => runDatabase);
  run.options.log(`kept the run's database as ${kept} (drop it with \`rehearse db clean\`)`);
}

/** Exports the scenario's test data from the run database and writes the k6 script (returned with the plan it came from). */
export async function exportData(run: RunInProgress, runUrl: string): Promise<BuiltScript> {
  const { options, prepared } = run;
  const pool = new pg.Pool({ connectionString: runUrl, max: 2 });
  pool.on('error', () => undefined);
  try {
    for (const dataset of await exportTestData(pool, prepared.scenario, dataDirOf(run), path.relative(process.cwd(), prepared.scenarioFile))) {
      options.log(`  ${dataset.name}: ${dataset.rows} rows`);
    }
  } finally {
    await pool.end();
  }
  return writeScript(prepared.scenario, prepared.scenarioFile, { ...options.build, root: options.loaded.root, out: path.join(run.dir, 'script.js') });
}

export interface AppUnderTest {
  baseUrl: string;
  /** Whether rehearse started it and wrote its output to APP_LOG_FILE. */
  logged: boolean;
  exited?: RunningApp['exited'];
  /** The app's process, when rehearse started it. */
  pid?: number;
}

/** Which app to start and where its output goes: by default the run's app into APP_LOG_FILE. */
export interface AppStart {
  app?: NonNullable<LoadedConfig['config']['app']>;
  logFile?: string;
  /** Over the app's and the release's environment, under `--app-env`: e.g. the cache server as REDIS_URL. */
  env?: Record<string, string>;
}

/** Starts `app.command` on the run's database and waits until it is healthy, or takes `app.baseUrl` as it is. */
export async function startAppUnderTest(run: RunInProgress, runUrl: string, start: AppStart = {}): Promise<AppUnderTest> {
  const { options } = run;
  const app = start.app ?? run.prepared.appCommand;
  if (app.baseUrl) return { baseUrl: app.baseUrl.replace(/\/$/, ''), logged: false };
  const running = await startApp({
    command: app.command!,
    cwd: path.resolve(options.loaded.root, app.cwd ?? '.'),
    env: { ...app.env, ...start.env, ...options.appEnv },
    databaseUrl: runUrl,
    healthPath: app.healthPath,
    readyTimeoutSeconds: app.readyTimeoutSeconds,
    logFile: path.join(run.dir, start.logFile ?? APP_LOG_FILE),
    signal: options.signal,
  });
  run.cleanups.push(() => running.stop());
  options.log(`  healthy at ${running.baseUrl}`);
  return { baseUrl: running.baseUrl, logged: true, exited: running.exited, ...(running.pid ? { pid: running.pid } : {}) };
}

/**
 * The collectors of a run: Postgres activity and statements, CPU of what
 * rehearse started, the app's metrics when the config names their path, and
 * the cache server when there is one to watch.
 */
export function createCollectors(run: RunInProgress, database: RunningDatabase, app: AppUnderTest, cacheServer?: CacheServerTarget): Collector[] {
  const metricsPath = run.prepared.appCommand.metricsPath;
  return [
    activityCollector(),
    statementsCollector(),
    cpuOf(database, app),
    ...(metricsPath ? [metricsCollector(metricsPath, run.prepared.appCommand.poolMetrics)] : []),
    ...(cacheServer ? [cacheServerCollector(cacheServer)] : []),
  ];
}

/** CPU of the app and Postgres where rehearse started them (a URL or a container is not ours to read), and of k6. */
function cpuOf(database: RunningDatabase, app: AppUnderTest): Collector {
  const targets: CpuTarget[] = [{ name: 'k6', roots: childrenNamed('k6') }];
  const unmeasured: UnmeasuredPart[] = [];
  if (app.pid) targets.push({ name: 'app', roots: () => [app.pid!] });
  else unmeasured.push({ name: 'app', reason: 'an app rehearse did not start (app.baseUrl)' });
  const postgresPid = Number(database.details.pid);
  if (database.provider === 'embedded' && Number.isInteger(postgresPid) && postgresPid > 0) targets.push({ name: 'postgres', roots: () => [postgresPid] });
  else unmeasured.push({ name: 'postgres', reason: database.provider === 'testcontainers' ? 'runs in a container' : 'a server rehearse did not start' });
  // The rest of the machine's CPU is someone else's work only when every part of the rehearsal is one of ours.
  const others = unmeasured.length === 0 && canReadProcessCpu();
  if (!others) unmeasured.push({ name: OTHERS_PART, reason: 'a part of the rehearsal runs outside the processes rehearse started' });
  return cpuCollector(targets, unmeasured, { others });
}

/** The run database's URL on the server. */
export function runDatabaseUrl(database: RunningDatabase, runDatabase: string): string {
  return withDatabase(database.url, runDatabase);
}
