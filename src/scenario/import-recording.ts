import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../errors.ts';
import { readHarFile } from './har.ts';
import { importHar, type ImportedScenario, type ImportOptions } from './import-har.ts';

export interface ImportRecordingOptions extends Omit<ImportOptions, 'source'> {
  /** Where to write the scenario (default `<scenariosDir>/<name>.ts`). */
  out?: string;
  /** Where scenarios live, for the default `out`. */
  scenariosDir: string;
  /** Replace a file that exists. */
  force?: boolean;
  /** What paths are shown relative to. */
  cwd?: string;
}

export interface ImportedRecording extends ImportedScenario {
  /** Where the scenario file was written. */
  file: string;
}

/**
 * Reads a HAR file, imports it as a scenario and writes the scenario file;
 * an existing file is only replaced with `force`.
 *
 * @example
 * const { file, captures } = await importRecording('recordings/checkout.har', { scenariosDir: 'scenarios' });
 */
export async function importRecording(harFile: string, options: ImportRecordingOptions): Promise<ImportedRecording> {
  const cwd = options.cwd ?? process.cwd();
  const source = path.relative(cwd, path.resolve(cwd, harFile));
  const imported = importHar(await readHarFile(path.resolve(cwd, harFile), source), { ...options, source });
  const file = path.resolve(cwd, options.out ?? path.join(options.scenariosDir, `${imported.scenario.name}.ts`));
  if (existsSync(file) && !options.force) {
    throw new UsageError(`${path.relative(cwd, file)} exists: choose another file with --out, or replace it with --force`);
  }
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, imported.text);
  return { ...imported, file };
}
