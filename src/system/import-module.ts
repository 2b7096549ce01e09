import { pathToFileURL } from 'node:url';
import { tsImport } from 'tsx/esm/api';

/** Why a user's module (config, scenario, model) failed to load, with file and line when known. */
export class ModuleLoadError extends Error {
  constructor(
    readonly file: string,
    readonly location: string,
  ) {
    super(location);
    this.name = 'ModuleLoadError';
  }
}

/**
 * Imports a user's TypeScript or JavaScript module and returns its default
 * export (undefined when there is none).
 */
export async function importDefault(file: string): Promise<unknown> {
  let module: { default?: unknown };
  try {
    module = await tsImport(pathToFileURL(file).href, import.meta.url);
  } catch (error) {
    const location = locateImportFailure(file, error);
    const hint = /Cannot find module 'rehearse'/.test(location) ? ' (install rehearse in this project: npm install --save-dev rehearse)' : '';
    throw new ModuleLoadError(file, `${location}${hint}`);
  }
  return unwrapCommonJs(module.default);
}

/**
 * Outside a `"type": "module"` package tsx compiles a .ts file to CommonJS,
 * and its ESM default export arrives wrapped as `{ __esModule, default }`.
 */
function unwrapCommonJs(value: unknown): unknown {
  if (value && typeof value === 'object' && (value as { __esModule?: boolean }).__esModule) {
    return (value as { default?: unknown }).default;
  }
  return value;
}

/** esbuild reports `file:line:col: ERROR: …`; a runtime throw may have the file in its stack. */
function locateImportFailure(file: string, error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const compileError = message.split('\n').find((line) => line.includes(`${file}:`));
  if (compileError) return compileError.trim();
  const stack = error instanceof Error ? (error.stack ?? '') : '';
  const frame = stack.match(new RegExp(`${escapeRegExp(file)}:(\\d+):(\\d+)`));
  const where = frame ? `${file}:${frame[1]}:${frame[2]}` : file;
  return `${where}: ${message}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
