import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { resolveDbOptions, type DbFlags } from '../config/resolve-options.ts';
import { withDatabase } from '../db/connection-url.ts';
import { createProjectProvider } from '../db/project-provider.ts';
import type { RunningDatabase } from '../db/provider.ts';
import { runStatement, StatementError, type StatementResult } from '../db/run-statement.ts';
import { InfrastructureError } from '../errors.ts';
import { findOnPath } from '../k6/locate-k6.ts';
import { defaultSeedTarget } from '../seed/seed.ts';
import { waitForExit } from '../system/child-process.ts';
import { loadCommandConfig } from './context.ts';
import { withInterrupts } from './interrupts.ts';
import { DB_VERSION_HELP } from './flag-values.ts';

interface PsqlFlags extends DbFlags {
  database?: string;
  command?: string;
}

/** `db psql`: look at the seeded data, in psql or one statement at a time. */
export function registerDbPsql(db: Command): void {
  db.command('psql')
    .description('open psql on the seeded database (starting the project\'s Postgres if needed), or run one statement with -c and print its rows')
    .option('--database <name>', 'database to open (default: the one `rehearse seed` writes to)')
    .option('-c, --command <sql>', 'run one statement through rehearse\'s own connection and print the rows (no psql needed); exit 1 on an SQL error')
    .option('--db <provider>', 'embedded | testcontainers | url (default: from config, else embedded)')
    .option('--db-version <major>', DB_VERSION_HELP)
    .option('--url <url>', 'the server or database (implies --db url)')
    .action((flags: PsqlFlags, command: Command) => dbPsql(flags, rootArgs(command)));
}

function rootArgs(command: Command): readonly string[] {
  let root = command;
  while (root.parent) root = root.parent;
  return (root as unknown as { rawArgs?: string[] }).rawArgs ?? [];
}

/**
 * `-c` is also the global short flag for --config, and commander gives
 * every `-c` to the program, so `db psql -c 'select 1'` arrives as a config
 * file named "select 1". A `-c` after `psql` is the statement; a config is
 * a --config anywhere or a `-c` before `db`.
 */
export function psqlArguments(rawArgs: readonly string[], command?: string): { sql?: string; config?: string } {
  const at = rawArgs.indexOf('psql');
  let sql = command;
  let config: string | undefined;
  for (let i = 0; i < rawArgs.length - 1; i++) {
    const arg = rawArgs[i]!;
    const next = rawArgs[i + 1]!;
    if (arg === '--config') config = next;
    else if (arg === '-c' && i > at) sql ??= next;
    else if (arg === '-c') config = next;
  }
  const inline = rawArgs.find((arg) => arg.startsWith('--config='));
  if (inline) config = inline.slice('--config='.length);
  return { ...(sql !== undefined ? { sql } : {}), ...(config !== undefined ? { config } : {}) };
}

async function dbPsql(flags: PsqlFlags, rawArgs: readonly string[]): Promise<void> {
  const { sql, config: configFile } = psqlArguments(rawArgs, flags.command);
  const { config, root } = await loadCommandConfig(configFile ? { config: configFile } : {});
  const options = resolveDbOptions(config.db, process.env, flags);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const database = await withInterrupts((signal) => createProjectProvider(options, root).start({ signal, onProgress: log }));
  try {
    const target = flags.database ?? defaultSeedTarget(database);
    if (sql === undefined) await openPsql(database, target);
    else await printStatement(withDatabase(database.url, target), sql);
  } finally {
    await database.stop();
  }
}

async function printStatement(url: string, sql: string): Promise<void> {
  try {
    process.stdout.write(renderStatementResult(await runStatement(url, sql)));
  } catch (error) {
    if (!(error instanceof StatementError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}

/**
 * psql in the foreground. Ctrl-C belongs to psql (it cancels the query),
 * so this process ignores it until psql exits, then stops the server;
 * SIGTERM ends psql first.
 */
async function openPsql(database: RunningDatabase, target: string): Promise<void> {
  const psql = await findOnPath('psql');
  if (!psql) throw new InfrastructureError('psql is not installed: install the PostgreSQL client (e.g. `apt-get install postgresql-client`), or run one statement with `rehearse db psql -c "select …"`');
  const { host, port, user, password } = database.connection;
  const child = spawn(psql, [], { stdio: 'inherit', env: { ...process.env, PGHOST: host, PGPORT: String(port), PGUSER: user, PGPASSWORD: password, PGDATABASE: target } });
  const ignore = () => undefined;
  const end = () => child.kill('SIGTERM');
  process.on('SIGINT', ignore);
  process.on('SIGTERM', end);
  try {
    const status = await waitForExit(child);
    if (status.code) process.exitCode = status.code;
  } finally {
    process.off('SIGINT', ignore);
    process.off('SIGTERM', end);
  }
}

/** Rows as psql prints them: aligned columns, numbers to the right, `(n rows)`; the command tag for the rest. */
export function renderStatementResult(result: StatementResult): string {
  if (result.columns.length === 0) return `${result.command}${result.rowCount !== null && result.command !== 'SELECT' ? ` ${result.rowCount}` : ''}\n`;
  const cells = result.rows.map((row) => row.map((value) => value ?? ''));
  const widths = result.columns.map((column, i) => Math.max(column.name.length, ...cells.map((row) => longestLine(row[i]!))));
  const line = (values: string[], header: boolean) =>
    ` ${values.map((value, i) => (header ? center(value, widths[i]!) : result.columns[i]!.numeric ? value.padStart(widths[i]!) : value.padEnd(widths[i]!))).join(' | ')}`.trimEnd();
  const out = [line(result.columns.map((c) => c.name), true), widths.map((w) => '-'.repeat(w + 2)).join('+')];
  for (const row of cells) out.push(line(row.map((value) => value.replace(/\n/g, '\\n')), false));
  out.push(`(${cells.length} ${cells.length === 1 ? 'row' : 'rows'})`);
  return `${out.join('\n')}\n`;
}

function longestLine(text: string): number {
  return text.replace(/\n/g, '\\n').length;
}

function center(text: string, width: number): string {
  const left = Math.floor((width - text.length) / 2);
  return (' '.repeat(Math.max(0, left)) + text).padEnd(width);
}
