import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import type { Queryable } from '../db/queryable.ts';
import { introspectSchema } from './introspect.ts';
import type { DataModel } from './model.ts';
import { sha256, stableJson } from './model-hash.ts';

/**
 * Where the tables to fill come from: the target database's own schema
 * (created by the app's migrations), else the model's migration files.
 */
export type SchemaSource = { kind: 'database'; fingerprint: string } | { kind: 'migrations'; sql: string[] };

/** A hash of the tables, columns, constraints and indexes: equal schemas, equal hash, however they were made. */
export async function schemaFingerprint(db: Queryable, model: DataModel): Promise<string> {
  return sha256(stableJson(await introspectSchema(db, model.schema ?? 'public')));
}

export async function resolveSchemaSource(target: Queryable | undefined, model: DataModel): Promise<SchemaSource> {
  if (target) {
    const snapshot = await introspectSchema(target, model.schema ?? 'public');
    if (snapshot.tables.some((t) => model.tables[t.name] !== undefined) || (model.defaultRows !== undefined && snapshot.tables.length > 0)) {
      return { kind: 'database', fingerprint: sha256(stableJson(snapshot)) };
    }
  }
  if (model.migrations?.length) {
    const base = model.baseDir ?? process.cwd();
    const sql = await Promise.all(model.migrations.map((file) => readFile(path.resolve(base, file), 'utf8')));
    return { kind: 'migrations', sql };
  }
  throw new UsageError(
    `the target database has none of the tables of model "${model.name}"; run the app's migrations against it first, or list them in the model's \`migrations\``,
  );
}
