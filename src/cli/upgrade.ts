import type { Command } from 'commander';
import { resolveDbOptions } from '../config/resolve-options.ts';
import { isPostgresMajor, POSTGRES_MAJORS, type PostgresMajor } from '../db/postgres-majors.ts';
import { UsageError } from '../errors.ts';
import { readRunRecord } from '../run/run-record.ts';
import { loadModel } from '../seed/load-model.ts';
import { assertUpgradeMajors, rehearseUpgrade } from '../upgrade/rehearse-upgrade.ts';
import { renderUpgrade } from '../upgrade/render-upgrade.ts';
import { loadCommandConfig, type GlobalFlags } from './context.ts';
import { loadShapeFlags, positiveNumber, wholeNumber } from './flag-values.ts';
import { withInterrupts } from './interrupts.ts';

interface UpgradeFlags {
  from: string;
  to: string;
  scale?: string;
  seed?: string;
  productionRows?: string;
  queriesFrom?: string;
  scenario?: string;
  logical?: boolean;
  duration?: string;
  rateScale?: string;
  maxVus?: string;
  json?: boolean;
}

/** The load in the no-statistics window runs twice (before and after ANALYZE): short unless --duration says otherwise. */
const WINDOW_LOAD_DURATION = '30s';

export function registerUpgrade(program: Command): void {
  program
    .command('upgrade')
    .description('rehearse a Postgres major upgrade by dump and restore: seed on the old major, move the data to the new one, time each step and extrapolate the downtime')
    .requiredOption('--from <major>', `the major production runs now (${POSTGRES_MAJORS.join(' | ')})`)
    .requiredOption('--to <major>', 'the major to upgrade to')
    .option('--scale <n>', 'data scale (default: data.scale)')
    .option('--seed <n>', 'data seed (default: data.seed)')
    .option('--production-rows <n>', "production's total rows: the downtime is extrapolated to it with the measured rates")
    .option('--queries-from <run>', "a run (reports/<run-id> or its run.json) whose queries are planned on the new server before and after ANALYZE")
    .option('--scenario <file>', "run this scenario's load against the new server (the config's app started on it) before ANALYZE and again after: p95 and errors per page in the no-statistics window")
    .option('--duration <d>', `with --scenario: compress or stretch each of the two loads to this length (default ${WINDOW_LOAD_DURATION})`)
    .option('--rate-scale <f>', 'with --scenario: multiply every arrival rate, e.g. 0.5')
    .option('--max-vus <n>', "with --scenario: the most VUs k6 may be asked for (default: REHEARSE_MAX_VUS, else from this machine's memory)")
    .option('--logical', 'also rehearse the logical-replication path: the new server subscribes to the old one (wal_level=logical); initial sync, lag under load (the --scenario, else 10 s of writes), cutover pause')
    .option('--json', 'print the result as JSON')
    .action((flags: UpgradeFlags, command: Command) => upgradeCommand(flags, command.optsWithGlobals<GlobalFlags>()));
}

function major(flag: string, value: string): PostgresMajor {
  const parsed = Number(value);
  if (/^\d+$/.test(value) && isPostgresMajor(parsed)) return parsed;
  throw new UsageError(`${flag}: expected a Postgres major, ${POSTGRES_MAJORS.join(' | ')}, got ${JSON.stringify(value)}`);
}

async function upgradeCommand(flags: UpgradeFlags, globals: GlobalFlags): Promise<void> {
  const [from, to] = [major('--from', flags.from), major('--to', flags.to)];
  assertUpgradeMajors(from, to);
  const productionRows = positiveNumber('--production-rows', flags.productionRows);
  if (!flags.scenario && (flags.duration || flags.rateScale || flags.maxVus)) throw new UsageError('--duration, --rate-scale and --max-vus shape the load of --scenario: name the scenario too');
  const build = flags.scenario ? loadShapeFlags({ ...flags, duration: flags.duration ?? WINDOW_LOAD_DURATION }) : undefined;
  const loaded = await loadCommandConfig(globals);
  const { config, root } = loaded;
  const scale = positiveNumber('--scale', flags.scale) ?? config.data.scale;
  const seed = wholeNumber('--seed', flags.seed) ?? config.data.seed;
  if (!config.data.model) throw new UsageError('rehearse upgrade needs a data model with migrations (data.model in rehearse.config.ts): it creates the schema on the new major from them.');
  const model = await loadModel(config.data.model, root);
  const queries = flags.queriesFrom ? (await readRunRecord(flags.queriesFrom)).statements.filter((statement) => statement.plan).map((statement) => statement.query) : [];
  await withInterrupts(async (signal) => {
    const result = await rehearseUpgrade({
      from,
      to,
      db: resolveDbOptions(config.db, process.env, {}),
      root,
      model,
      scale,
      seed,
      queries,
      ...(flags.scenario && build ? { load: { scenarioFile: flags.scenario, loaded, build } } : {}),
      ...(flags.logical ? { logical: true } : {}),
      signal,
      onProgress: (line) => process.stderr.write(`${line}\n`),
      ...(productionRows ? { productionRows } : {}),
    });
    process.stdout.write(flags.json ? `${JSON.stringify(result, null, 2)}\n` : renderUpgrade(result));
  });
}
