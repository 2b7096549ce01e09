import { parseAllDocuments, parse } from 'yaml';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { CONFIG_MAP_LIMIT_BYTES, planK6OperatorManifests, renderK6OperatorReadme, runnerArguments } from '../../src/scenario/k6-operator-manifests.ts';

/**
 * The TestRun fields rehearse writes, with the types k6-operator's CRD gives
 * them (grafana/k6-operator api/v1alpha1/testrun_types.go, commit 0541ec5:
 * TestRunSpec, Pod, K6Script, K6Configmap, K6VolumeClaim; Kubernetes core/v1
 * for EnvVar, Volume, VolumeMount, ResourceRequirements). Strict: a field the
 * CRD does not define would be pruned by the API server without a word.
 */
const int32 = z.number().int().min(-(2 ** 31)).max(2 ** 31 - 1);
const quantity = z.union([z.string().regex(/^[0-9.]+([eE][0-9]+|[KMGTPE]i?|m)?$/), z.number()]);
const dnsName = z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/).max(63);
const envVar = z.strictObject({
  name: z.string(),
  value: z.string().optional(),
  valueFrom: z.strictObject({ fieldRef: z.strictObject({ fieldPath: z.string(), apiVersion: z.string().optional() }) }).optional(),
});
const volume = z.strictObject({ name: z.string(), persistentVolumeClaim: z.strictObject({ claimName: z.string(), readOnly: z.boolean().optional() }) });
const volumeMount = z.strictObject({ name: z.string(), mountPath: z.string(), readOnly: z.boolean().optional(), subPath: z.string().optional(), subPathExpr: z.string().optional() });
const resources = z.strictObject({ requests: z.record(z.string(), quantity).optional(), limits: z.record(z.string(), quantity).optional() });
const pod = z.strictObject({ image: z.string().optional(), env: z.array(envVar).optional(), resources: resources.optional(), volumes: z.array(volume).optional(), volumeMounts: z.array(volumeMount).optional() });
const testRunSchema = z.strictObject({
  apiVersion: z.literal('k6.io/v1alpha1'),
  kind: z.literal('TestRun'),
  metadata: z.strictObject({ name: dnsName }),
  spec: z.strictObject({
    script: z.strictObject({
      configMap: z.strictObject({ name: z.string(), file: z.string().optional() }).optional(),
      volumeClaim: z.strictObject({ name: z.string(), file: z.string().optional(), readOnly: z.boolean().optional() }).optional(),
      localFile: z.string().optional(),
    }),
    parallelism: int32,
    separate: z.boolean().optional(),
    arguments: z.string().optional(),
    runner: pod.optional(),
    quiet: z.string().optional(),
    paused: z.string().optional(),
    cleanup: z.enum(['post']).optional(),
  }),
});

const SCRIPT = { name: 'steady-browse.js', text: "// rehearse\nexport default function () {}\n" };
const DATA = { name: 'parents.json', text: JSON.stringify([{ email: 'a@example.test', password: 'x' }]) };

function documents(text: string): Array<Record<string, unknown>> {
  return parseAllDocuments(text).map((document) => document.toJSON() as Record<string, unknown>);
}

describe('k6-operator manifests', () => {
  it('writes a TestRun that k6-operator’s CRD accepts, with the script and data in a ConfigMap and each runner’s samples on a shared volume', () => {
    const manifests = planK6OperatorManifests('Steady browse', [SCRIPT, DATA], { parallelism: 4, baseUrl: 'http://portal:8080' });
    const [configMap, results, testRun] = documents(manifests.testRun);
    const run = testRunSchema.parse(testRun);
    expect(run.spec.parallelism).toBe(4);
    expect(run.spec.script).toEqual({ configMap: { name: 'rehearse-steady-browse-test', file: 'steady-browse.js' } });
    expect(run.spec.arguments).toBe(runnerArguments());
    expect(run.spec.arguments).toMatch(/--out csv=\/results\/k6-samples\.csv\.gz/);
    expect(run.spec.runner?.env).toEqual(expect.arrayContaining([{ name: 'BASE_URL', value: 'http://portal:8080' }, { name: 'REHEARSE_DATA_DIR', value: '/test' }]));
    expect(run.spec.runner?.volumeMounts).toEqual([{ name: 'results', mountPath: '/results', subPathExpr: '$(POD_NAME)' }]);
    expect(run.spec.runner?.resources?.requests).toEqual({ cpu: '1', memory: '1Gi' });
    expect(configMap).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'rehearse-steady-browse-test' }, data: { 'steady-browse.js': SCRIPT.text, 'parents.json': DATA.text } });
    expect(results).toMatchObject({ kind: 'PersistentVolumeClaim', metadata: { name: 'rehearse-steady-browse-results' }, spec: { accessModes: ['ReadWriteMany'] } });
    expect(parse(manifests.collectPod)).toMatchObject({ kind: 'Pod', spec: { volumes: [{ persistentVolumeClaim: { claimName: 'rehearse-steady-browse-results' } }] } });
  });

  it('puts script and data on a volume claim when they are too large for a ConfigMap', () => {
    const big = { name: 'parents.json', text: 'x'.repeat(CONFIG_MAP_LIMIT_BYTES) };
    const manifests = planK6OperatorManifests('soak', [SCRIPT, big], { parallelism: 2 });
    const [claim, , testRun] = documents(manifests.testRun);
    expect(manifests.scriptSource).toBe('volumeClaim');
    expect(testRunSchema.parse(testRun).spec.script).toEqual({ volumeClaim: { name: 'rehearse-soak-test', file: 'steady-browse.js', readOnly: true } });
    expect(claim).toMatchObject({ kind: 'PersistentVolumeClaim', metadata: { name: 'rehearse-soak-test' } });
    expect(renderK6OperatorReadme(manifests, 'scenarios/soak.ts', [SCRIPT, big], 2)).toMatch(/too large for a ConfigMap/);
  });

  it('says how to apply, copy the samples out and collect them', () => {
    const manifests = planK6OperatorManifests('soak', [SCRIPT], { parallelism: 3 });
    const readme = renderK6OperatorReadme(manifests, 'scenarios/soak.ts', [SCRIPT], 3);
    expect(readme).toContain('kubectl apply -f testrun.yaml');
    expect(readme).toContain('kubectl cp rehearse-soak-collect:/results ./runner-outputs');
    expect(readme).toContain('rehearse collect ./runner-outputs --scenario scenarios/soak.ts');
    expect(readme).toContain('rehearse collect --db-url "$DATABASE_URL" --mark-start before.json');
    expect(readme).toContain('--db-url "$DATABASE_URL" --since before.json');
  });
});
