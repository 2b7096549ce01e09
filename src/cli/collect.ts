import path from 'node:path';
import type { Command } from 'commander';
import { markExternalDatabase } from '../collect/external-database.ts';
import { UsageError } from '../errors.ts';
import { collectRunnerOutputs } from '../run/collect-runner-outputs.ts';
import { loadCommandConfig, type GlobalFlags } from './context.ts';
import { loadShapeFlags } from './flag-values.ts';
import { reportWithConfig } from './report.ts';

interface CollectFlags {
  scenario?: string;
  release?: string;
  duration?: string;
  rateScale?: string;
  report?: boolean;
  dbUrl?: string;
  since?: string;
  markStart?: string;
}

export function registerCollect(program: Command): void {
  program
    .command('collect [dir]')
    .description("turn k6 runners' raw outputs (k6-operator pods, other machines) into one run record, then report on it")
    .option('--scenario <file>', 'the scenario the runners ran (its plan and budgets); required with <dir>')
    .option('--release <name>', 'a label for the run, part of its id')
    .option('--duration <d>', 'the --duration the script was built with')
    .option('--rate-scale <f>', 'the --rate-scale the script was built with')
    .option('--db-url <url>', "the app's database, read only: its pg_stat_statements since --since, EXPLAIN of the costliest (nothing executed)")
    .option('--since <file>', 'the mark --mark-start wrote before the load: statements are the difference from it')
    .option('--mark-start <file>', "before the load: write the database's pg_stat_statements as they stand to <file> (needs --db-url, no <dir>)")
    .option('--no-report', 'write the record only')
    .action(async (dir: string | undefined, flags: CollectFlags, command: Command) => {
      if (flags.markStart) return markStart(dir, flags.markStart, flags.dbUrl);
      if (!dir) throw new UsageError('rehearse collect: give the folder of runner outputs (or --mark-start <file> --db-url <url> before the load)');
      if (!flags.scenario) throw new UsageError("rehearse collect: --scenario <file> is required: the scenario the runners ran");
      if (flags.since && !flags.dbUrl) throw new UsageError('rehearse collect: --since needs --db-url, the database the mark was taken of');
      const loaded = await loadCommandConfig(command.optsWithGlobals<GlobalFlags>());
      const collected = await collectRunnerOutputs({
        dir,
        scenarioFile: flags.scenario,
        reportsDir: path.join(loaded.root, 'reports'),
        build: loadShapeFlags(flags),
        ...(flags.release ? { release: flags.release } : {}),
        ...(flags.dbUrl ? { database: { url: flags.dbUrl, ...(flags.since ? { since: flags.since } : {}) } } : {}),
      });
      process.stdout.write(`merged ${collected.rawFiles.length} runner output(s): ${collected.record.totals?.requests ?? 0} requests\n`);
      for (const stage of collected.record.stages.filter((entry) => entry.name.startsWith('collect '))) {
        process.stdout.write(`${stage.name}: ${stage.status}${stage.message ? ` (${stage.message})` : ''}\n`);
      }
      process.stdout.write(`wrote ${path.relative(process.cwd(), collected.recordFile)}\n`);
      if (flags.report === false) return;
      process.stdout.write('\n');
      await reportWithConfig([collected.dir], [], loaded);
    });
}

async function markStart(dir: string | undefined, file: string, dbUrl: string | undefined): Promise<void> {
  if (dir) throw new UsageError(`rehearse collect: --mark-start is taken before the load, without a folder of runner outputs (got ${dir})`);
  if (!dbUrl) throw new UsageError('rehearse collect: --mark-start needs --db-url, the database to mark');
  const mark = await markExternalDatabase(dbUrl, file);
  process.stdout.write(`marked ${mark.snapshot.entries.length} statement(s) of ${mark.target} at ${new Date(mark.snapshot.takenAt).toISOString()} in ${file}\nafter the load: rehearse collect <dir> --scenario <file> --db-url <url> --since ${file}\n`);
}
