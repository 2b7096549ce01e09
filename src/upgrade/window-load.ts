import path from 'node:path';
import pg from 'pg';
import { aggregateK6Csv } from '../collect/aggregate-k6-csv.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { withDatabase } from '../db/connection-url.ts';
import type { RunningDatabase } from '../db/provider.ts';
import { InfrastructureError, UsageError } from '../errors.ts';
import { locateK6, type K6Binary } from '../k6/locate-k6.ts';
import { writeScript, type BuiltScript } from '../scenario/build-script.ts';
import type { Scenario } from '../scenario/define-scenario.ts';
import { exportTestData } from '../scenario/export-test-data.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import { planScript, type BuildOptions } from '../scenario/plan-script.ts';
import { plannedScenarios } from '../scenario/planned-scenarios.ts';
import { createPrivateTempDir, TEST_DATA_DIR_PREFIX, type PrivateTempDir } from '../system/private-temp-dir.ts';
import { startApp, type RunningApp } from '../run/app-process.ts';
import { createLoadDriver } from '../run/load-driver.ts';
import { driveLoad } from '../run/load-stage.ts';
import type { PageResult } from '../run/run-record-schema.ts';
import { StageLog } from '../run/stages.ts';

export interface WindowLoadOptions {
  /** The scenario file, relative to the working directory. */
  scenarioFile: string;
  /** The project's config: its app is started on the new server. */
  loaded: LoadedConfig;
  /** The load's shape, as `rehearse run` takes it (`--duration`, `--rate-scale`, `--max-vus`). */
  build?: BuildOptions;
}

/** A scenario's load, validated before any server starts. */
export interface PreparedWindowLoad {
  scenario: Scenario;
  scenarioFile: string;
  app: { command: string; cwd: string; env: Record<string, string>; healthPath: string; readyTimeoutSeconds: number };
  k6: K6Binary;
  options: WindowLoadOptions;
}

/**
 * Checks what the load in the no-statistics window needs before anything
 * starts: the scenario and the load it plans, an app rehearse can start on
 * the new server (a running app at app.baseUrl cannot be pointed at it), k6.
 */
export async function prepareWindowLoad(options: WindowLoadOptions, signal?: AbortSignal, log?: (line: string) => void): Promise<PreparedWindowLoad> {
  const { scenario, file } = await loadScenario(options.scenarioFile);
  plannedScenarios(planScript(scenario, path.relative(process.cwd(), file), options.build));
  const app = options.loaded.config.app;
  const configFile = options.loaded.file ?? 'rehearse.config.ts';
  if (!app?.command) {
    throw new UsageError(`${configFile}: app.command: required by \`rehearse upgrade --scenario\`: rehearse starts the app on the new server (an app already running at app.baseUrl reads the old one)`);
  }
  const k6 = await locateK6({ ...(signal ? { signal } : {}), ...(log ? { onProgress: log } : {}) });
  return {
    scenario,
    scenarioFile: file,
    app: { command: app.command, cwd: path.resolve(options.loaded.root, app.cwd ?? '.'), env: app.env, healthPath: app.healthPath, readyTimeoutSeconds: app.readyTimeoutSeconds },
    k6,
    options,
  };
}

/** The app started on one database, ready to take the scenario's load, phase by phase. */
export interface LoadOnServer {
  /** Runs the scenario once against the app and returns what each page did. */
  drive(phase: string): Promise<PageResult[]>;
  /** Stops the app and removes the test data, script and samples. */
  stop(): Promise<void>;
}

/**
 * Exports the scenario's test data from `database` on `server`, writes the
 * k6 script, starts the app on that database and returns a handle that
 * drives the load through the run pipeline's load stage (watched: the load
 * ends if the app exits or the database stops answering).
 */
export async function startLoadOn(prepared: PreparedWindowLoad, server: RunningDatabase, database: string, signal: AbortSignal, log: (line: string) => void): Promise<LoadOnServer> {
  const work = await createPrivateTempDir(TEST_DATA_DIR_PREFIX);
  let app: RunningApp | undefined;
  const stop = async () => {
    await app?.stop().catch(() => undefined);
    await work.remove();
  };
  try {
    const url = withDatabase(server.url, database);
    const script = await writeLoadScript(prepared, server, database, work);
    app = await startApp({ ...prepared.app, databaseUrl: url, logFile: path.join(work.dir, 'app.log'), signal });
    log(`  app healthy at ${app.baseUrl} on database ${database}`);
    const running = app;
    return { drive: (phase) => drivePhase(prepared, { server, database, script, app: running, dir: work.dir, signal, log }, phase), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function writeLoadScript(prepared: PreparedWindowLoad, server: RunningDatabase, database: string, work: PrivateTempDir): Promise<BuiltScript> {
  const shown = path.relative(process.cwd(), prepared.scenarioFile);
  const pool = new pg.Pool({ connectionString: withDatabase(server.url, database), max: 1 });
  pool.on('error', () => undefined);
  try {
    await exportTestData(pool, prepared.scenario, work.dir, shown);
  } finally {
    await pool.end();
  }
  return writeScript(prepared.scenario, prepared.scenarioFile, { ...prepared.options.build, root: prepared.options.loaded.root, out: path.join(work.dir, 'script.js') });
}

interface PhaseTarget {
  server: RunningDatabase;
  database: string;
  script: BuiltScript;
  app: RunningApp;
  dir: string;
  signal: AbortSignal;
  log: (line: string) => void;
}

async function drivePhase(prepared: PreparedWindowLoad, target: PhaseTarget, phase: string): Promise<PageResult[]> {
  const rawFile = path.join(target.dir, `${phase.replace(/\W+/g, '-')}.csv.gz`);
  const stages = new StageLog(['load'], target.signal, target.log);
  const load = await driveLoad({
    line: `  running ${prepared.scenario.name} with k6 (${phase})`,
    driver: createLoadDriver('local-k6', prepared.k6),
    phases: [{ name: phase, script: target.script.script, rawFile, env: { BASE_URL: target.app.baseUrl, REHEARSE_DATA_DIR: target.dir } }],
    collectors: [],
    context: { admin: target.server.admin, database: target.database, connection: { ...target.server.connection, database: target.database }, baseUrl: target.app.baseUrl, intervalMs: 1_000 },
    appExited: target.app.exited,
    signal: target.signal,
    stages,
  });
  if (!load.completed) throw new InfrastructureError(`the load ${phase} did not finish: ${stages.outcome().failure?.message ?? 'unknown'}\n${target.app.logTail()}`);
  return (await aggregateK6Csv(rawFile)).pages;
}
