import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Queryable } from '../db/queryable.ts';
import { ScenarioError } from '../errors.ts';
import type { Scenario } from './define-scenario.ts';
import { datasetFile } from './plan-script.ts';

export interface ExportedDataset {
  name: string;
  rows: number;
  file: string;
}

/**
 * Runs each dataset's SQL against the seeded database and writes the rows
 * as JSON arrays the k6 script loads with SharedArray. Fails before k6
 * starts when a declared column is missing or a dataset is empty.
 */
export async function exportTestData(db: Queryable, scenario: Scenario, dir: string, scenarioFile = scenario.name): Promise<ExportedDataset[]> {
  await mkdir(dir, { recursive: true });
  const used = [...new Set(Object.values(scenario.journeys).map((journey) => journey.data))];
  const exported: ExportedDataset[] = [];
  for (const name of used) {
    const dataset = scenario.data[name]!;
    const result = await db.query(dataset.sql).catch((error: Error) => {
      throw new ScenarioError(scenarioFile, `${scenarioFile}: data.${name}.sql failed: ${error.message}`);
    });
    const returned = result.fields.map((field) => field.name);
    const missing = dataset.columns.filter((column) => !returned.includes(column));
    if (missing.length > 0) {
      throw new ScenarioError(scenarioFile, `${scenarioFile}: data.${name}: the SQL returns no column ${missing.join(', ')} (it returns: ${returned.join(', ')})`);
    }
    if (result.rows.length === 0) {
      throw new ScenarioError(scenarioFile, `${scenarioFile}: data.${name}: the SQL returned no rows — is the database seeded?`);
    }
    // Every value is exported as text: the script's row types say so, and templates need text anyway.
    const rows = result.rows.map((row) => Object.fromEntries(dataset.columns.map((column) => [column, row[column] == null ? '' : String(row[column])])));
    const file = path.join(dir, datasetFile(name));
    await writeFile(file, JSON.stringify(rows));
    exported.push({ name, rows: rows.length, file });
  }
  return exported;
}
