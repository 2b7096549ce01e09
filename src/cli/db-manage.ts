import { rm } from 'node:fs/promises';
import type { Command } from 'commander';
import { resolveDbOptions, type DbFlags } from '../config/resolve-options.ts';
import { connectClient } from '../db/connect-client.ts';
import { maskUrl } from '../db/connection-url.ts';
import { acquireClusterLock } from '../db/cluster-lock.ts';
import { markDisposable } from '../db/disposable-marker.ts';
import { createProjectProvider, projectClusterDir } from '../db/project-provider.ts';
import { dropRunDatabases } from '../db/run-databases.ts';
import { openServerAdmin } from '../db/server-admin.ts';
import { UsageError } from '../errors.ts';
import { cleanTemplates } from '../seed/clean-templates.ts';
import { resetDatabase } from '../seed/reset-database.ts';
import { loadCommandConfig, type GlobalFlags } from './context.ts';
import { withInterrupts } from './interrupts.ts';
import { DB_VERSION_HELP } from './flag-values.ts';

interface ManageFlags extends DbFlags {
  database?: string;
  all?: boolean;
  yes?: boolean;
}

/** `db reset`, `db clean` and `db mark-disposable`: the seeded data's lifecycle. */
export function registerDbManage(program: Command): void {
  const db = program.commands.find((command) => command.name() === 'db') ?? program.command('db').description('start and manage the rehearsal Postgres');
  withDbFlags(db.command('reset'))
    .description('give the seeded database a fresh copy of its template (undo what a run wrote)')
    .option('--database <name>', 'database to reset (default: the URL\'s, or "rehearse")')
    .action((flags: ManageFlags, command: Command) => dbReset(flags, command.optsWithGlobals<GlobalFlags>()));
  withDbFlags(db.command('clean'))
    .description("drop every seeded template, half-built database and leftover run copy; --all deletes the project's whole embedded cluster")
    .option('--all', 'embedded: delete the whole cluster of the chosen major, .rehearse/pg (18) or .rehearse/pg-<major> (refused while another command uses it)')
    .action((flags: ManageFlags, command: Command) => dbClean(flags, command.optsWithGlobals<GlobalFlags>()));
  db.command('mark-disposable')
    .description('let rehearse truncate and rewrite the database at --url (records a marker in it)')
    .requiredOption('--url <url>', 'the database to mark')
    .option('--yes', 'confirm that its data may be thrown away')
    .action((flags: ManageFlags) => dbMarkDisposable(flags));
}

function withDbFlags(command: Command): Command {
  return command
    .option('--db <provider>', 'embedded | testcontainers | url (default: from config, else embedded)')
    .option('--db-version <major>', DB_VERSION_HELP)
    .option('--url <url>', 'the server or database (implies --db url)');
}

async function dbReset(flags: ManageFlags, globals: GlobalFlags): Promise<void> {
  const { config, root } = await loadCommandConfig(globals);
  const options = resolveDbOptions(config.db, process.env, flags);
  await withInterrupts(async (signal) => {
    const database = await createProjectProvider(options, root).start({ signal, onProgress: (line) => process.stderr.write(`${line}\n`) });
    try {
      const reset = await resetDatabase(database, flags.database);
      process.stdout.write(`${reset.database} is a fresh copy of ${reset.template} again.\n`);
    } finally {
      await database.stop();
    }
  });
}

async function dbClean(flags: ManageFlags, globals: GlobalFlags): Promise<void> {
  const { config, root } = await loadCommandConfig(globals);
  const options = resolveDbOptions(config.db, process.env, flags);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  if (flags.all) {
    if (options.provider !== 'embedded') throw new UsageError('--all deletes the embedded cluster; it only applies to --db embedded');
    await deleteCluster(projectClusterDir(root, options.version), log);
    return;
  }
  await withInterrupts(async (signal) => {
    const database = await createProjectProvider(options, root).start({ signal, onProgress: log });
    const server = openServerAdmin(database);
    try {
      const dropped = [...(await cleanTemplates(server.admin)), ...(await dropRunDatabases(server.admin, { ownedServer: database.owned }))];
      process.stdout.write(dropped.length ? `dropped ${dropped.join(', ')}\n` : 'no seeded templates or run copies to drop\n');
    } finally {
      await server.close();
      await database.stop();
    }
  });
}

/** `db clean --all`: only under the cluster's lock, so a cluster in use is never deleted under its server. */
async function deleteCluster(clusterDir: string, log: (line: string) => void): Promise<void> {
  const lock = await acquireClusterLock(clusterDir);
  try {
    for (const line of lock.recovered) log(`recovered: ${line}`);
    await rm(clusterDir, { recursive: true, force: true });
    process.stdout.write(`deleted the embedded cluster in ${clusterDir}\n`);
  } finally {
    await lock.release();
  }
}

async function dbMarkDisposable(flags: ManageFlags): Promise<void> {
  const url = flags.url!;
  if (!flags.yes) {
    throw new UsageError(`marking ${maskUrl(url)} disposable lets \`rehearse seed\` truncate and rewrite every table it seeds there; run again with --yes to confirm`);
  }
  const client = await connectClient(url);
  try {
    const marker = await markDisposable(client);
    const how = marker.origin === 'created' ? 'was created by rehearse, so it is already seedable' : 'is marked disposable: `rehearse seed --url …` may now rewrite it';
    process.stdout.write(`${maskUrl(url)} ${how}.\n`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
