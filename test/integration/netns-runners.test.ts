import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateK6Csv } from '../../src/collect/aggregate-k6-csv.ts';
import { locateK6, type K6Binary } from '../../src/k6/locate-k6.ts';
import { collectRunnerOutputs } from '../../src/run/collect-runner-outputs.ts';
import { localK6Driver } from '../../src/run/load-driver.ts';
import { writeScript } from '../../src/scenario/build-script.ts';
import { exportTestData } from '../../src/scenario/export-test-data.ts';
import { loadScenario } from '../../src/scenario/load-scenario.ts';
import { runCommand } from '../../src/system/child-process.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { createPrivateNetwork, networkNamespacesUnavailable, PRIVATE_SUBNET, routesIn, type PrivateNetwork } from '../support/network-namespaces.ts';
import { startPortalProcess, type PortalProcess } from '../support/school-portal-app.ts';
import { startPortalDatabaseServer, type PortalDatabaseServer } from '../support/school-portal-database.ts';
import { startPostgresSocketRelay, type UnixSocketRelay } from '../support/unix-socket-relay.ts';

/** 8 arrivals a second for 3 s, each a login then the posts feed: bounded, and over in seconds. */
const SCENARIO = `import { defineScenario, steady } from ${JSON.stringify(path.join(REPO_ROOT, 'src/index.ts'))};
import { parentsWithBookings } from ${JSON.stringify(path.join(REPO_ROOT, 'scenarios/school-portal-data.ts'))};
import { login, posts } from ${JSON.stringify(path.join(REPO_ROOT, 'scenarios/school-portal-pages.ts'))};

export default defineScenario({
  name: 'netns-runners',
  description: 'two runners on hosts of their own, the app on a third',
  data: { parents: parentsWithBookings },
  journeys: { parents: { data: 'parents', load: steady({ rate: 8, duration: '3s', maxVUs: 16 }), steps: [login, posts] } },
});
`;

async function namespaceNames(): Promise<string[]> {
  const listed = await runCommand('ip', ['netns', 'list']);
  return listed.stdout.split('\n').map((line) => line.split(' ')[0] ?? '').filter(Boolean);
}

const unavailable = await networkNamespacesUnavailable();
if (unavailable) console.warn(`SKIP runners in network namespaces (test/integration/netns-runners.test.ts): ${unavailable}`);

describe.skipIf(unavailable !== undefined)('k6 runners on hosts of their own (network namespaces), the app on another', () => {
  let k6: K6Binary;
  let server: PortalDatabaseServer;
  let relay: UnixSocketRelay;
  let network: PrivateNetwork;
  let portal: PortalProcess;
  let dir: string;
  let scenarioFile: string;

  beforeAll(async () => {
    k6 = await locateK6();
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-netns-'));
    server = await startPortalDatabaseServer();
    const database = await server.copy('netns');
    const { hostname, port } = new URL(database.url);
    relay = await startPostgresSocketRelay({ host: hostname, port: Number(port) });
    network = await createPrivateNetwork(2);
    portal = await startPortalProcess({ databaseUrl: relay.databaseUrl(database.url), commandPrefix: network.app.commandPrefix, env: { HOST: network.app.address } });
    scenarioFile = path.join(dir, 'netns-runners.ts');
    await writeFile(scenarioFile, SCENARIO);
    const { scenario } = await loadScenario(scenarioFile);
    const built = await writeScript(scenario, scenarioFile, { root: dir, out: path.join(dir, 'netns-runners.js') });
    const db = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      await exportTestData(db, scenario, built.dataDir);
    } finally {
      await db.end();
    }
  }, 120_000);

  afterAll(async () => {
    await portal?.stop();
    await network?.stop();
    await relay?.stop();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gives each namespace only the private link: no default route, no way off the machine', async () => {
    for (const host of [network.app, ...network.runners]) {
      const routes = await routesIn(host.name);
      expect(routes.some((route) => route.startsWith('default'))).toBe(false);
      // IPv6 link-local (fe80::/64) ends at the link too, and the links end in the set's other namespaces.
      const reachable = routes.filter((route) => !/ table local /.test(route)).map((route) => route.split(' ')[0]);
      expect(new Set(reachable)).toEqual(new Set([PRIVATE_SUBNET, 'fe80::/64']));
    }
    expect(new URL(portal.url).hostname).toBe(network.app.address);
  });

  it('runs two segmented runners in their namespaces against the app over the private links, and merges them into one record', async () => {
    const outputs = path.join(dir, 'runner-outputs');
    await mkdir(outputs);
    const driven = await localK6Driver(k6, { runners: 2, hosts: network.runners }).run(
      [{ name: 'load', script: path.join(dir, 'netns-runners.js'), rawFile: path.join(outputs, 'k6-samples.csv.gz'), env: { BASE_URL: portal.url } }],
      { signal: AbortSignal.timeout(60_000), onPhase: () => undefined },
    );
    expect(driven.failure).toBeUndefined();
    const [phase] = driven.phases;
    expect(phase).toMatchObject({
      exitCode: 0,
      segmentSequence: '0,1/2,1',
      runners: [
        { segment: '0:1/2', host: network.runners[0]!.name, exitCode: 0 },
        { segment: '1/2:1', host: network.runners[1]!.name, exitCode: 0 },
      ],
    });

    const perRunner = await Promise.all(phase!.runners!.map((runner) => aggregateK6Csv(path.join(outputs, runner.rawFile))));
    for (const results of perRunner) {
      expect(results.totals.requests).toBeGreaterThan(0);
      expect(results.totals.errors).toBe(0);
    }
    // Released together through their namespaces: their first requests fall within a second or so of each other.
    expect(Math.abs(perRunner[0]!.totals.firstSampleAt! - perRunner[1]!.totals.firstSampleAt!)).toBeLessThanOrEqual(1_000);
    const collected = await collectRunnerOutputs({ dir: outputs, scenarioFile, reportsDir: path.join(dir, 'reports') });
    const requestsOf = (page: string) => perRunner.reduce((sum, results) => sum + (results.pages.find((entry) => entry.page === page)?.requests ?? 0), 0);
    expect(collected.rawFiles).toHaveLength(2);
    expect(collected.record.totals?.requests).toBe(perRunner[0]!.totals.requests + perRunner[1]!.totals.requests);
    expect(Object.fromEntries(collected.record.pages!.map((page) => [page.page, page.requests]))).toEqual({ Login: requestsOf('Login'), Posts: requestsOf('Posts') });
    expect(collected.record.totals?.errors).toBe(0);
    // The app's requests came over the links, so its database was reached through the socket relay, not a route.
    expect(portal.stderr()).not.toMatch(/ECONNREFUSED|ENETUNREACH/);
  }, 90_000);

  it('stops the phase with a failure naming the host when a runner cannot be started there', async () => {
    const gone = { name: 'a namespace that is gone', commandPrefix: ['ip', 'netns', 'exec', `rehearse-${process.pid}-gone`] };
    const started = Date.now();
    const driven = await localK6Driver(k6, { runners: 2, hosts: [network.runners[0]!, gone] }).run(
      [{ name: 'load', script: path.join(dir, 'netns-runners.js'), rawFile: path.join(dir, 'gone', 'k6-samples.csv.gz'), env: { BASE_URL: portal.url } }],
      { signal: AbortSignal.timeout(60_000), onPhase: () => undefined },
    );
    expect(driven.failure?.message).toMatch(/on a namespace that is gone/);
    expect(driven.failure?.message).toMatch(/Cannot open network namespace/);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it('deletes its namespaces on stop, ending what still ran inside, and those of a killed test process on the next start', async () => {
    const exited = spawn('true');
    await new Promise((resolve) => exited.once('exit', resolve));
    const leftover = `rehearse-${exited.pid}-1-app`;
    await runCommand('ip', ['netns', 'add', leftover]);
    const spare = await createPrivateNetwork(1);
    expect(await namespaceNames()).not.toContain(leftover);
    const names = [spare.app.name, spare.runners[0]!.name];
    const [program, ...args] = [...spare.runners[0]!.commandPrefix, 'sleep', '600'];
    const sleeper = spawn(program!, args, { stdio: 'ignore' });
    await new Promise((resolve) => sleeper.once('spawn', resolve));
    expect(await namespaceNames()).toEqual(expect.arrayContaining(names));
    await spare.stop();
    await spare.stop();
    const exit = await new Promise<NodeJS.Signals | null>((resolve) => (sleeper.exitCode !== null || sleeper.signalCode !== null ? resolve(sleeper.signalCode) : sleeper.once('exit', (_code, signal) => resolve(signal))));
    expect(exit).toBe('SIGKILL');
    expect((await namespaceNames()).filter((name) => names.includes(name))).toEqual([]);
  });
});
