import path from 'node:path';
import type { Command } from 'commander';
import { buildScript } from '../scenario/build-script.ts';
import { listScenarios } from '../scenario/list-scenarios.ts';
import { loadCommandConfig, type GlobalFlags } from './context.ts';
import { loadShapeFlags } from './flag-values.ts';

interface BuildFlags {
  out?: string;
  duration?: string;
  rateScale?: string;
}

export function registerScenario(program: Command): void {
  const scenario = program.command('scenario').description('build k6 scripts from scenario files, and list the scenarios');
  scenario
    .command('build <file>')
    .description('write the k6 script for a scenario file')
    .option('-o, --out <path>', 'where to write the script (default: reports/scripts/<name>.js)')
    .option('--duration <d>', 'stretch or compress the load shape to this total length, e.g. 20s')
    .option('--rate-scale <f>', 'multiply every arrival rate and VU count, e.g. 0.1')
    .action(async (file: string, flags: BuildFlags) => {
      const built = await buildScript(file, { ...loadShapeFlags(flags), ...(flags.out ? { out: flags.out } : {}) });
      process.stdout.write(`${built.source} → ${path.relative(process.cwd(), built.script)}\n`);
      process.stdout.write(`  test data is read from ${path.relative(process.cwd(), built.dataDir)} (or REHEARSE_DATA_DIR); set BASE_URL to the app\n`);
    });
  scenario
    .command('list')
    .description('list the scenarios in the scenarios folder with their descriptions')
    .option('--dir <dir>', 'folder to list (default: scenarios.dir from the config)')
    .action(async (flags: { dir?: string }, command: Command) => {
      const { config, root } = await loadCommandConfig(command.optsWithGlobals<GlobalFlags>());
      const dir = path.resolve(root, flags.dir ?? config.scenarios.dir);
      const listed = await listScenarios(dir);
      if (listed.length === 0) process.stdout.write(`no scenarios in ${dir}\n`);
      const width = Math.max(...listed.map((item) => (item.name ?? '').length), 10);
      for (const item of listed) {
        const shown = path.relative(process.cwd(), item.file);
        if (item.problem) process.stdout.write(`  ${'(invalid)'.padEnd(width)}  ${shown}\n${item.problem.replace(/^/gm, '      ')}\n`);
        else process.stdout.write(`  ${item.name!.padEnd(width)}  ${item.description}\n  ${' '.repeat(width)}  ${shown}\n`);
      }
      if (listed.some((item) => item.problem)) process.exitCode = 2;
    });
}
