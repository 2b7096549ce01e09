import path from 'node:path';
import type { Command } from 'commander';
import { collectRunnerOutputs } from '../run/collect-runner-outputs.ts';
import { loadCommandConfig, type GlobalFlags } from './context.ts';
import { loadShapeFlags } from './flag-values.ts';
import { reportWithConfig } from './report.ts';

interface CollectFlags {
  scenario: string;
  release?: string;
  duration?: string;
  rateScale?: string;
  report?: boolean;
}

export function registerCollect(program: Command): void {
  program
    .command('collect <dir>')
    .description("turn k6 runners' raw outputs (k6-operator pods, other machines) into one run record, then report on it")
    .requiredOption('--scenario <file>', 'the scenario the runners ran (its plan and budgets)')
    .option('--release <name>', 'a label for the run, part of its id')
    .option('--duration <d>', 'the --duration the script was built with')
    .option('--rate-scale <f>', 'the --rate-scale the script was built with')
    .option('--no-report', 'write the record only')
    .action(async (dir: string, flags: CollectFlags, command: Command) => {
      const loaded = await loadCommandConfig(command.optsWithGlobals<GlobalFlags>());
      const collected = await collectRunnerOutputs({
        dir,
        scenarioFile: flags.scenario,
        reportsDir: path.join(loaded.root, 'reports'),
        build: loadShapeFlags(flags),
        ...(flags.release ? { release: flags.release } : {}),
      });
      process.stdout.write(`merged ${collected.rawFiles.length} runner output(s): ${collected.record.totals?.requests ?? 0} requests\nwrote ${path.relative(process.cwd(), collected.recordFile)}\n`);
      if (flags.report === false) return;
      process.stdout.write('\n');
      await reportWithConfig([collected.dir], [], loaded);
    });
}
