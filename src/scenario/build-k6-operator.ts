import path from 'node:path';
import { connectClient } from '../db/connect-client.ts';
import { buildScript, type WriteOptions } from './build-script.ts';
import { exportTestData } from './export-test-data.ts';
import { loadScenario } from './load-scenario.ts';
import { writeK6OperatorManifests, type K6OperatorManifests, type K6OperatorOptions } from './k6-operator-manifests.ts';

export interface K6OperatorBuildOptions extends K6OperatorOptions {
  /** Where the script, its data and the manifests go (default reports/k6-operator/<scenario>). */
  outDir?: string;
  /** A seeded database to export the scenario's test data from; else the data already beside the script is used. */
  dataUrl?: string;
  root?: string;
  build?: WriteOptions;
}

/**
 * `scenario build --k6-operator`: the k6 script, its test data and the
 * k6-operator manifests in one folder, ready for `kubectl apply`.
 */
export async function buildForK6Operator(file: string, options: K6OperatorBuildOptions): Promise<{ dir: string; files: string[]; manifests: K6OperatorManifests }> {
  const root = options.root ?? process.cwd();
  const { scenario } = await loadScenario(file, root);
  const dir = path.resolve(root, options.outDir ?? path.join('reports', 'k6-operator', scenario.name));
  const built = await buildScript(file, { ...options.build, root, out: path.join(dir, `${scenario.name}.js`) });
  if (options.dataUrl) {
    const client = await connectClient(options.dataUrl);
    try {
      await exportTestData(client, scenario, built.dataDir, built.source);
    } finally {
      await client.end();
    }
  }
  const { files, manifests } = await writeK6OperatorManifests(built, dir, options);
  return { dir, files: [built.script, ...files], manifests };
}
