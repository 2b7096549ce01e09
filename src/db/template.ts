import type { Queryable } from './queryable.ts';
import { isProcessAlive } from '../system/process-alive.ts';

/**
 * Seeded data is kept as a template database named for what produced it
 * (model hash + scale + seed). A database only ever gets a template name
 * once it is completely seeded, so a half-built one can never be reused;
 * builds in progress carry a build name and are dropped when they fail.
 */
export const TEMPLATE_PREFIX = 'rehearse_tpl_';
export const BUILD_PREFIX = 'rehearse_build_';

export function templateName(identity: string): string {
  return `${TEMPLATE_PREFIX}${identity.slice(0, 24)}`;
}

export function buildName(identity: string): string {
  return `${BUILD_PREFIX}${identity.slice(0, 12)}_${process.pid}_${Date.now().toString(36)}`;
}

function ident(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export async function databaseExists(admin: Queryable, name: string): Promise<boolean> {
  const { rows } = await admin.query('select 1 from pg_database where datname = $1', [name]);
  return rows.length > 0;
}

/** A template exists and is complete (only complete builds are renamed to template names). */
export async function findTemplate(admin: Queryable, name: string): Promise<boolean> {
  const { rows } = await admin.query<{ datistemplate: boolean }>('select datistemplate from pg_database where datname = $1', [name]);
  return rows[0]?.datistemplate === true;
}

export async function createDatabase(admin: Queryable, name: string, template?: string): Promise<void> {
  if (!template) {
    await admin.query(`create database ${ident(name)}`);
    return;
  }
  // FILE_COPY copies the files at the OS level: seconds for gigabytes, and
  // no WAL per block (the default WAL_LOG strategy writes the whole copy to WAL).
  await admin.query(`create database ${ident(name)} template ${ident(template)} strategy file_copy`);
}

export async function dropDatabase(admin: Queryable, name: string): Promise<void> {
  await admin.query(`drop database if exists ${ident(name)} with (force)`);
}

/** Disconnects other sessions so the database can serve as a template source. */
export async function disconnectSessions(admin: Queryable, name: string): Promise<void> {
  await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
}

/** Renames a finished build to its template name and flags it as a template. */
export async function promoteToTemplate(admin: Queryable, build: string, template: string): Promise<void> {
  await admin.query(`alter database ${ident(build)} rename to ${ident(template)}`);
  await admin.query(`alter database ${ident(template)} is_template true`);
}

/** Replaces `target` with a fresh copy of `template`. */
export async function cloneDatabase(admin: Queryable, template: string, target: string): Promise<void> {
  await dropDatabase(admin, target);
  await createDatabase(admin, target, template);
}

export interface RehearseDatabases {
  templates: string[];
  builds: string[];
}

export async function listRehearseDatabases(admin: Queryable): Promise<RehearseDatabases> {
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname like '${TEMPLATE_PREFIX}%' or datname like '${BUILD_PREFIX}%' order by datname`,
  );
  const names = rows.map((row) => row.datname);
  return { templates: names.filter((n) => n.startsWith(TEMPLATE_PREFIX)), builds: names.filter((n) => n.startsWith(BUILD_PREFIX)) };
}

/** Drops a template (it must first stop being one). */
export async function dropTemplate(admin: Queryable, name: string): Promise<void> {
  await admin.query(`alter database ${ident(name)} is_template false`);
  await dropDatabase(admin, name);
}

/**
 * Drops builds whose process is gone (killed mid-seed, so nothing dropped
 * them). Only for servers rehearse runs itself: there every build was made
 * by a process on this machine, so a dead pid means an abandoned build.
 */
export async function dropAbandonedBuilds(admin: Queryable): Promise<string[]> {
  const { builds } = await listRehearseDatabases(admin);
  const abandoned = builds.filter((name) => {
    const pid = Number(/_(\d+)_[0-9a-z]+$/.exec(name)?.[1]);
    return Number.isInteger(pid) && pid > 0 && !isProcessAlive(pid);
  });
  for (const name of abandoned) await dropDatabase(admin, name);
  return abandoned;
}

