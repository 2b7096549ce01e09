/**
 * Benchmark part: runners on hosts of their own (network namespaces, see
 * test/support/network-namespaces.ts). Two measurements, each against the
 * same thing on this machine's own loopback, measured in the same run:
 *
 * 1. Load over the private link: a minimal k6 script flat out (constant
 *    arrival rate far above what the endpoint serves, 20 VUs) against a
 *    trivial Node HTTP server, k6 in a runner namespace and the server in the
 *    app namespace (veth + bridge), against both on loopback; alternated over
 *    two rounds; k6's `http_reqs` rate. No target: it says whether the link
 *    limits what a runner can offer.
 * 2. Releasing runners through their hosts' prefix: two k6 started
 *    `--paused` (an idle one-iteration script: no traffic), in two runner
 *    namespaces with `ip netns exec … node k6-control-process.mjs` polling
 *    and resuming them, against two on this machine controlled directly;
 *    time until both wait, and to release both; three rounds, median.
 *
 * Needs root with CAP_NET_ADMIN and `ip`. Run alone: `npx tsx bench/netns.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { locateK6, type K6Binary } from '../src/k6/locate-k6.ts';
import { runK6 } from '../src/k6/run-k6.ts';
import { controlRunner, THIS_MACHINE, type RunnerHost } from '../src/k6/runner-host.ts';
import { stopChild } from '../src/system/child-process.ts';
import { findFreePort } from '../src/system/free-port.ts';
import { createPrivateNetwork, networkNamespacesUnavailable } from '../test/support/network-namespaces.ts';
import { minimalScript } from './runners.ts';

const ROUNDS = 2;
const LOAD_SECONDS = Number(process.env.REHEARSE_BENCH_LOAD_SECONDS ?? 5);
const LOAD_VUS = 20;
const LOAD_RATE = 20_000;
const RELEASE_ROUNDS = 3;
const SERVER_PORT = 8080;

const SERVER = `import http from 'node:http';
http.createServer((_request, response) => response.end('ok')).listen(${SERVER_PORT}, process.env.HOST, () => console.log('ready'));
`;


/** One iteration that does nothing: a runner to release, no traffic. */
const IDLE_SCRIPT = `export const options = { vus: 1, iterations: 1 };

export default function () {}
`;

export interface NetnsBenchResult {
  loopbackRps: number[];
  linkRps: number[];
  linkRatio: number;
  /** Two runners started paused: until both wait, and to release both (ms, medians). */
  direct: { ready: number; release: number };
  prefixed: { ready: number; release: number };
}

export async function run(log: (line: string) => void = console.log): Promise<{ passed: boolean; result?: NetnsBenchResult }> {
  const unavailable = await networkNamespacesUnavailable();
  if (unavailable) {
    log(`netns: SKIP: ${unavailable}`);
    return { passed: true };
  }
  const k6 = await locateK6();
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-bench-netns-'));
  const network = await createPrivateNetwork(2);
  const runner = network.runners[0]!;
  const servers: ChildProcess[] = [];
  try {
    await writeFile(path.join(dir, 'server.mjs'), SERVER);
    await writeFile(path.join(dir, 'minimal.js'), minimalScript(LOAD_RATE, LOAD_SECONDS, LOAD_VUS));
    await writeFile(path.join(dir, 'idle.js'), IDLE_SCRIPT);
    servers.push(await startServer(path.join(dir, 'server.mjs'), '127.0.0.1', []));
    servers.push(await startServer(path.join(dir, 'server.mjs'), network.app.address, network.app.commandPrefix));
    const loopbackRps: number[] = [];
    const linkRps: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      loopbackRps.push(await requestsPerSecond(k6, dir, THIS_MACHINE, `http://127.0.0.1:${SERVER_PORT}`));
      linkRps.push(await requestsPerSecond(k6, dir, runner, `http://${network.app.address}:${SERVER_PORT}`));
      log(`netns: round ${round + 1}: loopback ${loopbackRps.at(-1)!.toFixed(0)} req/s, runner namespace -> app namespace ${linkRps.at(-1)!.toFixed(0)} req/s`);
    }
    const direct = await releaseMs(k6, dir, [THIS_MACHINE, THIS_MACHINE]);
    const prefixed = await releaseMs(k6, dir, network.runners);
    const result = { loopbackRps, linkRps, linkRatio: median(linkRps) / median(loopbackRps), direct, prefixed };
    log(`netns: private link / loopback req/s ratio ${result.linkRatio.toFixed(2)}`);
    log(`netns: 2 paused runners ready in ${direct.ready.toFixed(0)} ms, released in ${direct.release.toFixed(1)} ms on this machine; ${prefixed.ready.toFixed(0)} ms and ${prefixed.release.toFixed(1)} ms in namespaces through ip netns exec (median of ${RELEASE_ROUNDS})`);
    return { passed: true, result };
  } finally {
    for (const server of servers) await stopChild(server, 'SIGTERM', 2_000);
    await network.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

async function startServer(file: string, host: string, prefix: readonly string[]): Promise<ChildProcess> {
  const [program, ...args] = [...prefix, process.execPath, file];
  const child = spawn(program!, args, { env: { ...process.env, HOST: host }, stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the bench server on ${host} exited with ${code}`)));
  });
  return child;
}

async function requestsPerSecond(k6: K6Binary, dir: string, host: RunnerHost, baseUrl: string): Promise<number> {
  const summary = path.join(dir, 'summary.json');
  await runK6(k6, { script: path.join(dir, 'minimal.js'), args: ['--quiet', '--no-thresholds', `--summary-export=${summary}`], env: { BASE_URL: baseUrl }, host });
  const exported = JSON.parse(await readFile(summary, 'utf8')) as { metrics: { http_reqs: { rate: number } } };
  return exported.metrics.http_reqs.rate;
}

/** Two runners on `hosts` started `--paused`, released together: median time until both wait (k6 start included), and to release both. */
async function releaseMs(k6: K6Binary, dir: string, hosts: readonly RunnerHost[]): Promise<{ ready: number; release: number }> {
  const ready: number[] = [];
  const release: number[] = [];
  for (let round = 0; round < RELEASE_ROUNDS; round += 1) {
    const stop = new AbortController();
    const started = performance.now();
    const runners = await Promise.all(hosts.map(async (host) => ({ host, address: `127.0.0.1:${await findFreePort()}` })));
    const exits = runners.map((runner) =>
      runK6(k6, { script: path.join(dir, 'idle.js'), args: ['--paused', '--address', runner.address, '--quiet'], host: runner.host, signal: stop.signal }),
    );
    const controls = runners.map((runner) => controlRunner(runner.host, runner.address, AbortSignal.timeout(60_000)));
    try {
      await Promise.all(controls.map((control) => control.paused));
      const paused = performance.now();
      await Promise.all(controls.map((control) => control.resume()));
      ready.push(paused - started);
      release.push(performance.now() - paused);
      await Promise.all(exits);
    } finally {
      for (const control of controls) control.stop();
      stop.abort();
      await Promise.allSettled(exits);
    }
  }
  return { ready: median(ready), release: median(release) };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await run();
}
