import { stat } from 'node:fs/promises';
import path from 'node:path';
import type { Collector } from '../collect/collector.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { resolveRelease } from '../config/resolve-release.ts';
import type { AppConfig, ReleaseConfig } from '../config/schema.ts';
import { UsageError } from '../errors.ts';
import { lintMigration } from '../release/migration-lint.ts';
import { readMigrationFolder, type MigrationStatementSource } from '../release/migration-sql.ts';
import { releaseEventCollector, type ReleaseEventPlan } from '../release/release-event.ts';
import { runMigrateCommand } from '../release/run-migrate-command.ts';
import { startTrafficProxy } from '../release/traffic-proxy.ts';
import type { PlannedScenario } from './run-record-schema.ts';
import { APP_LOG_FILE, startAppUnderTest, type AppUnderTest, type RunInProgress } from './setup-stages.ts';

export const CANDIDATE_LOG_FILE = 'app-candidate.log';
export const MIGRATE_LOG_FILE = 'migrate.log';

/** `--deploy-at` and `--rollback-at`, in seconds after the load starts; `from` is the release serving before the deploy. */
export interface ReleaseEventOptions {
  deployAtSeconds: number;
  rollbackAtSeconds?: number;
  /** The release that serves when the load starts (default: the config's app with no release applied). */
  from?: string;
}

/** A release event checked before anything starts: the plan, and the candidate's app section. */
export interface PreparedReleaseEvent {
  plan: ReleaseEventPlan;
  baselineApp: AppConfig;
  candidateApp: AppConfig;
  /** Where the candidate's migrate command runs: its app's directory. */
  migrateCwd: string;
}

/**
 * Checks a release event before anything starts (exit 2 otherwise): a
 * candidate the config defines, both apps started by rehearse, the times
 * inside the load, and the candidate's migration SQL parsed and checked.
 */
export async function prepareReleaseEvent(loaded: LoadedConfig, candidate: string | undefined, event: ReleaseEventOptions, load: readonly PlannedScenario[]): Promise<PreparedReleaseEvent> {
  if (!candidate) throw new UsageError('--deploy-at: needs --release <candidate>, the release to deploy during the load');
  const release = loaded.config.releases?.[candidate];
  if (!release) throw new UsageError(`--deploy-at: --release ${JSON.stringify(candidate)} must be one of the config's releases (a label cannot be deployed); known: ${Object.keys(loaded.config.releases ?? {}).join(', ') || 'none'}`);
  const loadSeconds = Math.max(0, ...load.map((scenario) => scenario.startSeconds + scenario.durationSeconds));
  checkTimes(event, loadSeconds);
  const baselineApp = startedApp((await resolveRelease(loaded, event.from)).app, `the baseline${event.from ? ` release ${event.from}` : ''}`);
  const candidateApp = startedApp((await resolveRelease(loaded, candidate)).app, `release ${candidate}`);
  const statements = release.migrations ? await readMigrations(loaded, candidate, release.migrations) : [];
  const migrateCwd = path.resolve(loaded.root, candidateApp.cwd ?? '.');
  if (release.migrate) await checkMigrateCwd(loaded, candidate, migrateCwd);
  return {
    baselineApp,
    candidateApp,
    migrateCwd,
    plan: {
      baseline: event.from ?? 'baseline',
      candidate,
      deployAtSeconds: event.deployAtSeconds,
      ...(event.rollbackAtSeconds !== undefined ? { rollbackAtSeconds: event.rollbackAtSeconds } : {}),
      migrate: migrateOf(release),
      statements,
      findings: lintMigration(statements),
    },
  };
}

function migrateOf(release: ReleaseConfig): ReleaseEventPlan['migrate'] {
  if (release.migrations) return { kind: 'sql', source: release.migrations };
  if (release.migrate) return { kind: 'command', source: release.migrate };
  return { kind: 'none', source: null };
}

async function checkMigrateCwd(loaded: LoadedConfig, candidate: string, cwd: string): Promise<void> {
  const folder = await stat(cwd).catch(() => undefined);
  if (folder?.isDirectory()) return;
  throw new UsageError(`${loaded.file ?? 'rehearse.config.ts'}: releases.${candidate}.migrate: runs in the release's app directory, and there is no folder ${cwd} (set app.cwd, or the release's config, to where the command runs)`);
}

function checkTimes(event: ReleaseEventOptions, loadSeconds: number): void {
  if (event.deployAtSeconds >= loadSeconds) throw new UsageError(`--deploy-at: ${event.deployAtSeconds}s is not inside the load, which lasts ${loadSeconds}s`);
  if (event.rollbackAtSeconds === undefined) return;
  if (event.rollbackAtSeconds <= event.deployAtSeconds) throw new UsageError(`--rollback-at: expected a time after --deploy-at (${event.deployAtSeconds}s), got ${event.rollbackAtSeconds}s`);
  if (event.rollbackAtSeconds >= loadSeconds) throw new UsageError(`--rollback-at: ${event.rollbackAtSeconds}s is not inside the load, which lasts ${loadSeconds}s`);
}

function startedApp(app: AppConfig | undefined, what: string): AppConfig {
  if (!app?.command) throw new UsageError(`--deploy-at: ${what} needs app.command: rehearse starts both apps of a release event (an app.baseUrl cannot be deployed)`);
  return app;
}

async function readMigrations(loaded: LoadedConfig, candidate: string, folder: string): Promise<MigrationStatementSource[]> {
  const dir = path.resolve(loaded.root, folder);
  try {
    return await readMigrationFolder(dir, loaded.root);
  } catch (error) {
    const where = `releases.${candidate}.migrations`;
    throw new UsageError(`${loaded.file ?? 'rehearse.config.ts'}: ${where}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? `no folder ${folder}` : (error as Error).message}`);
  }
}

/**
 * The proxy k6 targets, in front of the baseline app, and the event that
 * moves it: the candidate app is started on the run's database when the
 * deploy comes, and stopped with the run.
 */
export async function startReleaseEvent(run: RunInProgress, event: PreparedReleaseEvent, baseline: AppUnderTest, runUrl: string, env: Record<string, string> = {}): Promise<{ baseUrl: string; collector: Collector }> {
  const proxy = await startTrafficProxy(baseline.baseUrl);
  run.cleanups.push(() => proxy.stop());
  run.options.log(`  release event: k6 targets the proxy at ${proxy.baseUrl}`);
  const migrated: Record<string, string> = event.plan.migrate.kind !== 'none' ? { REHEARSE_MIGRATIONS_APPLIED: '1' } : {};
  const { options } = run;
  const collector = releaseEventCollector({
    plan: event.plan,
    proxy,
    baselineUrl: baseline.baseUrl,
    baselineLog: baseline.logged ? path.join(run.dir, APP_LOG_FILE) : null,
    log: run.options.log,
    runMigrateCommand: () =>
      runMigrateCommand({
        command: event.plan.migrate.source!,
        cwd: event.migrateCwd,
        // The environment the candidate app gets, as a release pipeline gives its migration step.
        env: { ...event.candidateApp.env, ...env, ...options.appEnv },
        databaseUrl: runUrl,
        logFile: path.join(run.dir, MIGRATE_LOG_FILE),
        logName: MIGRATE_LOG_FILE,
        ...(options.signal ? { signal: options.signal } : {}),
      }),
    async startCandidate() {
      const candidate = await startAppUnderTest(run, runUrl, { app: event.candidateApp, logFile: CANDIDATE_LOG_FILE, env: { ...env, ...migrated } });
      return { baseUrl: candidate.baseUrl, logFile: CANDIDATE_LOG_FILE };
    },
  });
  return { baseUrl: proxy.baseUrl, collector };
}

/** The app k6 loads: the one started, or the release event's proxy in front of it with the event taking part in the load. */
export interface ServingApp extends AppUnderTest {
  /** k6's BASE_URL. */
  loadUrl: string;
  /** Scheduled actions that take part in the load beside the collectors (the deploy and rollback). */
  participants: Collector[];
}

/** Starts the app (both releases' apps, with a release event), with the cache server as REDIS_URL when there is one. */
export async function startServing(run: RunInProgress, runUrl: string, cacheServerUrl?: string): Promise<ServingApp> {
  const env: Record<string, string> = cacheServerUrl ? { REDIS_URL: cacheServerUrl } : {};
  const app = await startAppUnderTest(run, runUrl, { env });
  const event = run.prepared.releaseEvent;
  if (!event) return { ...app, loadUrl: app.baseUrl, participants: [] };
  const started = await startReleaseEvent(run, event, app, runUrl, env);
  return { ...app, loadUrl: started.baseUrl, participants: [started.collector] };
}
