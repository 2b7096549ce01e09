import { randomBytes } from 'node:crypto';
import { isProcessAlive } from '../system/process-alive.ts';
import type { Queryable } from './queryable.ts';
import { dropDatabase } from './template.ts';

/** Each run's fresh copy of the template: `rehearse_run_<pid>_<time>_<random>`. */
export const RUN_DATABASE_PREFIX = 'rehearse_run_';
/** A run copy kept on purpose (`run --keep-database`): no owner pid, so nothing drops it but `db clean`. */
export const KEPT_DATABASE_PREFIX = 'rehearse_kept_';

/**
 * A database name for one run's copy, carrying the pid of the rehearse
 * process that owns it, so a later command can tell a copy left by a killed
 * run from one in use (Postgres names stop at 63 bytes).
 */
export function runDatabaseName(pid = process.pid): string {
  return `${RUN_DATABASE_PREFIX}${pid}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Renames a run's copy so that no later command takes it for abandoned; returns the new name. */
export async function keepRunDatabase(admin: Queryable, name: string): Promise<string> {
  const kept = name.replace(new RegExp(`^${RUN_DATABASE_PREFIX}\\d+_`), KEPT_DATABASE_PREFIX);
  await admin.query(`alter database ${ident(name)} rename to ${ident(kept)}`);
  return kept;
}

async function runDatabases(admin: Queryable): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname like '${RUN_DATABASE_PREFIX}%' or datname like '${KEPT_DATABASE_PREFIX}%' order by datname`,
  );
  return rows.map((row) => row.datname);
}

function ownerPid(name: string): number | undefined {
  const pid = Number(new RegExp(`^${RUN_DATABASE_PREFIX}(\\d+)_`).exec(name)?.[1]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Drops run copies whose rehearse process is gone (killed, so nothing
 * dropped them). Only on servers rehearse runs itself, where every owner was
 * a process on this machine. Returns what it dropped.
 */
export async function dropAbandonedRunDatabases(admin: Queryable): Promise<string[]> {
  const abandoned = (await runDatabases(admin)).filter((name) => {
    const pid = ownerPid(name);
    return pid !== undefined && !isProcessAlive(pid);
  });
  for (const name of abandoned) await dropDatabase(admin, name);
  return abandoned;
}

/**
 * `db clean`: drops every run copy nobody is using — kept ones included, and
 * on a server rehearse does not own, only those without a session (another
 * machine's run may be using one). Returns what it dropped.
 */
export async function dropRunDatabases(admin: Queryable, options: { ownedServer: boolean }): Promise<string[]> {
  const { rows } = await admin.query<{ datname: string }>(`select distinct datname from pg_stat_activity where datname is not null`);
  const inUse = new Set(rows.map((row) => row.datname));
  const dropped: string[] = [];
  for (const name of await runDatabases(admin)) {
    const pid = ownerPid(name);
    const ours = pid === undefined || !isProcessAlive(pid);
    if (!ours || (!options.ownedServer && inUse.has(name))) continue;
    await dropDatabase(admin, name);
    dropped.push(name);
  }
  return dropped;
}
