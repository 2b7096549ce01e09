import pg from 'pg';
import { maskUrl, withDatabase } from '../db/connection-url.ts';
import { assertSeedable, readMarker, setMarkerValues, writeMarker } from '../db/disposable-marker.ts';
import type { RunningDatabase } from '../db/provider.ts';
import type { Queryable } from '../db/queryable.ts';
import { openServerAdmin } from '../db/server-admin.ts';
import {
  buildName,
  cloneDatabase,
  createDatabase,
  databaseExists,
  disconnectSessions,
  dropAbandonedBuilds,
  dropDatabase,
  findTemplate,
  promoteToTemplate,
  templateName,
} from '../db/template.ts';
import { InfrastructureError } from '../errors.ts';
import { throwIfAborted } from '../system/abort.ts';
import type { DataModel } from './model.ts';
import { seedIdentity } from './model-hash.ts';
import { resolveSchemaSource, schemaFingerprint, type SchemaSource } from './schema-source.ts';
import { seedDatabase } from './seed-database.ts';
import type { SeedEvent, SeedResult } from './seed-events.ts';

/** The database rehearse seeds on a server it may create databases on, unless told otherwise. */
export const DEFAULT_TARGET_DATABASE = 'rehearse';

export interface SeedOptions {
  /** The running server (provider); its URL names the target database unless `targetDatabase` is given. */
  database: RunningDatabase;
  model: DataModel;
  scale: number;
  seed: number;
  /** Database to seed. Default: the URL's database, or "rehearse" when the URL names the server ("postgres"). */
  targetDatabase?: string;
  /** Keep and reuse a template (default true); false seeds the target in place. */
  template?: boolean;
  lanes?: number;
  /** Render rows in worker threads (default: when there are two cores per lane). */
  workers?: boolean;
  signal?: AbortSignal;
  onEvent?: (event: SeedEvent) => void;
}

/**
 * Seeds the target database from a model, safely and reproducibly:
 * refuses a database rehearse did not create and nobody marked disposable;
 * reuses the template for the same model, schema, scale and seed, else
 * builds one under a temporary name (dropped if anything fails) and only
 * then names it as a template; finally gives the target a fresh copy.
 *
 * @example
 * const database = await new EmbeddedProvider({ settings }).start();
 * const result = await seed({ database, model, scale: 0.01, seed: 42 });
 * console.log(result.totalRows, result.checksum);
 */
export async function seed(options: SeedOptions): Promise<SeedResult> {
  const started = performance.now();
  const target = options.targetDatabase ?? defaultSeedTarget(options.database);
  const targetUrl = withDatabase(options.database.url, target);
  const { admin: server, close } = openServerAdmin(options.database);
  try {
    if (options.database.owned) await dropAbandonedBuilds(server);
    const targetExists = await databaseExists(server, target);
    throwIfAborted(options.signal);
    const source = targetExists ? await inspectTarget(targetUrl, target, options) : await resolveSchemaSource(undefined, options.model);
    if (source.kind === 'migrations' && source.replaced?.length) {
      options.onEvent?.({ kind: 'notice', message: `database ${target} held other tables (${source.replaced.slice(0, 6).join(', ')}${source.replaced.length > 6 ? ', …' : ''}); it gets model "${options.model.name}" instead` });
    }
    if (options.template === false) return await seedInPlace(targetUrl, targetExists, source, server, target, options, started);
    const build = await prepareBuild(server, source, target, options);
    const template = templateName(seedIdentity(options.model, build.fingerprint, options.scale, options.seed));
    let result: SeedResult;
    try {
      if (await findTemplate(server, template)) {
        await build.discard();
        options.onEvent?.({ kind: 'template-reused', template });
        result = await readTemplateResult(withDatabase(options.database.url, template));
      } else {
        options.onEvent?.({ kind: 'template-building', template });
        result = await fillTemplate(server, build, template, options);
      }
    } catch (error) {
      await build.discard();
      throw error;
    }
    options.onEvent?.({ kind: 'phase', phase: 'clone' });
    await cloneDatabase(server, template, target);
    return {
      ...result,
      database: maskUrl(targetUrl),
      template: { name: template, reused: result.template?.reused ?? true },
      seconds: round((performance.now() - started) / 1000),
    };
  } finally {
    await close();
  }
}

/** The database `rehearse seed` writes to unless told otherwise (and `db psql` opens). */
export function defaultSeedTarget(database: RunningDatabase): string {
  if (database.owned) return DEFAULT_TARGET_DATABASE;
  const named = database.connection.database;
  return named === 'postgres' || named === 'template1' ? DEFAULT_TARGET_DATABASE : named;
}

/** Checks the existing target may be written (reads only) and returns where its schema comes from. */
async function inspectTarget(url: string, name: string, options: SeedOptions): Promise<SchemaSource> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const marker = await assertSeedable(client, { url, ownedServer: options.database.owned });
    return await resolveSchemaSource({ db: client, name, createdByRehearse: marker?.origin === 'created' }, options.model);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A database being built under a temporary name; nothing reuses it until it is renamed to a template. */
interface Build {
  name: string;
  url: string;
  /** Of the schema the build will be filled in, known before any row is written. */
  fingerprint: string;
  /** Drops the build (idempotent); also what a failure or interrupt does. */
  discard(): Promise<void>;
}

/**
 * The identity of a template includes the schema, so the build is made
 * first: a copy of the target's schema, or the model's migrations applied
 * to a new database. Reusing a template then discards it (a few ms).
 */
async function prepareBuild(server: Queryable, source: SchemaSource, target: string, options: SeedOptions): Promise<Build> {
  const name = buildName(`${process.pid}${Date.now()}${Math.random()}`);
  const url = withDatabase(options.database.url, name);
  let discarded = false;
  const discard = async () => {
    if (discarded) return;
    discarded = true;
    await dropDatabase(server, name).catch(() => undefined);
  };
  try {
    if (source.kind === 'database') {
      await disconnectSessions(server, target);
      await createDatabase(server, name, target);
    } else {
      await createDatabase(server, name);
    }
    const fingerprint = await withClient(url, async (client) => {
      if (source.kind === 'migrations') for (const sql of source.sql) await client.query(sql);
      await writeMarker(client, 'created');
      await setMarkerValues(client, { seed_state: 'building' });
      return schemaFingerprint(client, options.model);
    });
    return { name, url, fingerprint, discard };
  } catch (error) {
    await discard();
    throw error;
  }
}

async function fillTemplate(server: Queryable, build: Build, template: string, options: SeedOptions): Promise<SeedResult> {
  const seeded = await seedDatabase({ ...options, url: build.url });
  const result: SeedResult = { database: maskUrl(build.url), scale: options.scale, seed: options.seed, ...seeded, template: { name: template, reused: false } };
  await withClient(build.url, (client) => setMarkerValues(client, { seed_state: 'complete', identity: template, result: JSON.stringify({ ...result, template: undefined }) }));
  // A crash between the rename and the template flag leaves a same-named non-template: never reused, replaced here.
  if (await databaseExists(server, template)) await dropDatabase(server, template);
  await promoteToTemplate(server, build.name, template);
  return result;
}

async function readTemplateResult(url: string): Promise<SeedResult> {
  const marker = await withClient(url, readMarker);
  if (marker?.seedState !== 'complete' || !marker.result) {
    throw new InfrastructureError(`template ${maskUrl(url)} has no record of a complete seed; drop it with \`rehearse db clean\` and seed again`);
  }
  return { ...(JSON.parse(marker.result) as SeedResult), template: { name: '', reused: true } };
}

async function seedInPlace(url: string, exists: boolean, source: SchemaSource, server: Queryable, target: string, options: SeedOptions, started: number): Promise<SeedResult> {
  // A rehearse-made database holding another model's tables starts over empty.
  const fresh = !exists || (source.kind === 'migrations' && Boolean(source.replaced?.length));
  if (exists && fresh) await dropDatabase(server, target);
  if (fresh) await createDatabase(server, target);
  await withClient(url, async (client) => {
    if (source.kind === 'migrations') for (const sql of source.sql) await client.query(sql);
    if (fresh || !(await readMarker(client))) await writeMarker(client, 'created');
    await setMarkerValues(client, { seed_state: 'incomplete' });
  });
  const seeded = await seedDatabase({ ...options, url });
  const result: SeedResult = { database: maskUrl(url), scale: options.scale, seed: options.seed, ...seeded, seconds: round((performance.now() - started) / 1000) };
  await withClient(url, (client) => setMarkerValues(client, { seed_state: 'complete', result: JSON.stringify(result) }));
  return result;
}

async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

function round(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}
