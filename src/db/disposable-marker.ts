import { UnsafeTargetError } from '../errors.ts';
import { maskUrl } from './connection-url.ts';
import type { Queryable } from './queryable.ts';

/**
 * rehearse's marker lives inside the database it describes (schema
 * "rehearse"), so it travels with template copies and is gone when the
 * database is. `origin` says why rehearse may write there; `seed_state`
 * says whether the data is a finished seed.
 */
export const MARKER_SCHEMA = 'rehearse';
export const MARKER_TABLE = `${MARKER_SCHEMA}.marker`;

export type MarkerOrigin = 'created' | 'disposable';
export type SeedState = 'building' | 'complete' | 'incomplete';

export interface Marker {
  origin: MarkerOrigin;
  seedState?: SeedState;
  /** Model hash + scale + seed of the data, when seeded. */
  identity?: string;
  /** The seed result as JSON, when seeded. */
  result?: string;
}

/** The marker, or undefined when the database has none. Reads only. */
export async function readMarker(db: Queryable): Promise<Marker | undefined> {
  const exists = await db.query<{ present: boolean }>(`select to_regclass('${MARKER_TABLE}') is not null as present`);
  if (!exists.rows[0]?.present) return undefined;
  const { rows } = await db.query<{ key: string; value: string }>(`select key, value from ${MARKER_TABLE}`);
  const values = new Map(rows.map((row) => [row.key, row.value]));
  const origin = values.get('origin');
  if (origin !== 'created' && origin !== 'disposable') return undefined;
  const marker: Marker = { origin };
  const state = values.get('seed_state');
  if (state === 'building' || state === 'complete' || state === 'incomplete') marker.seedState = state;
  if (values.has('identity')) marker.identity = values.get('identity')!;
  if (values.has('result')) marker.result = values.get('result')!;
  return marker;
}

/** Records that rehearse may truncate and rewrite this database. */
export async function writeMarker(db: Queryable, origin: MarkerOrigin): Promise<void> {
  await db.query(`create schema if not exists ${MARKER_SCHEMA}`);
  await db.query(`create table if not exists ${MARKER_TABLE} (key text primary key, value text not null)`);
  await setMarkerValues(db, { origin, marked_at: new Date().toISOString() });
}

export async function setMarkerValues(db: Queryable, values: Record<string, string>): Promise<void> {
  for (const [key, value] of Object.entries(values)) {
    await db.query(`insert into ${MARKER_TABLE} (key, value) values ($1, $2) on conflict (key) do update set value = excluded.value`, [key, value]);
  }
}

/**
 * The one refusal every writing command gives for a database rehearse may
 * not touch: what it is, why it is refused, and how to allow it.
 */
export function unsafeTargetError(url: string, what: string): UnsafeTargetError {
  const masked = maskUrl(url);
  return new UnsafeTargetError(
    `refusing to ${what} ${masked}: rehearse did not create this database and it is not marked disposable. ` +
      'rehearse creates databases on the server it rehearses on (templates, one copy per run) and truncates and rewrites tables. ' +
      'If this database and its server may be used that way, mark the database once with\n' +
      `  rehearse db mark-disposable --url '${masked.replace(':***@', ':<password>@').replace(/password=\*\*\*/g, 'password=<password>')}' --yes\n` +
      'or leave --url, DATABASE_URL and db.url aside to rehearse on the embedded Postgres (the default).',
    { database: masked },
  );
}

/**
 * Throws UnsafeTargetError unless rehearse may write to this database:
 * the server is rehearse's own, or the database carries the marker.
 * Runs only reads, so a refused database is left exactly as it was.
 */
export async function assertSeedable(db: Queryable, target: { url: string; ownedServer: boolean }): Promise<Marker | undefined> {
  const marker = await readMarker(db);
  if (marker || target.ownedServer) return marker;
  throw unsafeTargetError(target.url, 'seed');
}

/** `rehearse db mark-disposable`: lets rehearse truncate and rewrite the database at `db`. */
export async function markDisposable(db: Queryable): Promise<Marker> {
  const existing = await readMarker(db);
  if (existing) return existing;
  await writeMarker(db, 'disposable');
  return { origin: 'disposable' };
}
