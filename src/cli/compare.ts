import type { Command } from 'commander';
import type { GlobalFlags } from './context.ts';
import { addReportOptions, reportFromFlags, splitRuns, type ReportFlags } from './report.ts';

export function registerCompare(program: Command): void {
  addReportOptions(
    program
      .command('compare <baseline> <candidate>')
      .description('compare a candidate run with a baseline run page by page and query by query; exit 1 on a regression or a broken budget'),
  )
    .addHelpText('after', '\nRepeats: give several runs per side comma-separated, e.g. rehearse compare base1,base2,base3 cand1,cand2')
    .action((baseline: string, candidate: string, flags: ReportFlags, command: Command) =>
      reportFromFlags(splitRuns([candidate]), splitRuns([baseline]), flags, command.optsWithGlobals<GlobalFlags>()),
    );
}
