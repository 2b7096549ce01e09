import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';
import type { DataModel } from './model.ts';
import { validateModel } from './model-schema.ts';
import { ModelError } from './seed-errors.ts';

/** The model used when the config names none: every table of the schema, 1000 rows each (× scale). */
export function introspectedModel(rows = 1_000): DataModel {
  return { name: 'introspected', defaultRows: rows, tables: {} };
}

/**
 * Imports a model module (default export, or `model`), relative paths
 * resolved against `root`, and validates it: a negative row count or an
 * unknown generator stops here with the file and the path (exit 2).
 */
export async function loadModel(file: string, root: string): Promise<DataModel> {
  const resolved = path.resolve(root, file);
  if (!existsSync(resolved)) throw new ModelError(file, `${file}: data model not found (resolved to ${resolved})`);
  let module: Record<string, unknown>;
  try {
    module = (await tsImport(pathToFileURL(resolved).href, import.meta.url)) as Record<string, unknown>;
  } catch (error) {
    throw new ModelError(file, `${file}: the data model could not be loaded: ${(error as Error).message}`);
  }
  const exported = exportedModel(module);
  if (!exported || typeof exported !== 'object') throw new ModelError(file, `${file}: expected a model, e.g. \`export default defineModel({ name, tables })\``);
  const model = validateModel(file, exported);
  return { ...model, baseDir: model.baseDir ?? path.dirname(resolved) };
}

/**
 * The default export, else the export named `model`. Outside a
 * `"type": "module"` package tsx compiles a .ts file to CommonJS, and its
 * exports arrive wrapped as `{ __esModule, default, model }`.
 */
function exportedModel(module: Record<string, unknown>): unknown {
  const inner = module.default as Record<string, unknown> | undefined;
  const exports = inner && typeof inner === 'object' && inner.__esModule ? inner : module;
  return exports.default ?? exports.model;
}
