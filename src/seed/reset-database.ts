import pg from 'pg';
import { maskUrl, withDatabase } from '../db/connection-url.ts';
import { readMarker } from '../db/disposable-marker.ts';
import type { RunningDatabase } from '../db/provider.ts';
import { openServerAdmin } from '../db/server-admin.ts';
import { cloneDatabase, findTemplate } from '../db/template.ts';
import { UsageError } from '../errors.ts';
import { DEFAULT_TARGET_DATABASE } from './seed.ts';

/**
 * `rehearse db reset`: gives the target a fresh copy of the template it was
 * seeded from, undoing whatever a run wrote (seconds, not a re-seed).
 */
export async function resetDatabase(database: RunningDatabase, target = database.owned ? DEFAULT_TARGET_DATABASE : database.connection.database): Promise<{ database: string; template: string }> {
  const url = withDatabase(database.url, target);
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  let template: string | undefined;
  try {
    await client.connect();
    template = (await readMarker(client))?.identity;
  } catch {
    template = undefined;
  } finally {
    await client.end().catch(() => undefined);
  }
  const server = openServerAdmin(database);
  try {
    if (!template || !(await findTemplate(server.admin, template))) {
      throw new UsageError(`${maskUrl(url)} was not seeded from a template rehearse still has; run \`rehearse seed\` first`);
    }
    await cloneDatabase(server.admin, template, target);
    return { database: maskUrl(url), template };
  } finally {
    await server.close();
  }
}
