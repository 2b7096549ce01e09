import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import type { Queryable } from '../db/queryable.ts';
import { introspectSchema } from './introspect.ts';
import type { DataModel } from './model.ts';
import { sha256, stableJson } from './model-hash.ts';
import type { SchemaSnapshot } from './schema-snapshot.ts';

/**
 * Where the tables to fill come from: the target database's own schema
 * (created by the app's migrations), else the model's migration files.
 * `replaced` names what a rehearse-made target held instead (another
 * model's tables), which the new model's data replaces.
 */
export type SchemaSource = { kind: 'database'; fingerprint: string } | { kind: 'migrations'; sql: string[]; replaced?: string[] };

/** A hash of the tables, columns, constraints and indexes: equal schemas, equal hash, however they were made. */
export async function schemaFingerprint(db: Queryable, model: DataModel): Promise<string> {
  return sha256(stableJson(await introspectSchema(db, model.schema ?? 'public')));
}

export interface TargetDatabase {
  db: Queryable;
  name: string;
  /** rehearse created it (a copy of a template): its contents may be replaced wholesale. */
  createdByRehearse: boolean;
}

/**
 * The target's own schema when it has every table the model lists; the
 * model's migrations when it has none of them, or when it is a database
 * rehearse made for another model. Anything else is refused, saying what
 * the database holds and what to do.
 */
export async function resolveSchemaSource(target: TargetDatabase | undefined, model: DataModel): Promise<SchemaSource> {
  const snapshot = target ? await introspectSchema(target.db, model.schema ?? 'public') : undefined;
  const names = new Set(snapshot?.tables.map((t) => t.name) ?? []);
  const wanted = Object.keys(model.tables).map((key) => normalName(key, model.schema ?? 'public', names));
  const missing = wanted.filter((name) => !names.has(name));
  const fillsTarget = snapshot && names.size > 0 && (wanted.length > 0 ? missing.length === 0 : model.defaultRows !== undefined);
  if (fillsTarget) return { kind: 'database', fingerprint: sha256(stableJson(snapshot)) };
  const others = [...names].filter((name) => !wanted.includes(name));
  if (model.migrations?.length && (missing.length === wanted.length || target?.createdByRehearse)) {
    const base = model.baseDir ?? process.cwd();
    const sql = await Promise.all(model.migrations.map((file) => readFile(path.resolve(base, file), 'utf8')));
    return { kind: 'migrations', sql, ...(names.size > 0 ? { replaced: others } : {}) };
  }
  throw new UsageError(refusal(target?.name, model, snapshot, missing));
}

function normalName(key: string, schema: string, names: Set<string>): string {
  return key.startsWith(`${schema}.`) && !names.has(key) ? key.slice(schema.length + 1) : key;
}

function refusal(target: string | undefined, model: DataModel, snapshot: SchemaSnapshot | undefined, missing: string[]): string {
  const held = snapshot?.tables.map((t) => t.name) ?? [];
  const what = held.length === 0 ? 'has no tables' : `holds ${list(held)}`;
  const lacks = missing.length ? `, not ${list(missing)} of model "${model.name}"` : '';
  const suggestion = model.name.replace(/[^A-Za-z0-9_]+/g, '_').toLowerCase();
  return (
    `database ${target ?? '(new)'} ${what}${lacks}. ` +
    `Seed a database of its own (--database ${suggestion}), run your app's migrations against this one first, ` +
    "or list them in the model's `migrations` so rehearse creates the tables"
  );
}

function list(names: string[]): string {
  return names.length <= 6 ? names.join(', ') : `${names.slice(0, 6).join(', ')} and ${names.length - 6} more`;
}
