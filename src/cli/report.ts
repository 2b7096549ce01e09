import path from 'node:path';
import type { Command } from 'commander';
import { releaseEventLines } from '../report/release-event-report.ts';
import { UsageError } from '../errors.ts';
import { parseFormats, type ReportFormat } from '../report/renderers.ts';
import { reportRuns, type ReportOutcome, type ReportRunsOptions } from '../report/report-runs.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { loadCommandConfig, type GlobalFlags } from './context.ts';

export interface ReportFlags {
  baseline?: string[];
  format?: string;
  out?: string;
  tolerance?: string;
  scenarioBudgets?: boolean;
  strict?: boolean;
}

/** `a b,c` → ['a', 'b', 'c']: runs may be listed or comma-separated. */
export function splitRuns(values: readonly string[] = []): string[] {
  return values.flatMap((value) => value.split(',')).map((value) => value.trim()).filter(Boolean);
}

export function formatsFrom(flag: string | undefined): ReportFormat[] | undefined {
  if (flag === undefined) return undefined;
  const { formats, unknown } = parseFormats(flag);
  if (unknown.length > 0 || formats.length === 0) throw new UsageError(`--format: expected a comma-separated list of md, html, json, csv, junit, got ${JSON.stringify(flag)}`);
  return formats;
}

/** "10%", "10" (percent) or "0.1" (fraction) → 0.1. */
export function parseTolerance(flag: string | undefined): number | undefined {
  if (flag === undefined) return undefined;
  const text = flag.trim();
  const value = Number(text.replace(/%$/, ''));
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`--tolerance: expected a percentage such as 10% or a fraction such as 0.1, got ${JSON.stringify(flag)}`);
  return text.endsWith('%') || value >= 1 ? value / 100 : value;
}

/** The verdict, the failing checks and warnings, and the files written. */
function printReport(outcome: ReportOutcome): void {
  const { analysis } = outcome;
  const lines = [analysis.headline];
  for (const check of analysis.checks.filter((entry) => entry.status === 'fail')) lines.push(`  ✗ ${check.sentence}`);
  for (const check of analysis.checks.filter((entry) => entry.status === 'warn')) lines.push(`  ! ${check.sentence}`);
  // Every timing verdict is said, not only the failing ones: SAME and an improvement are news too.
  for (const check of analysis.checks.filter((entry) => entry.status === 'pass' && entry.timing)) lines.push(`  ${check.timing?.direction === 'faster' ? '+' : '='} ${check.sentence}`);
  for (const note of analysis.notes) lines.push(`  note: ${note}`);
  lines.push(...releaseEventLines(analysis));
  const shown = (file: string) => (path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file));
  lines.push('', ...outcome.files.map((file) => `wrote ${shown(file)}`));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Runs a report from parsed arguments; shared by `report` and `compare`. */
export async function reportFromFlags(candidates: string[], baselines: string[], flags: ReportFlags, global: GlobalFlags): Promise<void> {
  if (candidates.length === 0) throw new UsageError('expected at least one candidate run (a run directory or its run.json)');
  const formats = formatsFrom(flags.format);
  const tolerance = parseTolerance(flags.tolerance);
  await reportWithConfig(candidates, baselines, await loadCommandConfig(global), {
    scenarioBudgets: flags.scenarioBudgets ?? true,
    strict: flags.strict ?? false,
    ...(tolerance !== undefined ? { tolerance } : {}),
    ...(formats ? { formats } : {}),
    ...(flags.out ? { outDir: flags.out } : {}),
  });
}

/**
 * Reports with the config's budgets and tolerance (overridden by `options`),
 * prints the verdict and sets the exit code; also what `run --baseline` does.
 */
export async function reportWithConfig(
  candidates: string[],
  baselines: string[],
  loaded: LoadedConfig,
  options: Partial<ReportRunsOptions> = {},
): Promise<void> {
  const outcome = await reportRuns({
    candidates,
    baselines,
    configBudgets: loaded.config.budgets,
    tolerance: loaded.config.budgets.tolerance,
    scenarioRoots: [process.cwd(), loaded.root],
    ...(process.env.GITHUB_STEP_SUMMARY ? { stepSummaryFile: process.env.GITHUB_STEP_SUMMARY } : {}),
    ...options,
  });
  printReport(outcome);
  process.exitCode = outcome.exitCode;
}

export function addReportOptions(command: Command): Command {
  return command
    .option('--format <list>', 'comma-separated: md, html, json, csv, junit (default: all)')
    .option('--out <dir>', "where to write the report (default: the candidate run's directory)")
    .option('--tolerance <t>', 'timing regression tolerance, e.g. 10% or 0.1 (default: budgets.tolerance, 10%)')
    .option('--no-scenario-budgets', "do not check the scenario file's budgets")
    .option('--strict', 'fail on a NOT SURE timing verdict or timing budget instead of warning');
}

export function registerReport(program: Command): void {
  addReportOptions(
    program
      .command('report <runs...>')
      .description('report slow pages and slow queries of a run, against --baseline runs when given; exit 1 when a check fails')
      .option('--baseline <runs...>', 'baseline run(s): directories or run.json files, listed or comma-separated'),
  )
    .addHelpText('after', '\nSeveral runs per side are repeats of one release: rehearse report cand1 cand2 --baseline base1,base2')
    .action((runs: string[], flags: ReportFlags, command: Command) => reportFromFlags(splitRuns(runs), splitRuns(flags.baseline), flags, command.optsWithGlobals<GlobalFlags>()));
}
