import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import { buildScript } from '../scenario/build-script.ts';
import { buildForK6Operator } from '../scenario/build-k6-operator.ts';
import { importRecording } from '../scenario/import-recording.ts';
import { listScenarios } from '../scenario/list-scenarios.ts';
import { loadCommandConfig, type GlobalFlags } from './context.ts';
import { loadShapeFlags, positiveWholeNumber } from './flag-values.ts';

interface BuildFlags {
  out?: string;
  duration?: string;
  rateScale?: string;
  k6Operator?: boolean;
  parallelism?: string;
  baseUrl?: string;
  dataUrl?: string;
}

interface ImportFlags {
  out?: string;
  name?: string;
  host: string[];
  keepStatic?: boolean;
  force?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

async function buildK6OperatorFromFlags(file: string, flags: BuildFlags): Promise<void> {
  if (!flags.baseUrl) throw new UsageError('--base-url: required with --k6-operator: the app under test as the runner pods reach it (its Service URL in the cluster), given to the script as BASE_URL');
  const built = await buildForK6Operator(file, {
    parallelism: positiveWholeNumber('--parallelism', flags.parallelism) ?? 2,
    build: loadShapeFlags(flags),
    ...(flags.out ? { outDir: flags.out } : {}),
    ...(flags.baseUrl ? { baseUrl: flags.baseUrl } : {}),
    ...(flags.dataUrl ? { dataUrl: flags.dataUrl } : {}),
  });
  for (const written of built.files) process.stdout.write(`wrote ${path.relative(process.cwd(), written)}\n`);
  process.stdout.write(`apply and collect: see ${path.relative(process.cwd(), path.join(built.dir, 'README.md'))}\n`);
}

export function registerScenario(program: Command): void {
  const scenario = program.command('scenario').description('build k6 scripts from scenario files, list the scenarios, import recorded sessions');
  scenario
    .command('build <file>')
    .description('write the k6 script for a scenario file')
    .option('-o, --out <path>', 'where to write the script (default: reports/scripts/<name>.js)')
    .option('--duration <d>', 'stretch or compress the load shape to this total length, e.g. 20s')
    .option('--rate-scale <f>', 'multiply every arrival rate and VU count, e.g. 0.1')
    .option('--k6-operator', 'write k6-operator manifests (TestRun, ConfigMap, volume claims) and a README of kubectl commands into --out (a folder)')
    .option('--parallelism <n>', 'with --k6-operator: runner pods, each one execution segment (default 2)')
    .option('--base-url <url>', 'with --k6-operator: the app as the runner pods reach it (BASE_URL)')
    .option('--data-url <postgres-url>', "with --k6-operator: export the scenario's test data from this seeded database")
    .action(async (file: string, flags: BuildFlags) => {
      if (flags.k6Operator) return buildK6OperatorFromFlags(file, flags);
      if (flags.parallelism || flags.baseUrl || flags.dataUrl) throw new UsageError('--parallelism, --base-url and --data-url go with --k6-operator');
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
  scenario
    .command('import <file.har>')
    .description('turn a recorded browser session (HAR) into a scenario file')
    .option('-o, --out <path>', 'where to write the scenario (default: <scenarios.dir>/<name>.ts)')
    .option('--name <name>', "the scenario's name (default: from the HAR file's name)")
    .option('--host <host:port>', "also keep requests to this host besides the recording's own (repeatable)", collect, [])
    .option('--keep-static', 'keep scripts, styles, images and fonts too')
    .option('--force', 'replace the scenario file if it exists')
    .action(async (file: string, flags: ImportFlags, command: Command) => {
      const { config, root } = await loadCommandConfig(command.optsWithGlobals<GlobalFlags>());
      const imported = await importRecording(file, {
        scenariosDir: path.resolve(root, config.scenarios.dir),
        hosts: flags.host,
        keepStaticFiles: flags.keepStatic ?? false,
        force: flags.force ?? false,
        ...(flags.out ? { out: flags.out } : {}),
        ...(flags.name ? { name: flags.name } : {}),
      });
      const shown = path.relative(process.cwd(), imported.file);
      process.stdout.write(`${file} → ${shown}: ${imported.kept} pages, ${imported.leftOut.length} requests left out (listed at the top of the file)\n`);
      for (const capture of imported.captures) process.stdout.write(`  capture ${capture.name} ← ${capture.source} of ${capture.page}\n`);
      for (const literal of imported.literals) process.stdout.write(`  note: ${literal}\n`);
      process.stdout.write(`check it: rehearse scenario build ${shown}; rehearse it: rehearse run ${shown}\n`);
    });
}
