import { totalmem } from 'node:os';
import { connectClient } from '../db/connect-client.ts';
import { withDatabase } from '../db/connection-url.ts';
import type { Queryable } from '../db/queryable.ts';
import { quoteIdent, quoteLiteral } from '../seed/quote.ts';
import type { Profile } from './profile-schema.ts';

/** One of the profile's settings as the rehearsal server took it, or not (and why not). */
export interface SettingOutcome {
  name: string;
  /** Production's value, as `current_setting()` showed it there. */
  value: string;
  /** Absent when applied. */
  notApplied?: string;
}

/** Which of production's planner settings the rehearsal database runs with, and from where. */
export interface ProfileSettings {
  /** The profile's file, as given. */
  source: string;
  /** Production's server version, from the profile. */
  capturedOn: string;
  /** The database they were set on (`ALTER DATABASE … SET`: every new session there gets them). */
  database: string;
  settings: SettingOutcome[];
  /** ANALYZE was run again because production's default_statistics_target differs from the one the data was analyzed with. */
  reanalyzed: boolean;
}

/** A setting as the rehearsal server describes it (`pg_settings`). */
export interface ServerSetting {
  name: string;
  /** `user`, `superuser`, `sighup`, `postmaster`, … */
  context: string;
}

/** Settings that allocate memory per operation: production's value is not applied when this machine cannot hold it. */
const ALLOCATING_SETTINGS = new Set(['work_mem', 'maintenance_work_mem']);
/** A sort or hash may use work_mem several times over in one query, so at most this share of the machine's memory is applied. */
const MEMORY_SHARE = 1 / 8;

export interface SettingsPlanInputs {
  /** The profile's settings (production's values). */
  settings: Readonly<Record<string, string>>;
  /** The rehearsal server's settings. */
  server: readonly ServerSetting[];
  serverMajor: number;
  /** Settings the config's `db.settings` names: an explicit choice wins over the profile. */
  configured: ReadonlySet<string>;
  memoryBytes: number;
}

/**
 * Which of production's settings a database of the rehearsal server can take
 * (`ALTER DATABASE … SET`): those a session may set, that this major knows,
 * that the config does not set itself, and, for memory that is allocated,
 * that fit this machine. The rest are listed with the reason.
 *
 * @example
 * planProfileSettings({ settings: { shared_buffers: '8GB' }, server: [{ name: 'shared_buffers', context: 'postmaster' }], serverMajor: 18, configured: new Set(), memoryBytes: 8 * 2 ** 30 });
 * // [{ name: 'shared_buffers', value: '8GB', notApplied: 'needs a server restart: …' }]
 */
export function planProfileSettings(inputs: SettingsPlanInputs): SettingOutcome[] {
  const server = new Map(inputs.server.map((setting) => [setting.name, setting]));
  return Object.entries(inputs.settings).map(([name, value]) => {
    const why = whyNotApplied(name, value, server.get(name), inputs);
    return why ? { name, value, notApplied: why } : { name, value };
  });
}

function whyNotApplied(name: string, value: string, setting: ServerSetting | undefined, inputs: SettingsPlanInputs): string | undefined {
  if (!setting) return `not a setting of PostgreSQL ${inputs.serverMajor}`;
  if (inputs.configured.has(name)) return 'db.settings in the config sets it, and an explicit setting wins';
  if (setting.context === 'postmaster') return 'set only when the server starts (needs a restart); the rehearsal server keeps its own (db.settings can set it at start)';
  if (setting.context !== 'user' && setting.context !== 'superuser') return `a server-wide setting (${setting.context}), not one a database can take`;
  if (!ALLOCATING_SETTINGS.has(name)) return undefined;
  const bytes = memoryBytes(value);
  if (bytes !== undefined && bytes > inputs.memoryBytes * MEMORY_SHARE) {
    return `this machine has ${formatMemory(inputs.memoryBytes)} of memory; more than an eighth of it per operation is not applied`;
  }
  return undefined;
}

/** `64MB` → bytes; undefined for a value without a memory unit. */
export function memoryBytes(value: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(B|kB|MB|GB|TB)$/.exec(value.trim());
  if (!match) return undefined;
  const factor = { B: 1, kB: 2 ** 10, MB: 2 ** 20, GB: 2 ** 30, TB: 2 ** 40 }[match[2] as 'B' | 'kB' | 'MB' | 'GB' | 'TB'];
  return Number(match[1]) * factor;
}

function formatMemory(bytes: number): string {
  return `${Math.round(bytes / 2 ** 30)} GiB`;
}

/** The major production ran, from the profile (`server_version_num` 160004 → 16). */
export function profileMajor(profile: Pick<Profile, 'server'>): number {
  return Math.floor(profile.server.versionNum / 10_000);
}

export interface ApplyInputs {
  /** A pool on the rehearsal server's maintenance database. */
  admin: Queryable;
  /** The server's URL (any database): the database is analyzed again through it when needed. */
  url: string;
  database: string;
  profile: Profile;
  /** The profile's file, recorded as the settings' source. */
  source: string;
  /** Setting names the config's `db.settings` holds. */
  configured?: readonly string[];
  memoryBytes?: number;
}

/**
 * Sets production's planner settings on one database of the rehearsal
 * server, so every session there (the app's, the probe's, EXPLAIN's) plans
 * as production does. A database cloned from a template does not inherit
 * them (`pg_db_role_setting` is per database), so each clone takes them.
 * When production analyzes with another default_statistics_target, the
 * database is analyzed again, so its statistics are as detailed as there.
 */
export async function applyProfileSettings(inputs: ApplyInputs): Promise<ProfileSettings> {
  const server = await inputs.admin.query<ServerSetting & { major: string }>(`select name, context, current_setting('server_version_num') as major from pg_settings`);
  const planned = planProfileSettings({
    settings: inputs.profile.settings,
    server: server.rows,
    serverMajor: Math.floor(Number(server.rows[0]?.major ?? 0) / 10_000),
    configured: new Set(inputs.configured ?? []),
    memoryBytes: inputs.memoryBytes ?? totalmem(),
  });
  const settings: SettingOutcome[] = [];
  for (const setting of planned) settings.push(setting.notApplied ? setting : await setOn(inputs.admin, inputs.database, setting));
  const reanalyzed = await analyzeAgainIfNeeded(inputs, settings);
  return { source: inputs.source, capturedOn: inputs.profile.server.version, database: inputs.database, settings, reanalyzed };
}

/** Postgres checks the value (a unit or an enum this major lacks): its refusal is the reason it is not applied. */
async function setOn(admin: Queryable, database: string, setting: SettingOutcome): Promise<SettingOutcome> {
  try {
    await admin.query(`alter database ${quoteIdent(database)} set ${quoteIdent(setting.name)} = ${quoteLiteral(setting.value)}`);
    return setting;
  } catch (error) {
    return { ...setting, notApplied: `refused by the server: ${(error as Error).message}` };
  }
}

async function analyzeAgainIfNeeded(inputs: ApplyInputs, settings: readonly SettingOutcome[]): Promise<boolean> {
  if (!settings.some((setting) => setting.name === 'default_statistics_target' && !setting.notApplied)) return false;
  const target = `select current_setting('default_statistics_target') as value`;
  const client = await connectClient(withDatabase(inputs.url, inputs.database));
  try {
    // A new session there runs with the database's settings; the data was analyzed with the server's.
    const [own, server] = await Promise.all([client.query<{ value: string }>(target), inputs.admin.query<{ value: string }>(target)]);
    if (own.rows[0]?.value === server.rows[0]?.value) return false;
    await client.query('analyze');
    return true;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The settings as a person reads them: applied ones on one line, each one not applied with why. */
export function renderProfileSettings(applied: ProfileSettings): string {
  const taken = applied.settings.filter((setting) => !setting.notApplied);
  const refused = applied.settings.filter((setting) => setting.notApplied);
  const lines = [
    `production's planner settings (profile ${applied.source}, PostgreSQL ${applied.capturedOn}) on database ${applied.database}: ${taken.length} of ${applied.settings.length} applied${applied.reanalyzed ? ', then analyzed again with its default_statistics_target' : ''}`,
  ];
  if (taken.length > 0) lines.push(`  applied: ${taken.map((setting) => `${setting.name}=${setting.value}`).join(', ')}`);
  for (const setting of refused) lines.push(`  not applied: ${setting.name}=${setting.value}: ${setting.notApplied}`);
  return `${lines.join('\n')}\n`;
}
