import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import { ConfigError } from '../errors.ts';
import type { DataModel } from './model.ts';

/** The model used when the config names none: every table of the schema, 1000 rows each (× scale). */
export function introspectedModel(rows = 1_000): DataModel {
  return { name: 'introspected', defaultRows: rows, tables: {} };
}

/** Imports a model module (default export, or `model`), relative paths resolved against `root`. */
export async function loadModel(file: string, root: string): Promise<DataModel> {
  const resolved = path.resolve(root, file);
  if (!existsSync(resolved)) throw new ConfigError(file, `data.model: ${file} not found (resolved to ${resolved})`);
  let module: { default?: unknown; model?: unknown };
  try {
    module = await tsImport(pathToFileURL(resolved).href, import.meta.url);
  } catch (error) {
    throw new ConfigError(file, `data.model: ${file} could not be loaded: ${(error as Error).message}`);
  }
  const model = (module.default ?? module.model) as DataModel | undefined;
  if (!model || typeof model !== 'object' || typeof model.name !== 'string' || typeof model.tables !== 'object') {
    throw new ConfigError(file, `data.model: ${file} must export a model, e.g. \`export default defineModel({ name, tables })\``);
  }
  return { ...model, baseDir: model.baseDir ?? path.dirname(resolved) };
}
