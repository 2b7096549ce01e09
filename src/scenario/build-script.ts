import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { REHEARSE_VERSION } from '../version.ts';
import type { Scenario } from './define-scenario.ts';
import { emitScript } from './emit-script.ts';
import { loadScenario } from './load-scenario.ts';
import { planScript, type BuildOptions, type K6ScriptPlan } from './plan-script.ts';

export interface BuiltScript {
  scenarioName: string;
  /** Where the script was written. */
  script: string;
  /** Folder the script reads its test data from by default. */
  dataDir: string;
  source: string;
  /** What the script was emitted from: the k6 options and journeys, decided. */
  plan: K6ScriptPlan;
}

/** Where `scenario build` writes by default: next to the reports, named for the scenario. */
export function defaultScriptPath(root: string, scenarioName: string): string {
  return path.join(root, 'reports', 'scripts', `${scenarioName}.js`);
}

/**
 * Loads, validates and turns a scenario file into a k6 script on disk.
 * `root` is what the header's source path is relative to.
 */
export async function buildScript(file: string, options: WriteOptions = {}): Promise<BuiltScript> {
  const { scenario, file: absolute } = await loadScenario(file, options.root ?? process.cwd());
  return writeScript(scenario, absolute, options);
}

export type WriteOptions = BuildOptions & { out?: string; root?: string };

/** Writes the k6 script of an already validated scenario that came from `file`. */
export async function writeScript(scenario: Scenario, file: string, options: WriteOptions = {}): Promise<BuiltScript> {
  const root = options.root ?? process.cwd();
  const source = path.relative(root, file);
  const out = path.resolve(root, options.out ?? defaultScriptPath(root, scenario.name));
  const plan = planScript(scenario, source, options);
  const text = emitScript(plan, REHEARSE_VERSION);
  await mkdir(path.dirname(out), { recursive: true });
  await writeFile(out, text);
  return { scenarioName: scenario.name, script: out, dataDir: path.join(path.dirname(out), `${scenario.name}.data`), source, plan };
}
