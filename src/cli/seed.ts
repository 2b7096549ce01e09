import type { Command } from 'commander';
import { resolveDbOptions, type DbFlags } from '../config/resolve-options.ts';
import { createProjectProvider } from '../db/project-provider.ts';
import { renderFidelity } from '../profile/fidelity.ts';
import { loadProfile } from '../profile/profile-model.ts';
import { profileMajor, renderProfileSettings } from '../profile/profile-settings.ts';
import { seedFromProfile } from '../profile/seed-from-profile.ts';
import { introspectedModel, loadModel } from '../seed/load-model.ts';
import { renderSeedSummary } from '../seed/render-seed-summary.ts';
import { seed } from '../seed/seed.ts';
import { loadCommandConfig, type GlobalFlags } from './context.ts';
import { DB_VERSION_HELP, positiveNumber, wholeNumber } from './flag-values.ts';
import { withInterrupts } from './interrupts.ts';
import { SeedProgress } from './seed-progress.ts';

interface SeedFlags extends DbFlags {
  scale?: string;
  seed?: string;
  model?: string;
  profile?: string;
  database?: string;
  template: boolean;
  json?: boolean;
}

export function registerSeed(program: Command): void {
  program
    .command('seed')
    .description('fill the database with production-scale synthetic data (COPY, deterministic per --seed, sized by --scale)')
    .option('--scale <n>', 'multiply every row count of the model (default: data.scale, else 1)')
    .option('--seed <n>', 'PRNG seed: same model, scale and seed give identical data (default: data.seed, else 42)')
    .option('--model <file>', 'data model module (default: data.model; without one, every table gets 1000 rows × scale)')
    .option('--profile <file>', 'a production profile (`rehearse profile capture`): its row counts × scale and column statistics shape the data; a model\'s rows and generators still win; prints a fidelity report')
    .option('--db <provider>', 'embedded | testcontainers | url (default: from config, else embedded)')
    .option('--db-version <major>', DB_VERSION_HELP)
    .option('--url <url>', 'seed the database at this URL (it must be marked disposable), or a server URL (…/postgres) to let rehearse create its own')
    .option('--database <name>', 'name of the database to seed on the server (default: the URL\'s, or "rehearse")')
    .option('--no-template', 'seed the target in place instead of building and reusing a template')
    .option('--json', 'print one JSON object instead of progress and a summary')
    .action((flags: SeedFlags, command: Command) => seedCommand(flags, command.optsWithGlobals<GlobalFlags>()));
}

async function seedCommand(flags: SeedFlags, globals: GlobalFlags): Promise<void> {
  const { config, root } = await loadCommandConfig(globals);
  const scale = positiveNumber('--scale', flags.scale) ?? config.data.scale;
  const seedValue = wholeNumber('--seed', flags.seed) ?? config.data.seed;
  const modelFile = flags.model ?? config.data.model;
  const profile = flags.profile ? await loadProfile(flags.profile) : undefined;
  const ownModel = modelFile ? await loadModel(modelFile, flags.model ? process.cwd() : root) : undefined;
  const model = ownModel ?? introspectedModel();
  const options = resolveDbOptions(config.db, process.env, flags, profile && flags.profile ? { file: flags.profile, major: profileMajor(profile) } : undefined);
  const progress = flags.json ? undefined : new SeedProgress();
  await withInterrupts(async (signal) => {
    const database = await createProjectProvider(options, root).start({ signal, onProgress: progress ? (line) => process.stderr.write(`${line}\n`) : undefined });
    try {
      const common = {
        database,
        scale,
        seed: seedValue,
        template: flags.template,
        signal,
        ...(flags.database ? { targetDatabase: flags.database } : {}),
        ...(progress ? { onEvent: progress.onEvent } : {}),
      };
      if (profile) {
        const result = await seedFromProfile({ ...common, profile, profileFile: flags.profile, configuredSettings: Object.keys(config.db.settings), ...(ownModel ? { model: ownModel } : {}) });
        progress?.finish();
        process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : `${renderSeedSummary(result)}${renderProfileSettings(result.settings)}${renderFidelity(result.fidelity)}`);
        return;
      }
      const result = await seed({ ...common, model });
      progress?.finish();
      process.stdout.write(flags.json ? `${JSON.stringify(result)}\n` : renderSeedSummary(result));
    } finally {
      progress?.finish();
      await database.stop();
    }
  });
}

