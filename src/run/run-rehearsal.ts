import { rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { aggregateK6Csv } from '../collect/aggregate-k6-csv.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { resolveRelease } from '../config/resolve-release.ts';
import type { DbOptions } from '../db/create-provider.ts';
import type { Queryable } from '../db/queryable.ts';
import { ensureStatementStatistics } from '../db/observability.ts';
import { assertClusterFree } from '../db/cluster-lock.ts';
import { createProjectProvider, projectClusterDir } from '../db/project-provider.ts';
import { InfrastructureError, RehearseError, UsageError } from '../errors.ts';
import { k6Version, locateK6 } from '../k6/locate-k6.ts';
import type { Scenario } from '../scenario/define-scenario.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import { planScript, type BuildOptions, type K6ScriptPlan } from '../scenario/plan-script.ts';
import { plannedScenarios } from '../scenario/planned-scenarios.ts';
import { loadModel } from '../seed/load-model.ts';
import { modelFromProfile } from '../profile/profile-model.ts';
import type { Profile } from '../profile/profile-schema.ts';
import type { SeedEvent } from '../seed/seed-events.ts';
import { createPrivateTempDir, removeAbandonedTempDirs, TEST_DATA_DIR_PREFIX, type PrivateTempDir } from '../system/private-temp-dir.ts';
import { REHEARSE_VERSION } from '../version.ts';
import { describeMachine } from './describe-machine.ts';
import { createLoadDriver } from './load-driver.ts';
import { driveLoad } from './load-stage.ts';
import { probePages } from './page-probe.ts';
import { waitForQuiet } from './wait-for-quiet.ts';
import { CACHE_SERVER_STAGE, unmeasuredCacheServer, useCacheServer } from './cache-server-stage.ts';
import { createRunDirectory } from './run-id.ts';
import { newRunRecord, RunRecordWriteError, writeRunRecord, type RunRecord } from './run-record.ts';
import type { LoadPhaseResult, PlannedScenario, QueryProfile, RunContext } from './run-record-schema.ts';
import {
  APP_LOG_FILE,
  K6_RAW_FILE,
  clusterRootOf,
  createCollectors,
  dataDirOf,
  exportData,
  runDatabaseUrl,
  seedRunDatabase,
  serverVersion,
  startDatabase,
  type Prepared,
  type RunInProgress,
} from './setup-stages.ts';
import { StageLog } from './stages.ts';
import { prepareReleaseEvent, startServing, type ReleaseEventOptions, type ServingApp } from './release-event-stage.ts';

export { APP_LOG_FILE, K6_RAW_FILE } from './setup-stages.ts';
const SAMPLE_INTERVAL_MS = 1_000;

export interface RehearsalOptions {
  /** The scenario file, relative to the working directory. */
  scenarioFile: string;
  loaded: LoadedConfig;
  db: DbOptions;
  /**
   * The release under test: recorded, used in the run id, and applied when the config's `releases`
   * names it (an unknown name is refused before anything starts).
   */
  release?: string;
  /** Extra environment for the app, over the config's and the release's (`--app-env`). */
  appEnv?: Record<string, string>;
  scale: number;
  seed: number;
  /** Compress or stretch the scenario's load (see `scenario build`). */
  build?: BuildOptions;
  /** k6 processes sharing the load, each one execution segment (default 1). */
  runners?: number;
  /** Where run folders go (default <config root>/reports). */
  reportsDir?: string;
  /**
   * The project whose embedded cluster the run uses (default the config's root): `ab` rehearses a
   * second checkout on the first one's cluster, so both sides clone the one seeded template.
   */
  clusterRoot?: string;
  /** Requests per page in the query-profile probe. */
  probeRequests?: number;
  /** A production profile: it shapes the data over the model, and its planner settings are set on the run's database. */
  profile?: { file: string; profile: Profile };
  /** Keep the run's database copy instead of dropping it at the end. */
  keepDatabase?: boolean;
  signal: AbortSignal;
  /** One line per step, as it happens. */
  log: (line: string) => void;
  /** k6's own output, as it comes. */
  k6Output?: (chunk: string) => void;
  onSeedEvent?: (event: SeedEvent) => void;
  /**
   * Replaces the scenario's load before anything is planned (`rehearse capacity` steps it), and
   * says what a capacity run is judged against; recorded in the context.
   */
  adaptScenario?: (scenario: Scenario) => { scenario: Scenario; capacity?: RunContext['capacity'] };
  /** Called as k6 starts, with the load as planned (per k6 scenario): `rehearse capacity` says each step as it comes. */
  onLoadStart?: (plan: PlannedScenario[]) => void;
  /** Deploy `release` (and roll it back) during the load, behind a proxy k6 targets (`--deploy-at`, `--rollback-at`). */
  releaseEvent?: ReleaseEventOptions;
}

export interface RehearsalOutcome {
  record: RunRecord;
  dir: string;
  recordFile: string;
  /** A user's mistake only the seeded database could reveal (a dataset's SQL): the run is recorded, the command exits 2. */
  badInput?: RehearseError;
}

/**
 * Validates everything a run needs before anything starts: the scenario and
 * the load it plans (within the VU ceiling, no zero durations), the app
 * config, the data model, k6.
 */
async function prepare(options: RehearsalOptions): Promise<Prepared> {
  const loaded = await loadScenario(options.scenarioFile);
  const { scenario, capacity } = options.adaptScenario ? options.adaptScenario(loaded.scenario) : { scenario: loaded.scenario, capacity: undefined };
  const file = loaded.file;
  const load = plannedScenarios(planScript(scenario, path.relative(process.cwd(), file), options.build));
  const { config, root, file: configFile } = options.loaded;
  const release = await resolveRelease(options.loaded, options.release);
  if (release.note) options.log(release.note);
  const releaseEvent = options.releaseEvent && (await prepareReleaseEvent(options.loaded, options.release, options.releaseEvent, load));
  const app = releaseEvent?.baselineApp ?? release.app;
  if (!app) throw new UsageError(`${configFile ?? 'rehearse.config.ts'}: app: required by \`rehearse run\`: set app.command (rehearse starts the app) or app.baseUrl`);
  if (!config.data.model) throw new UsageError(`${configFile ?? 'rehearse.config.ts'}: data.model: required by \`rehearse run\`: the data model module to seed from`);
  const own = await loadModel(config.data.model, root);
  const model = options.profile ? modelFromProfile(options.profile.profile, own) : own;
  const k6 = await locateK6({ signal: options.signal, onProgress: options.log });
  await checkDatabase(options);
  return { scenario, scenarioFile: file, model, k6, appCommand: app, appliedRelease: release.applied, ...(capacity ? { capacity } : {}), ...(releaseEvent ? { releaseEvent } : {}) };
}

/**
 * Before the run folder exists: the project's cluster must be free, and a
 * server rehearse does not start (`url`) must pass the safety rule (a
 * refusal is bad input, exit 2, not a run that failed) and have
 * pg_stat_statements before a row is written there.
 */
async function checkDatabase(options: RehearsalOptions): Promise<void> {
  if (options.db.provider === 'embedded') return assertClusterFree(projectClusterDir(clusterRootOf(options), options.db.version));
  if (options.db.provider !== 'url') return;
  const database = await createProjectProvider(options.db, clusterRootOf(options)).start({ signal: options.signal, onProgress: options.log });
  try {
    await ensureStatementStatistics(database);
  } finally {
    await database.stop();
  }
}

/**
 * Rehearses one release end to end, as a sequence of stages: a fresh copy of
 * the seeded template, the app started on it, the scenario driven by the load
 * driver while collectors watch Postgres and the app, then the k6 samples
 * read and a per-page query profile. Each stage's status goes into the
 * record; whatever fails, everything already gathered is kept, everything
 * started is stopped, and the record is written (`incomplete` or
 * `interrupted` with what failed, when it did).
 */
export async function runRehearsal(options: RehearsalOptions): Promise<RehearsalOutcome> {
  const prepared = await prepare(options);
  const { dir, record } = await openRunFolder(options, prepared);
  const data = await privateDataDir(options.log);
  try {
    const run: RunInProgress = { options, prepared, dir, stages: new StageLog(plannedStages(options), options.signal, options.log), cleanups: [], secrets: [], dataDir: data.dir };
    const finished = await runStages(run, record);
    const recordFile = await writeRunRecord(dir, finished, { secrets: run.secrets, onMasked: (findings) => options.log(`masked ${findings.length} credential-like value(s) in the record: ${findings.map((finding) => finding.path).join(', ')}`) });
    await pointLatestAt(dir);
    return { record: finished, dir, recordFile, ...(run.badInput ? { badInput: run.badInput } : {}) };
  } finally {
    await data.remove();
  }
}

/**
 * The run's own folder (a unique id) and its first record, written at once:
 * a run killed outright (SIGKILL) still leaves a record that says it did not
 * finish. A folder that cannot take it stops the run before anything starts.
 */
async function openRunFolder(options: RehearsalOptions, prepared: Prepared): Promise<{ dir: string; record: RunRecord }> {
  const { root } = options.loaded;
  const { id, dir } = await createRunDirectory(options.reportsDir ?? path.join(root, 'reports'), prepared.scenario.name, options.release);
  const record = newRunRecord(id, {
    rehearseVersion: REHEARSE_VERSION,
    node: process.version,
    k6Version: await k6Version(prepared.k6.path).catch(() => null),
    postgresVersion: null,
    machine: describeMachine(),
    scenario: { name: prepared.scenario.name, file: path.relative(root, prepared.scenarioFile), budgets: recordedBudgets(prepared.scenario) },
    release: options.release ?? null,
    ...(prepared.appliedRelease ? { appliedRelease: prepared.appliedRelease } : {}),
    ...(prepared.capacity ? { capacity: prepared.capacity } : {}),
    scale: options.scale,
    seed: options.seed,
    dbProvider: options.db.provider,
  });
  await writeRunRecord(dir, record).catch(async (error: unknown) => {
    if (!(error instanceof RunRecordWriteError)) throw error;
    if (error.savedTo) await rm(error.savedTo, { force: true });
    await rm(dir, { recursive: true, force: true });
    throw new InfrastructureError(`cannot write into the run folder ${dir}: ${error.cause.code ?? error.cause.message} (${error.cause.message}); nothing was started`);
  });
  return { dir, record };
}

/** Every stage, then everything started stopped (last first), whatever happened; the record as it stands then. */
async function runStages(run: RunInProgress, record: RunRecord): Promise<RunRecord> {
  let measured: Partial<RunRecord> = {};
  try {
    measured = await rehearse(run, record.context);
  } catch (error) {
    // Only a bug gets here (every stage records its own failure); the record is still written.
    run.stages.fail('run', error);
  } finally {
    for (const cleanup of run.cleanups.reverse()) await cleanup().catch(() => undefined);
  }
  return { ...record, ...measured, ...run.stages.outcome(), finishedAt: new Date().toISOString() };
}

/** Where test accounts go: never the run folder. Folders of runs that were killed outright go first. */
async function privateDataDir(log: (line: string) => void): Promise<PrivateTempDir> {
  for (const dir of await removeAbandonedTempDirs(TEST_DATA_DIR_PREFIX)) log(`recovered: removed ${dir} (test accounts of a run that did not finish)`);
  return createPrivateTempDir(TEST_DATA_DIR_PREFIX);
}

/** The stages a run goes through; `cache server` only when the config has one. */
function plannedStages(options: RehearsalOptions): string[] {
  const cache = options.loaded.config.services?.redis ? [CACHE_SERVER_STAGE] : [];
  return ['database', 'seed', 'test data', ...cache, 'app', 'load', 'results', 'probe'];
}

/** The stages in order; returns what they measured. A stage that fails ends the run where later stages need it. */
async function rehearse(run: RunInProgress, context: RunRecord['context']): Promise<Partial<RunRecord>> {
  const { options, prepared, stages } = run;
  const database = await stages.run('database', `starting Postgres (${options.db.provider})`, () => startDatabase(run));
  if (!database) return {};
  const measured: Partial<RunRecord> = { context: { ...context, postgresVersion: await serverVersion(database) } };

  const seeded = await stages.run('seed', `preparing the data: model ${prepared.model.name}${options.profile ? ` shaped by profile ${options.profile.file}` : ''}, scale ${options.scale}, seed ${options.seed}`, () => seedRunDatabase(run, database));
  if (!seeded) return measured;
  const { runDatabase, profileSettings } = seeded;
  if (profileSettings) measured.context = { ...measured.context!, profileSettings };
  const script = await stages.run('test data', 'exporting the scenario test data', () => catchBadInput(run, () => exportData(run, runDatabaseUrl(database, runDatabase))));
  if (!script) return measured;
  const cache = options.loaded.config.services?.redis ? await stages.run(CACHE_SERVER_STAGE, 'starting the cache server', () => useCacheServer(run)) : null;
  if (cache === undefined) return measured;
  if (cache && 'notMeasured' in cache) {
    options.log(`  ${cache.notMeasured}`);
    measured.cacheServer = unmeasuredCacheServer(cache.notMeasured);
  }
  const cacheTarget = cache && 'target' in cache ? cache.target : undefined;
  const app = await stages.run('app', `starting the app: ${prepared.appCommand.command ?? prepared.appCommand.baseUrl}`, () => startServing(run, runDatabaseUrl(database, runDatabase), cacheTarget?.url));
  if (!app) return measured;
  const runners = options.runners ?? 1;
  // Several runners write one raw file each, named in the record's phases.
  measured.files = { k6Raw: runners === 1 ? K6_RAW_FILE : null, appLog: app.logged ? APP_LOG_FILE : null };

  const plan = plannedScenarios(script.plan);
  options.onLoadStart?.(plan);
  const load = await driveLoad({
    line: `running ${prepared.scenario.name} with k6 (${path.relative(process.cwd(), script.script)})${runners === 1 ? '' : ` on ${runners} runners`}`,
    driver: createLoadDriver('local-k6', prepared.k6, { runners }),
    phases: [{ name: 'load', script: script.script, rawFile: path.join(run.dir, K6_RAW_FILE), env: { BASE_URL: app.loadUrl, REHEARSE_DATA_DIR: dataDirOf(run) } }],
    collectors: [...createCollectors(run, database, app, cacheTarget), ...app.participants],
    context: { admin: database.admin, database: runDatabase, connection: { ...database.connection, database: runDatabase }, baseUrl: app.baseUrl, intervalMs: SAMPLE_INTERVAL_MS },
    appExited: app.exited,
    signal: options.signal,
    stages,
    onOutput: options.k6Output,
  });
  Object.assign(measured, load.patch, await readSamples(run, plan, script.plan.statusChecks, rawFilesOf(load.patch.phases ?? [])));
  if (!load.completed) return measured;

  const queryProfiles = await stages.run('probe', 'probing each page alone for its query profile', () => probeAfterLoad(run, database.admin, runDatabase, app, script.plan, cacheTarget?.url));
  return queryProfiles ? { ...measured, queryProfiles } : measured;
}

/**
 * The `results` stage: k6's samples read into the record, and the load as
 * planned beside what k6 delivered. Samples of a load that ended early are
 * still read: they say what happened until then.
 */
async function readSamples(run: RunInProgress, plan: PlannedScenario[], statusChecks: Record<string, string>, rawFiles: readonly string[]): Promise<Partial<RunRecord>> {
  const files = rawFiles.map((file) => path.join(run.dir, file));
  const line = files.length === 1 ? 'reading k6 samples' : `reading and merging ${files.length} runners' k6 samples`;
  const results = await run.stages.run('results', line, () => aggregateK6Csv(files, { statusChecks }), { evenIfInterrupted: true });
  if (!results) return {};
  const { delivered, ...measured } = results;
  return { ...measured, load: { plan, ...delivered } };
}

/** The raw files the load wrote, inside the run directory: one per runner when it ran on several. */
function rawFilesOf(phases: readonly LoadPhaseResult[]): string[] {
  const runnerFiles = phases.flatMap((phase) => phase.runners?.map((runner) => runner.rawFile) ?? []);
  return runnerFiles.length > 0 ? runnerFiles : [K6_RAW_FILE];
}

/** The per-page probe; after a capacity run, which ends overloaded, only once the app has finished what was queued. */
async function probeAfterLoad(run: RunInProgress, admin: Queryable, database: string, app: ServingApp, plan: K6ScriptPlan, cacheServerUrl: string | undefined): Promise<QueryProfile[]> {
  const { options, prepared } = run;
  if (Object.keys(plan.plateaus ?? {}).length > 0) await waitForQuiet({ admin, database, signal: options.signal, log: options.log });
  // Through the release event's proxy, the probe reads the app that serves once the load ends.
  return probePages({ scenario: prepared.scenario, baseUrl: app.loadUrl, dataDir: dataDirOf(run), admin, database, requests: options.probeRequests, appPid: app.pid, cacheServerUrl, signal: options.signal });
}

/** Keeps a typed user error (exit 2) a stage throws, so the command can exit 2 once the run is recorded. */
async function catchBadInput<T>(run: RunInProgress, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof RehearseError && error.exitCode === 2) run.badInput ??= error;
    throw error;
  }
}

/** The scenario's budgets as the record keeps them (k6 got them as thresholds). */
function recordedBudgets(scenario: Prepared['scenario']): NonNullable<RunRecord['context']['scenario']['budgets']> {
  return { pages: scenario.budgets?.pages ?? {}, overall: scenario.budgets?.overall ?? null };
}

/** `reports/latest` → the newest run, so scripts and CI need not know its id. */
async function pointLatestAt(dir: string): Promise<void> {
  const latest = path.join(path.dirname(dir), 'latest');
  await rm(latest, { force: true });
  await symlink(path.basename(dir), latest).catch(() => undefined);
}

