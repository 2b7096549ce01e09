import path from 'node:path';
import type { Command } from 'commander';
import { rehearseAb } from '../ab/rehearse-ab.ts';
import { renderAbSummary } from '../ab/describe-ab.ts';
import { loadConfig } from '../config/load-config.ts';
import { UsageError } from '../errors.ts';
import { loadCommandConfig, type GlobalFlags } from './context.ts';
import { positiveWholeNumber } from './flag-values.ts';
import { withInterrupts } from './interrupts.ts';
import { addReportOptions, formatsFrom, parseTolerance, type ReportFlags } from './report.ts';
import { addRehearsalOptions, rehearsalFlags, type RunFlags } from './run.ts';
import { SeedProgress } from './seed-progress.ts';

interface AbFlags extends Omit<RunFlags, 'baseline'>, Omit<ReportFlags, 'baseline'> {
  baselineRelease?: string;
  baselineConfig?: string;
  maxRepeats?: string;
  strict?: boolean;
}

const DEFAULT_MAX_REPEATS = 5;

/** `rehearse ab`: parses the flags, rehearses both sides alternately, prints the verdicts and the files, sets the exit code. */
async function abFromFlags(scenarioFile: string, flags: AbFlags, global: GlobalFlags): Promise<void> {
  const loaded = await loadCommandConfig(global);
  if (!flags.baselineRelease && !flags.baselineConfig) {
    throw new UsageError('rehearse ab: name the baseline: --baseline-release <name> (a release of this config) or --baseline-config <file> (another checkout), or both');
  }
  const baseline = flags.baselineConfig ? await loadConfig(process.cwd(), flags.baselineConfig) : loaded;
  const { scale, seed, probeRequests, build, db, runners } = rehearsalFlags(flags, loaded);
  const formats = formatsFrom(flags.format);
  const progress = new SeedProgress();
  const print = (line: string) => {
    progress.finish();
    process.stderr.write(`${line}\n`);
  };
  const outcome = await withInterrupts((signal) =>
    rehearseAb({
      scenarioFile,
      baseline: { loaded: baseline, ...(flags.baselineRelease ? { release: flags.baselineRelease } : {}) },
      candidate: { loaded, ...(flags.release ? { release: flags.release } : {}) },
      db,
      build,
      maxRepeats: positiveWholeNumber('--max-repeats', flags.maxRepeats) ?? DEFAULT_MAX_REPEATS,
      tolerance: parseTolerance(flags.tolerance) ?? loaded.config.budgets.tolerance,
      strict: flags.strict ?? false,
      report: {
        scenarioBudgets: flags.scenarioBudgets ?? true,
        ...(formats ? { formats } : {}),
        ...(flags.out ? { outDir: flags.out } : {}),
        ...(process.env.GITHUB_STEP_SUMMARY ? { stepSummaryFile: process.env.GITHUB_STEP_SUMMARY } : {}),
      },
      signal,
      log: (line) => print(`  ${line}`),
      progress: (line) => print(`\n${line}`),
      onSeedEvent: progress.onEvent,
      ...(scale !== undefined ? { scale } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(probeRequests ? { probeRequests } : {}),
      ...(runners ? { runners } : {}),
    }),
  );
  progress.finish();
  const files = [...(outcome.report?.files ?? []), outcome.summaryFile].map(shown);
  const headline = outcome.report ? [`report: ${outcome.report.analysis.headline}`] : [];
  process.stdout.write(`\n${renderAbSummary(outcome.summary)}\n${headline.join('\n')}\n\n${files.map((file) => `wrote ${file}`).join('\n')}\n`);
  if (outcome.badInput) process.stderr.write(`rehearse: ${outcome.badInput.message}\n`);
  process.exitCode = outcome.exitCode;
}

function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}

export function registerAb(program: Command): void {
  addReportOptions(
    addRehearsalOptions(
      program
        .command('ab <scenario>')
        .description('rehearse a baseline and a candidate alternately (A B B A …) on one seeded template until every page is DIFFERENT or SAME (or --max-repeats), and write one comparison report; exit 1 when the gate fails')
        .option('--baseline-release <name>', "the baseline's release: one of its config's releases (the baseline config's, with --baseline-config)")
        .option('--release <name>', "the candidate's release: one of this config's releases (default: the app as configured)")
        .option('--baseline-config <file>', "the baseline's own config, e.g. a checkout of the base branch (its app, its releases, its model); both sides rehearse this config's database")
        .option('--max-repeats <n>', `the most runs per side (default ${DEFAULT_MAX_REPEATS})`),
    ),
  )
    .addHelpText('after', '\nA pull request: rehearse ab scenarios/spike.ts --baseline-config ../base/rehearse.config.ts\nTwo releases:   rehearse ab scenarios/spike.ts --baseline-release baseline --release bookings-n-plus-one')
    .action((scenario: string, flags: AbFlags, command: Command) => abFromFlags(scenario, flags, command.optsWithGlobals<GlobalFlags>()));
}
