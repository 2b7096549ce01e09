import { existsSync } from 'node:fs';
import path from 'node:path';
import { describeIssue } from '../config/format-issues.ts';
import { ScenarioError } from '../errors.ts';
import { importDefault, ModuleLoadError } from '../system/import-module.ts';
import { checkScenario } from './check-scenario.ts';
import type { Scenario } from './define-scenario.ts';
import { scenarioSchema } from './schema.ts';

export interface LoadedScenario {
  scenario: Scenario;
  /** Absolute path of the scenario file. */
  file: string;
}

/** Loads and validates a scenario file; every problem names the file and the field. */
export async function loadScenario(file: string, cwd = process.cwd()): Promise<LoadedScenario> {
  const absolute = path.resolve(cwd, file);
  const shown = path.relative(cwd, absolute).startsWith('..') ? absolute : path.relative(cwd, absolute);
  if (!existsSync(absolute)) throw new ScenarioError(shown, `${shown}: scenario file not found`);
  let exported: unknown;
  try {
    exported = await importDefault(absolute);
  } catch (error) {
    if (!(error instanceof ModuleLoadError)) throw error;
    throw new ScenarioError(shown, `${error.location}\n(the scenario file could not be loaded)`);
  }
  if (exported === undefined) throw new ScenarioError(shown, `${shown}: expected a default export: \`export default defineScenario({ ... })\``);
  return { scenario: validateScenario(shown, exported), file: absolute };
}

export function validateScenario(name: string, value: unknown): Scenario {
  const parsed = scenarioSchema.safeParse(value, { reportInput: true });
  if (!parsed.success) {
    const lines = parsed.error.issues.flatMap((issue) => describeIssue(issue).split('\n'));
    throw new ScenarioError(name, lines.map((line) => `${name}: ${line}`).join('\n'));
  }
  const scenario = parsed.data as Scenario;
  const problems = checkScenario(scenario);
  if (problems.length > 0) {
    throw new ScenarioError(name, problems.map((problem) => `${name}: ${problem.path}: ${problem.message}`).join('\n'));
  }
  return scenario;
}
