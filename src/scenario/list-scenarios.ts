import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { RehearseError } from '../errors.ts';
import { loadScenario } from './load-scenario.ts';

export interface ListedScenario {
  file: string;
  name?: string;
  description?: string;
  /** Why the file is not a valid scenario. */
  problem?: string;
}

/**
 * Scenario files in `dir`: every .ts/.js/.mjs file whose default export is a
 * scenario. Files that export nothing (shared pages, datasets) are left out;
 * invalid scenarios are listed with their problem.
 */
export async function listScenarios(dir: string): Promise<ListedScenario[]> {
  const entries = await readdir(dir).catch(() => [] as string[]);
  const files = entries.filter((name) => /\.(m?ts|m?js)$/.test(name) && !name.endsWith('.d.ts')).sort();
  const listed: ListedScenario[] = [];
  for (const name of files) {
    const file = path.join(dir, name);
    try {
      const { scenario } = await loadScenario(file);
      listed.push({ file, name: scenario.name, description: scenario.description });
    } catch (error) {
      if (!(error instanceof RehearseError)) throw error;
      if (/expected a default export/.test(error.message)) continue;
      listed.push({ file, problem: error.message });
    }
  }
  return listed;
}
