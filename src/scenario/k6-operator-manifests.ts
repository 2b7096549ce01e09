import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { UsageError } from '../errors.ts';
import { K6_VERSION } from '../k6/k6-version.ts';
import type { BuiltScript } from './build-script.ts';

/**
 * What `scenario build --k6-operator` writes for a team to `kubectl apply`:
 * a k6-operator `TestRun` (k6.io/v1alpha1) whose runners write their raw
 * samples onto a shared volume, one folder per runner pod, for
 * `rehearse collect` to merge into one run record.
 *
 * The TestRun fields follow k6-operator's CRD as defined in
 * grafana/k6-operator `api/v1alpha1/testrun_types.go` (TestRunSpec, Pod,
 * K6Script; commit 0541ec5 of that file).
 */
export interface K6OperatorOptions {
  /** Runner pods (`spec.parallelism`); k6-operator gives each one execution segment. */
  parallelism: number;
  /** The app under test as the runner pods reach it (the script's BASE_URL); the command line requires it, since only the team knows it. */
  baseUrl?: string;
  /** The runner image (default grafana/k6 at the version rehearse runs locally). */
  image?: string;
  /** Each runner's CPU and memory, requested and limited alike. */
  cpu?: string;
  memory?: string;
  /** Size of the shared volume the runners write their samples to. */
  resultsStorage?: string;
}

export interface K6OperatorManifests {
  /** The resource names, for the README's commands. */
  names: { testRun: string; test: string; results: string; collectPod: string };
  /** Whether the script and its data went into a ConfigMap, or (too large) a volume the team fills. */
  scriptSource: 'configMap' | 'volumeClaim';
  /** Multi-document YAML: the script's ConfigMap or claim, the results claim, the TestRun. */
  testRun: string;
  /** A pod that mounts the results volume, to `kubectl cp` the samples out. */
  collectPod: string;
}

/** Where runner pods mount things: k6-operator mounts the script's ConfigMap or claim at /test. */
export const TEST_MOUNT = '/test';
export const RESULTS_MOUNT = '/results';
/** Each runner's raw samples, in its own folder (the pod's name) on the results volume. */
export const RUNNER_RAW_FILE = 'k6-samples.csv.gz';
/** A ConfigMap holds at most 1 MiB, metadata included: past this, script and data go on a volume. */
export const CONFIG_MAP_LIMIT_BYTES = 900 * 1024;

/** One file the runners need: the script or a dataset. */
export interface TestFile {
  name: string;
  text: string;
}

/** k6's arguments in every runner: raw samples to the runner's folder; thresholds judged on the merged record, not per runner. */
export function runnerArguments(): string {
  return `--no-thresholds --out csv=${RESULTS_MOUNT}/${RUNNER_RAW_FILE}`;
}

/**
 * The manifests for `files` (the script first). Pure: the caller reads and
 * writes the files.
 *
 * @example
 * const manifests = planK6OperatorManifests('steady-browse', [script, ...datasets], { parallelism: 4, baseUrl: appServiceUrl });
 */
export function planK6OperatorManifests(scenarioName: string, files: readonly TestFile[], options: K6OperatorOptions): K6OperatorManifests {
  const base = `rehearse-${kubernetesName(scenarioName)}`.slice(0, 50).replace(/-+$/, '');
  const names = { testRun: base, test: `${base}-test`, results: `${base}-results`, collectPod: `${base}-collect` };
  const size = files.reduce((sum, file) => sum + Buffer.byteLength(file.text), 0);
  const scriptSource = size <= CONFIG_MAP_LIMIT_BYTES ? 'configMap' : 'volumeClaim';
  const script = files[0]!.name;
  const testSource =
    scriptSource === 'configMap'
      ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: names.test }, data: Object.fromEntries(files.map((file) => [file.name, file.text])) }
      : claim(names.test, `${Math.ceil((size * 2) / 1024 ** 2)}Mi`);
  const resources = { cpu: options.cpu ?? '1', memory: options.memory ?? '1Gi' };
  const testRun = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name: names.testRun },
    spec: {
      parallelism: options.parallelism,
      script: scriptSource === 'configMap' ? { configMap: { name: names.test, file: script } } : { volumeClaim: { name: names.test, file: script, readOnly: true } },
      arguments: runnerArguments(),
      runner: {
        image: options.image ?? `grafana/k6:${K6_VERSION.replace(/^v/, '')}`,
        env: [
          ...(options.baseUrl ? [{ name: 'BASE_URL', value: options.baseUrl }] : []),
          { name: 'REHEARSE_DATA_DIR', value: TEST_MOUNT },
          { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        ],
        resources: { requests: resources, limits: resources },
        volumes: [{ name: 'results', persistentVolumeClaim: { claimName: names.results } }],
        // One folder per runner pod: every runner writes the same file name.
        volumeMounts: [{ name: 'results', mountPath: RESULTS_MOUNT, subPathExpr: '$(POD_NAME)' }],
      },
    },
  };
  const collectPod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: names.collectPod },
    spec: {
      restartPolicy: 'Never',
      containers: [{ name: 'collect', image: 'busybox:1.36', command: ['sleep', '3600'], volumeMounts: [{ name: 'results', mountPath: RESULTS_MOUNT, readOnly: true }] }],
      volumes: [{ name: 'results', persistentVolumeClaim: { claimName: names.results, readOnly: true } }],
    },
  };
  return {
    names,
    scriptSource,
    testRun: [testSource, claim(names.results, options.resultsStorage ?? '5Gi'), testRun].map((document) => stringify(document, { lineWidth: 0 })).join('---\n'),
    collectPod: stringify(collectPod, { lineWidth: 0 }),
  };
}

function claim(name: string, storage: string) {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name },
    // Every runner pod mounts it, on whichever node it runs.
    spec: { accessModes: ['ReadWriteMany'], resources: { requests: { storage } } },
  };
}

/** A DNS-1123 label from a scenario name: lower case, digits and dashes. */
function kubernetesName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'scenario';
}

/** The README beside the manifests: apply, wait, copy the samples out, collect. */
export function renderK6OperatorReadme(manifests: K6OperatorManifests, scenarioFile: string, files: readonly TestFile[], parallelism: number): string {
  const { names } = manifests;
  const fill =
    manifests.scriptSource === 'configMap'
      ? []
      : [
          `The script and its test data (${files.length} files) are too large for a ConfigMap: they go on the volume claim`,
          `\`${names.test}\`, mounted at ${TEST_MOUNT} in every runner. Copy them there before the test starts, e.g. with a pod`,
          'that mounts the claim, then `kubectl cp <file> <pod>:/test/` for each file in this folder besides the manifests.',
          '',
        ];
  return [
    `# ${names.testRun}: ${parallelism} k6 runners on k6-operator`,
    '',
    `Built by \`rehearse scenario build ${scenarioFile} --k6-operator --parallelism ${parallelism}\`.`,
    'Each runner pod runs one execution segment of the load and writes its raw samples',
    `(${RESULTS_MOUNT}/<pod name>/${RUNNER_RAW_FILE}) to the shared volume claim \`${names.results}\`;`,
    '`rehearse collect` merges them into one run record that `report`, `compare` and budgets read.',
    'k6 thresholds are off in the runners (`--no-thresholds`): each runner only sees its share, so budgets',
    'are judged by rehearse on the merged samples.',
    '',
    'Set BASE_URL in testrun.yaml to the app as the pods reach it, and the runner resources to taste.',
    'The volume claims are ReadWriteMany: the cluster needs a storage class that offers it.',
    '',
    "To record the database's statements too (read only: pg_stat_statements, EXPLAIN without ANALYZE), mark it",
    'before the test and give the same URL to the collect: the statements are the difference, every session of',
    'that database in between, not only the runners\'.',
    '',
    ...fill,
    '```sh',
    'rehearse collect --db-url "$DATABASE_URL" --mark-start before.json   # optional: the database\'s statements',
    'kubectl apply -f testrun.yaml',
    `kubectl get testrun ${names.testRun} -w            # until the stage is "finished"`,
    'kubectl apply -f collect-pod.yaml',
    `kubectl wait --for=condition=Ready pod/${names.collectPod}`,
    `kubectl cp ${names.collectPod}:${RESULTS_MOUNT} ./runner-outputs`,
    `rehearse collect ./runner-outputs --scenario ${scenarioFile}   # after a mark: --db-url "$DATABASE_URL" --since before.json`,
    'kubectl delete -f collect-pod.yaml -f testrun.yaml',
    '```',
    '',
  ].join('\n');
}

/**
 * Writes testrun.yaml, collect-pod.yaml and README.md into `outDir` for a
 * built script; the scenario's datasets must already be exported beside it
 * (its `.data` folder), else a usage error names the missing files.
 */
export async function writeK6OperatorManifests(built: BuiltScript, outDir: string, options: K6OperatorOptions): Promise<{ files: string[]; manifests: K6OperatorManifests }> {
  const files: TestFile[] = [{ name: path.basename(built.script), text: await readFile(built.script, 'utf8') }];
  const missing: string[] = [];
  for (const dataset of built.plan.datasets) {
    const file = path.join(built.dataDir, dataset.file);
    const found = await access(file).then(() => true, () => false);
    if (found) files.push({ name: dataset.file, text: await readFile(file, 'utf8') });
    else missing.push(path.relative(process.cwd(), file));
  }
  if (missing.length > 0) {
    throw new UsageError(
      `--k6-operator: the runners need the scenario's exported test data, and ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing: export them with --data-url <postgres url of the seeded database the app uses>`,
    );
  }
  const manifests = planK6OperatorManifests(built.scenarioName, files, options);
  await mkdir(outDir, { recursive: true });
  const written = [path.join(outDir, 'testrun.yaml'), path.join(outDir, 'collect-pod.yaml'), path.join(outDir, 'README.md')];
  await writeFile(written[0]!, manifests.testRun);
  await writeFile(written[1]!, manifests.collectPod);
  await writeFile(written[2]!, renderK6OperatorReadme(manifests, built.source, files, options.parallelism));
  if (manifests.scriptSource === 'volumeClaim') {
    for (const file of files) written.push(path.join(outDir, file.name));
    for (const file of files) await writeFile(path.join(outDir, file.name), file.text);
  }
  return { files: written, manifests };
}
