import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { maskUrl } from '../db/connection-url.ts';
import { UsageError } from '../errors.ts';
import { captureProfile } from '../profile/capture-profile.ts';
import { parseQueryFile } from '../profile/plan-shape.ts';

interface CaptureFlags {
  url: string;
  out: string;
  schema: string;
  includeValues?: boolean;
  explain?: string;
}

/** `profile capture`: production's statistics, read-only, into a file `seed --profile` reads. */
export function registerProfile(program: Command): void {
  const profile = program.command('profile').description('capture what production\'s planner knows (statistics, settings, plans; no rows) to seed a rehearsal like it');
  profile
    .command('capture')
    .description('read pg_stats, table sizes, planner settings, indexes and constraints in one READ ONLY transaction; values only with --include-values')
    .requiredOption('--url <url>', 'the production (or replica) database to read')
    .option('--out <file>', 'where to write the profile', 'profile.json')
    .option('--schema <name>', 'the schema to profile', 'public')
    .option('--include-values', 'also keep the most common values and histogram bounds (row values: off by default)')
    .option('--explain <file>', 'a file of SELECT queries (each ended by ;) whose plan shapes to keep; explained, never run')
    .action((flags: CaptureFlags) => captureCommand(flags));
}

async function captureCommand(flags: CaptureFlags): Promise<void> {
  const explain = flags.explain ? await readQueries(flags.explain) : undefined;
  const profile = await captureProfile({ url: flags.url, schema: flags.schema, includeValues: Boolean(flags.includeValues), ...(explain ? { explain } : {}) });
  await writeFile(flags.out, `${JSON.stringify(profile, null, 2)}\n`);
  const columns = profile.tables.reduce((sum, t) => sum + t.columns.length, 0);
  const rows = profile.tables.reduce((sum, t) => sum + t.rows, 0);
  process.stdout.write(
    `profile of ${maskUrl(flags.url)} (PostgreSQL ${profile.server.version}, schema ${profile.schema}) written to ${flags.out}: ` +
      `${profile.tables.length} tables, ${columns} columns, about ${rows} rows${profile.plans ? `, ${profile.plans.length} plan shapes` : ''}; ` +
      `${profile.includesValues ? 'WITH row values (most common values, histogram bounds)' : 'no row values'}\n`,
  );
}

async function readQueries(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`--explain ${file}: file not found (resolved to ${path.resolve(file)}); expected a file of SELECT queries, each ended by ;`);
  }
  const queries = parseQueryFile(text);
  if (queries.length === 0) throw new UsageError(`--explain ${file}: no queries in it; expected SELECT queries, each ended by ;`);
  return queries;
}
