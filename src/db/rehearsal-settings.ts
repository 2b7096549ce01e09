/**
 * Postgres settings for a server rehearse starts itself. Every one can be
 * overridden with `db.settings` in the config. The data is disposable, so
 * durability is traded for seeding speed (fsync off); the rest makes the
 * server observable (pg_stat_statements, auto_explain, I/O timing).
 */
export const REHEARSAL_SETTINGS: Readonly<Record<string, string>> = {
  shared_preload_libraries: 'pg_stat_statements,auto_explain',
  'pg_stat_statements.max': '10000',
  'pg_stat_statements.track': 'top',
  'auto_explain.log_min_duration': '-1',
  'auto_explain.log_format': 'json',
  track_io_timing: 'on',
  max_connections: '200',
  shared_buffers: '256MB',
  work_mem: '8MB',
  maintenance_work_mem: '512MB',
  max_wal_size: '4GB',
  checkpoint_timeout: '30min',
  fsync: 'off',
  full_page_writes: 'off',
  jit: 'off',
};

export type SettingValue = string | number | boolean;

export function mergeSettings(overrides: Record<string, SettingValue> = {}): Record<string, string> {
  const merged: Record<string, string> = { ...REHEARSAL_SETTINGS };
  for (const [name, value] of Object.entries(overrides)) {
    merged[name] = typeof value === 'boolean' ? (value ? 'on' : 'off') : String(value);
  }
  return merged;
}

/** `-c name=value` pairs, as both `postgres` and container commands take them. */
export function settingsToArgs(settings: Record<string, string>): string[] {
  return Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]);
}
