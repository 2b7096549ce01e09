import path from 'node:path';
import type { Command } from 'commander';
import type { LoadedConfig } from '../config/load-config.ts';
import { resolveDbOptions, type DbFlags } from '../config/resolve-options.ts';
import { UsageError } from '../errors.ts';
import { loadProfile } from '../profile/profile-model.ts';
import type { Profile } from '../profile/profile-schema.ts';
import { profileMajor } from '../profile/profile-settings.ts';
import { renderRunSummary } from '../run/render-run-summary.ts';
import { refuseEmptyBaselines } from '../analyze/check-comparable.ts';
import { loadDriven, runExitCode } from '../run/run-exit-code.ts';
import { readRunRecord } from '../run/run-record.ts';
import { runRehearsal, type RehearsalOptions } from '../run/run-rehearsal.ts';
import { loadCommandConfig, type GlobalFlags } from './context.ts';
import { DB_VERSION_HELP, durationFlag, loadShapeFlags, positiveNumber, positiveWholeNumber, wholeNumber } from './flag-values.ts';
import { withInterrupts } from './interrupts.ts';
import { reportWithConfig, splitRuns } from './report.ts';
import { SeedProgress } from './seed-progress.ts';

export interface RunFlags extends DbFlags {
  release?: string;
  appEnv?: string[];
  scale?: string;
  seed?: string;
  duration?: string;
  rateScale?: string;
  maxVus?: string;
  keepDatabase?: boolean;
  probeRequests?: string;
  baseline?: string;
  runners?: string;
  profile?: string;
}

interface ReleaseEventFlags {
  deployAt?: string;
  rollbackAt?: string;
  from?: string;
}

function appEnv(pairs: string[] = []): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new UsageError(`--app-env: expected NAME=value, got ${JSON.stringify(pair)}`);
      return [pair.slice(0, eq), pair.slice(eq + 1)];
    }),
  );
}

/** What the flags `run` and `ab` share say, checked: data overrides, load shape, probe, database (the profile's major as its default). */
export function rehearsalFlags(flags: RunFlags, loaded: LoadedConfig, profile?: { file: string; profile: Profile }) {
  return {
    scale: positiveNumber('--scale', flags.scale),
    seed: wholeNumber('--seed', flags.seed),
    probeRequests: positiveWholeNumber('--probe-requests', flags.probeRequests),
    runners: positiveWholeNumber('--runners', flags.runners),
    build: loadShapeFlags(flags),
    db: resolveDbOptions(loaded.config.db, process.env, flags, profile ? { file: profile.file, major: profileMajor(profile.profile) } : undefined),
  };
}

/** Runs a rehearsal from parsed flags and prints its summary; shared by `run`, `demo` and `capacity` (which adds `extra`). */
export async function rehearseFromFlags(scenarioFile: string, flags: RunFlags, loaded: LoadedConfig, extra: Pick<RehearsalOptions, 'adaptScenario' | 'onLoadStart' | 'releaseEvent'> = {}): Promise<void> {
  const profile = flags.profile ? { file: flags.profile, profile: await loadProfile(flags.profile) } : undefined;
  const { scale: scaleFlag, seed: seedFlag, probeRequests, build, db, runners } = rehearsalFlags(flags, loaded, profile);
  const scale = scaleFlag ?? loaded.config.data.scale;
  const seedValue = seedFlag ?? loaded.config.data.seed;
  const env = appEnv(flags.appEnv);
  const baselines = splitRuns(flags.baseline ? [flags.baseline] : []);
  // A baseline that cannot be compared with is bad input: said before the run, not after it.
  await checkBaselines(baselines);
  const progress = new SeedProgress();
  const outcome = await withInterrupts((signal) =>
    runRehearsal({
      scenarioFile,
      loaded,
      db,
      scale,
      seed: seedValue,
      build,
      appEnv: env,
      signal,
      keepDatabase: flags.keepDatabase ?? false,
      log: (line) => {
        progress.finish();
        process.stderr.write(`${line}\n`);
      },
      k6Output: (chunk) => process.stderr.write(chunk),
      onSeedEvent: progress.onEvent,
      ...(flags.release ? { release: flags.release } : {}),
      ...(probeRequests ? { probeRequests } : {}),
      ...(runners ? { runners } : {}),
      ...(profile ? { profile } : {}),
      ...extra,
    }),
  );
  progress.finish();
  const relative = path.relative(process.cwd(), outcome.recordFile);
  process.stdout.write(renderRunSummary(outcome.record, relative.startsWith('..') ? outcome.recordFile : relative));
  if (outcome.badInput) {
    // Recorded as a failed stage, but a mistake in the user's files: said as one, exit 2.
    process.stderr.write(`rehearse: ${outcome.badInput.message}\n`);
    process.exitCode = 2;
    return;
  }
  const runCode = runExitCode(outcome.record);
  process.exitCode = runCode;
  if (!loadDriven(outcome.record)) return;
  // The job ends in a report (against --baseline when given, else the budgets alone), also when a
  // stage after the load failed: the report keeps what was measured and fails, saying why.
  process.stdout.write('\n');
  await reportWithConfig([outcome.dir], baselines, loaded);
  process.exitCode = Math.max(runCode, Number(process.exitCode ?? 0));
}

/** `--deploy-at`, `--rollback-at` and `--from`: the release event to rehearse during the load. */
function releaseEventFlags(flags: ReleaseEventFlags): Pick<RehearsalOptions, 'releaseEvent'> {
  const deployAtSeconds = durationFlag('--deploy-at', flags.deployAt);
  const rollbackAtSeconds = durationFlag('--rollback-at', flags.rollbackAt);
  if (deployAtSeconds === undefined) {
    if (rollbackAtSeconds !== undefined || flags.from) throw new UsageError(`${rollbackAtSeconds !== undefined ? '--rollback-at' : '--from'}: needs --deploy-at, the time of the deploy it follows`);
    return {};
  }
  return { releaseEvent: { deployAtSeconds, ...(rollbackAtSeconds !== undefined ? { rollbackAtSeconds } : {}), ...(flags.from ? { from: flags.from } : {}) } };
}

async function checkBaselines(baselines: readonly string[]): Promise<void> {
  const records = [];
  for (const location of baselines) records.push(await readRunRecord(location));
  refuseEmptyBaselines(records);
}

export function addRunOptions(command: Command): Command {
  return addRehearsalOptions(command)
    .option('--baseline <runs>', 'report against these baseline runs (comma-separated) and exit 1 on a regression; without it the report checks budgets only')
    .option('--keep-database', "keep the run's database copy instead of dropping it")
    .option('--profile <file>', "a production profile (`rehearse profile capture`): the data is shaped by it (the model's rows and generators still win), the run's database plans with its settings, and its major is the default --db-version");
}

/** `run`'s release event: a deploy (and a rollback) during the load. */
function addReleaseEventOptions(command: Command): Command {
  return command
    .option('--deploy-at <time>', 'rehearse the release event: the baseline serves when the load starts; at this time (e.g. 20s) migrate the live database to --release, start it and move traffic to it')
    .option('--rollback-at <time>', 'with --deploy-at: move traffic back to the baseline at this time (e.g. 50s); the schema stays migrated')
    .option('--from <release>', 'with --deploy-at: the release serving before the deploy (default: the app as the config defines it)');
}

/** The options of every command that rehearses (`run`, `demo`, `ab`): data, load shape, database, probe. */
export function addRehearsalOptions(command: Command): Command {
  return command
    .option('--scale <n>', 'data scale (default: data.scale)')
    .option('--seed <n>', 'data seed (default: data.seed)')
    .option('--duration <d>', 'compress or stretch the load shape to this total length, e.g. 60s')
    .option('--rate-scale <f>', 'multiply every arrival rate, e.g. 0.5')
    .option('--max-vus <n>', "the most VUs k6 may be asked for (default: REHEARSE_MAX_VUS, else from this machine's memory)")
    .option('--db <provider>', 'embedded | testcontainers | url (default: from config)')
    .option('--db-version <major>', DB_VERSION_HELP)
    .option('--url <url>', 'a Postgres server or disposable database to rehearse on (implies --db url)')
    .option('--probe-requests <n>', 'requests per page and journey in the query-profile probe (default 10)')
    .option('--runners <n>', 'k6 processes sharing the load, each one execution segment, released together; their samples are merged into one record (default 1)');
}

/** `--release` and `--app-env`: the release under test, as `run` and `capacity` take it. */
export function addReleaseOptions(command: Command): Command {
  return command
    .option('--release <name>', "the release under test: one of the config's releases (applied to the app), else a label; recorded, and part of the run id")
    .option('--app-env <NAME=value...>', "extra environment for the app, over the config's and the release's, e.g. --app-env FEATURE_X=on");
}

export function registerRun(program: Command): void {
  addReleaseEventOptions(
    addRunOptions(
      addReleaseOptions(program.command('run <scenario>').description('rehearse a release end to end: seed, start the app, run k6, record what the app and the database did')),
    ),
  ).action((scenario: string, flags: RunFlags & ReleaseEventFlags, command: Command) =>
    loadCommandConfig(command.optsWithGlobals<GlobalFlags>()).then((loaded) => rehearseFromFlags(scenario, flags, loaded, releaseEventFlags(flags))),
  );
}
