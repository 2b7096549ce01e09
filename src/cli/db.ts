import type { Command } from 'commander';
import { resolveDbOptions, type DbFlags } from '../config/resolve-options.ts';
import { maskUrl } from '../db/connection-url.ts';
import { createProvider } from '../db/create-provider.ts';
import { describeServer } from '../db/describe-server.ts';
import { untilAborted } from '../system/abort.ts';
import { loadCommandConfig, type GlobalFlags } from './context.ts';
import { registerDbPsql } from './db-psql.ts';
import { withInterrupts } from './interrupts.ts';
import { DB_VERSION_HELP } from './flag-values.ts';

interface DbUpFlags extends DbFlags {
  showPassword?: boolean;
}

export function registerDb(program: Command): void {
  const db = program.command('db').description('start and manage the rehearsal Postgres');
  db.command('up')
    .description('start the configured Postgres, print its URL, and keep it up until Ctrl-C')
    .option('--db <provider>', 'embedded | testcontainers | url (default: from config, else embedded)')
    .option('--db-version <major>', DB_VERSION_HELP)
    .option('--url <url>', 'connect to an existing database (implies --db url)')
    .option('--image <image>', 'Docker image for --db testcontainers')
    .option('--show-password', 'print the password in the URL instead of ***')
    .action((flags: DbUpFlags, command: Command) => dbUp(flags, command.optsWithGlobals<GlobalFlags>()));
  registerDbPsql(db);
}

async function dbUp(flags: DbUpFlags, globals: GlobalFlags): Promise<void> {
  const { config } = await loadCommandConfig(globals);
  const options = resolveDbOptions(config.db, process.env, flags);
  await withInterrupts(async (signal) => {
    const log = (line: string) => process.stderr.write(`${line}\n`);
    if (options.why) log(`database: ${options.why}`);
    const database = await createProvider(options).start({ signal, onProgress: log });
    try {
      const url = flags.showPassword ? database.url : maskUrl(database.url);
      process.stdout.write(`Postgres (${database.provider}) is up: ${url}\n`);
      process.stdout.write(`  ${await describeServer(database.admin)}\n`);
      for (const [name, value] of Object.entries(database.details)) process.stdout.write(`  ${name}: ${value}\n`);
      process.stdout.write('Press Ctrl-C to stop it.\n');
      await untilAborted(signal);
    } finally {
      await database.stop();
      process.stdout.write(`Postgres (${database.provider}) stopped${database.owned ? ' and its data removed' : ''}.\n`);
    }
  });
}
