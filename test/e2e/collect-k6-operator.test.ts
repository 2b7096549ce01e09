import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createProvider } from '../../src/db/create-provider.ts';
import { locateK6, type K6Binary } from '../../src/k6/locate-k6.ts';
import { resumeK6, waitUntilPausedBeforeRun } from '../../src/k6/k6-rest-api.ts';
import { planExecutionSegments } from '../../src/k6/execution-segments.ts';
import { runK6 } from '../../src/k6/run-k6.ts';
import { readRunRecord } from '../../src/run/run-record.ts';
import { buildForK6Operator } from '../../src/scenario/build-k6-operator.ts';
import { findFreePort } from '../../src/system/free-port.ts';
import { REPO_ROOT, runCli } from '../support/cli.ts';

/** Ten arrivals a second for 3 s of one page: nothing but the load generator and a loopback server. */
const SCENARIO = `import { dataset, defineScenario, page } from ${JSON.stringify(path.join(REPO_ROOT, 'src/scenario/define-scenario.ts'))};
import { steady } from ${JSON.stringify(path.join(REPO_ROOT, 'src/scenario/load-shapes.ts'))};

export default defineScenario({
  name: 'kube-home',
  description: 'one page, for runners started the way k6-operator starts them',
  data: { visitors: dataset('select email from visitors', ['email']) },
  journeys: { visitors: { data: 'visitors', load: steady({ rate: 10, duration: '3s', maxVUs: 10 }), steps: [page('Home', { path: '/' })] } },
  budgets: { pages: { Home: { p95Ms: 5_000, errorRate: 0.01 } } },
});
`;

interface TestRunSpec {
  parallelism: number;
  arguments: string;
  script: { configMap: { name: string; file: string } };
  runner: { env: Array<{ name: string; value?: string }> };
}

describe('a k6-operator run collected into one record', () => {
  let k6: K6Binary;
  let dir: string;
  let server: http.Server;
  let baseUrl: string;

  beforeAll(async () => {
    k6 = await locateK6();
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-collect-'));
    server = http.createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('builds the manifests, runs their runners as k6-operator would, and collects them into one record the report reads', async () => {
    const scenario = path.join(dir, 'kube-home.ts');
    await writeFile(scenario, SCENARIO);
    const out = path.join(dir, 'kube');
    // The exported test data, as --data-url would have written it.
    await mkdir(path.join(out, 'kube-home.data'), { recursive: true });
    await writeFile(path.join(out, 'kube-home.data', 'visitors.json'), JSON.stringify(Array.from({ length: 20 }, (_, index) => ({ email: `v${index}@example.test` }))));
    // `rehearse scenario build <file> --k6-operator --parallelism 2 --out <dir> --base-url <url>`, without a second CLI start.
    await buildForK6Operator(scenario, { parallelism: 2, outDir: out, baseUrl, root: dir });

    // What k6-operator does with the manifest: the ConfigMap's files at /test, one results folder per pod, every
    // runner `k6 run` with its segment, --paused and its API, then the starter resumes them all.
    const documents = parseAllDocuments(await readFile(path.join(out, 'testrun.yaml'), 'utf8')).map((document) => document.toJSON());
    const configMap = documents.find((document) => document.kind === 'ConfigMap') as { data: Record<string, string> };
    const spec = (documents.find((document) => document.kind === 'TestRun') as { spec: TestRunSpec }).spec;
    const testDir = path.join(dir, 'test');
    await mkdir(testDir);
    for (const [name, text] of Object.entries(configMap.data)) await writeFile(path.join(testDir, name), text);
    const env = Object.fromEntries(spec.runner.env.filter((variable) => variable.value !== undefined).map((variable) => [variable.name, variable.value!.replace(/^\/test$/, testDir)]));
    const { sequence, segments } = planExecutionSegments(spec.parallelism);
    const outputs = path.join(dir, 'runner-outputs');
    const runners = await Promise.all(
      segments.map(async (segment, index) => {
        const podDir = path.join(outputs, `rehearse-kube-home-${index + 1}`);
        await mkdir(podDir, { recursive: true });
        return { segment, address: `127.0.0.1:${await findFreePort()}`, args: spec.arguments.split(' ').map((arg) => arg.replace('/results', podDir)) };
      }),
    );
    const signal = new AbortController().signal;
    const exits = runners.map((runner) =>
      runK6(k6, {
        script: path.join(testDir, spec.script.configMap.file),
        args: ['--quiet', '--execution-segment', runner.segment, '--execution-segment-sequence', sequence, '--paused', '--address', runner.address, ...runner.args],
        env,
        signal,
      }),
    );
    await Promise.all(runners.map((runner) => waitUntilPausedBeforeRun(runner.address, AbortSignal.timeout(30_000))));
    await Promise.all(runners.map((runner) => resumeK6(runner.address, signal)));
    expect((await Promise.all(exits)).map((exit) => exit.exitCode)).toEqual([0, 0]);

    const collected = await runCli(['collect', outputs, '--scenario', scenario], { cwd: dir });
    expect(collected.code, collected.stderr + collected.stdout).toBe(0);
    expect(collected.stdout).toMatch(/merged 2 runner output\(s\): \d+ requests/);
    const recordFile = /wrote (\S+run\.json)/.exec(collected.stdout)![1]!;
    const record = await readRunRecord(path.resolve(dir, recordFile));
    expect(record.context).toMatchObject({ dbProvider: 'external', collected: { runners: 2, appAndDatabase: 'external' } });
    expect(record.status).toBe('complete');
    const home = record.pages.find((page) => page.page === 'Home')!;
    expect(home.requests).toBeGreaterThanOrEqual(15);
    expect(home.errors).toBe(0);
    expect(record.load!.plan[0]!.plannedArrivals).toBeGreaterThan(0);
    expect(collected.stdout).toMatch(/PASS|pass/);
    expect(collected.stdout).toMatch(/collect statements: skipped \(no --db-url/);
  }, 90_000);

  it('reads the database the runners loaded between a --mark-start before the load and the collect after it', async () => {
    const database = await createProvider({ provider: 'embedded', settings: {} }).start();
    try {
      await database.admin.query('create table kube_visits (id int)');
      const mark = await runCli(['collect', '--db-url', database.url, '--mark-start', 'before.json'], { cwd: dir });
      expect(mark.code, mark.stderr + mark.stdout).toBe(0);
      expect(mark.stdout).toMatch(/marked \d+ statement\(s\) of 127\.0\.0\.1:\d+\/postgres/);
      await database.admin.query('insert into kube_visits values (1)');

      const collected = await runCli(['collect', path.join(dir, 'runner-outputs'), '--scenario', path.join(dir, 'kube-home.ts'), '--db-url', database.url, '--since', 'before.json'], { cwd: dir });
      expect(collected.code, collected.stderr + collected.stdout).toBe(0);
      expect(collected.stdout).toMatch(/collect statements: ok/);
      expect(collected.stdout).toMatch(/collect activity: skipped/);
      const record = await readRunRecord(path.resolve(dir, /wrote (\S+run\.json)/.exec(collected.stdout)![1]!));
      expect(record.statements.map((statement) => statement.query)).toContainEqual(expect.stringContaining('insert into kube_visits'));
      expect(JSON.stringify(record)).not.toContain(database.url);
    } finally {
      await database.stop();
    }
  }, 90_000);

  it('says what collect needs, and exits 2, when it is given too little', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['collect'], /give the folder of runner outputs/],
      [['collect', dir], /--scenario <file> is required/],
      [['collect', '--mark-start', 'mark.json'], /--mark-start needs --db-url/],
      [['collect', dir, '--scenario', 'x.ts', '--since', 'mark.json'], /--since needs --db-url/],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args, { cwd: dir });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  }, 60_000);
});
