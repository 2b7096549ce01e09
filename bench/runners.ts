/**
 * Benchmark part: several runners. Two measurements, each against a
 * reference measured in the same run:
 *
 * 1. Merging runner outputs: 4 gzipped k6 CSV files (2.5 M samples each, the
 *    metric mix k6 writes, see k6-samples.ts) read into one aggregation by
 *    aggregateK6Csv, against a plain streaming gunzip + line count of the same
 *    4 files in Node; each in a fresh Node process that loads only what it
 *    measures (bench/merge-child.ts: its own peak RSS, and no unrelated
 *    modules slowing it), the two alternated over five rounds, medians
 *    compared. Targets: >= 0.5x the reference's speed,
 *    >= 2 M samples/s, <= 300 MB, judged on files as rehearse's runners
 *    write them (a check line only for a page with a body check); the same
 *    on files with a check line per request is printed beside it.
 * 2. The generated script's overhead: rehearse's k6 script for a one-page
 *    scenario against a minimal hand-written k6 script, same executor
 *    (constant arrival rate above what the endpoint serves, same VUs), same k6,
 *    same trivial loopback endpoint, alternated; requests/s ratio >= 0.9.
 *    Printed beside it: k6's CPU time per request (every thread of the k6
 *    process, from this process's reaped children's CPU in /proc), which
 *    says what a script costs when other jobs move the rate.
 *
 * Run alone: `npx tsx bench/runners.ts [samples per file]`; the merge part
 * only (no k6): `npx tsx bench/runners.ts --merge-only [samples per file]`.
 */
import { execFile } from 'node:child_process';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { createGzip } from 'node:zlib';
import { COUNT_FLAG, MERGE_FLAG, type Measurement } from './merge-child.ts';
import { locateK6 } from '../src/k6/locate-k6.ts';
import { runK6 } from '../src/k6/run-k6.ts';
import { dataset, defineScenario, page } from '../src/scenario/define-scenario.ts';
import { steady } from '../src/scenario/load-shapes.ts';
import { clockTicksPerSecond, parseProcStat } from '../src/system/process-cpu.ts';
import { writeScript } from '../src/scenario/build-script.ts';
import { writeSyntheticK6Csv, type CheckLines } from './k6-samples.ts';

export const TARGET_MERGE_RATIO = 0.5;
export const TARGET_SAMPLES_PER_SECOND = 2_000_000;
export const TARGET_PEAK_MEMORY_MB = 300;
export const TARGET_SCRIPT_RATIO = 0.9;
const RUNNERS = 4;
/** Rounds of the script comparison (10 s of load each way per round). */
const ROUNDS = 2;
/** Rounds of the merge comparison: a few seconds each, and the machine's noise is ±10 %. */
const MERGE_ROUNDS = 5;
const LOAD_SECONDS = Number(process.env.REHEARSE_BENCH_LOAD_SECONDS ?? 10);
const LOAD_VUS = 20;
/** Far above what one loopback Node server answers on this machine: both scripts run flat out. */
const LOAD_RATE = 20_000;

/** The merge measured on one mix of lines (see CheckLines). */
interface MergeResult {
  checks: CheckLines;
  samples: number;
  merge: Measurement[];
  reference: Measurement[];
  mergeRatio: number;
  samplesPerSecond: number;
  peakRssMb: number;
}

export interface RunnersBenchResult extends MergeResult {
  /** The same measurement on files with a check line per request (the mix before rehearse counted status checks from http_req_failed). */
  everyRequestChecked: MergeResult;
  scriptRatio: number;
  generatedRps: number[];
  minimalRps: number[];
  /** k6's CPU microseconds per request (all its threads): steadier than requests/s on a shared machine, where the rate follows what else runs. */
  generatedCpuMicros: number[];
  minimalCpuMicros: number[];
  passed: boolean;
}

export async function run(options: { samplesPerFile?: number; mergeOnly?: boolean; log?: (line: string) => void } = {}): Promise<RunnersBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-bench-runners-'));
  try {
    const perFile = options.samplesPerFile ?? 2_500_000;
    // Judged on the files rehearse's runners write; the other mix is printed beside it, for comparison with earlier figures.
    const merged = await measureMergeOf(dir, perFile, 'body checks only', log);
    const everyRequestChecked = await measureMergeOf(dir, perFile, 'every request', log);
    const mergePassed = merged.mergeRatio >= TARGET_MERGE_RATIO && merged.samplesPerSecond >= TARGET_SAMPLES_PER_SECOND && merged.peakRssMb <= TARGET_PEAK_MEMORY_MB;
    if (options.mergeOnly) {
      log(`runners: merge ${mergePassed ? 'ok' : 'MISSED'} (script overhead not measured: --merge-only)`);
      return { ...merged, everyRequestChecked, scriptRatio: Number.NaN, generatedRps: [], minimalRps: [], generatedCpuMicros: [], minimalCpuMicros: [], passed: mergePassed };
    }
    const { generated, minimal } = await compareScripts(dir, log);
    const rps = (runs: readonly ScriptRun[]) => runs.map((entry) => entry.requestsPerSecond);
    const cpu = (runs: readonly ScriptRun[]) => runs.map((entry) => entry.k6CpuMicrosPerRequest);
    const scriptRatio = median(rps(generated)) / median(rps(minimal));
    log(
      `runners: generated script ${rps(generated).map((value) => value.toFixed(0)).join(', ')} req/s, minimal script ${rps(minimal).map((value) => value.toFixed(0)).join(', ')} req/s: ratio ${scriptRatio.toFixed(2)} (target >= ${TARGET_SCRIPT_RATIO}); ` +
        `k6 CPU per request ${cpu(generated).map((value) => value.toFixed(0)).join(', ')} µs against ${cpu(minimal).map((value) => value.toFixed(0)).join(', ')} µs`,
    );
    const passed = mergePassed && scriptRatio >= TARGET_SCRIPT_RATIO;
    log(`runners: ${passed ? 'ok' : 'MISSED'}`);
    return { ...merged, everyRequestChecked, scriptRatio, generatedRps: rps(generated), minimalRps: rps(minimal), generatedCpuMicros: cpu(generated), minimalCpuMicros: cpu(minimal), passed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The merge of RUNNERS files of one mix against gunzip + line count of the same files, alternated over MERGE_ROUNDS; medians. */
async function measureMergeOf(dir: string, perFile: number, checks: CheckLines, log: (line: string) => void): Promise<MergeResult> {
  log(`runners: writing ${RUNNERS} gzipped k6 CSV files of ${perFile.toLocaleString('en')} samples (check lines: ${checks}) …`);
  const { files, samples } = await writeRunnerFiles(dir, perFile, checks);
  const merge: Measurement[] = [];
  const reference: Measurement[] = [];
  for (let round = 0; round < MERGE_ROUNDS; round++) {
    reference.push(await measureInChild(COUNT_FLAG, files));
    merge.push(await measureInChild(MERGE_FLAG, files));
    log(
      `runners: round ${round + 1}: merge ${merge.at(-1)!.seconds.toFixed(2)} s (CPU ${merge.at(-1)!.cpuSeconds.toFixed(2)} s), ` +
        `gunzip + line count ${reference.at(-1)!.seconds.toFixed(2)} s (CPU ${reference.at(-1)!.cpuSeconds.toFixed(2)} s)`,
    );
  }
  await Promise.all(files.map((file) => rm(file)));
  const mergeSeconds = median(merge.map((entry) => entry.seconds));
  const mergeRatio = median(reference.map((entry) => entry.seconds)) / mergeSeconds;
  const samplesPerSecond = samples / mergeSeconds;
  const peakRssMb = Math.max(...merge.map((entry) => entry.peakRssMb));
  log(
    `runners: merged ${samples.toLocaleString('en')} samples (${merge[0]!.requests.toLocaleString('en')} requests, check lines: ${checks}) from ${RUNNERS} files: ${(samplesPerSecond / 1e6).toFixed(2)} M samples/s (target >= ${TARGET_SAMPLES_PER_SECOND / 1e6} M), ` +
      `${mergeRatio.toFixed(2)}x the speed of gunzip + line count (target >= ${TARGET_MERGE_RATIO}), peak RSS ${peakRssMb.toFixed(0)} MB (target <= ${TARGET_PEAK_MEMORY_MB})`,
  );
  return { checks, samples, merge, reference, mergeRatio, samplesPerSecond, peakRssMb };
}

/** One synthetic file, gzipped as k6 writes it, copied once per runner (the same time window, as runners of one load). */
async function writeRunnerFiles(dir: string, perFile: number, checks: CheckLines): Promise<{ files: string[]; samples: number }> {
  const csv = path.join(dir, 'runner.csv');
  const written = await writeSyntheticK6Csv(csv, perFile, checks);
  const first = path.join(dir, 'k6-samples.runner-1.csv.gz');
  await pipeline(createReadStream(csv), createGzip(), createWriteStream(first));
  await rm(csv);
  const files = [first];
  for (let index = 2; index <= RUNNERS; index++) {
    const file = path.join(dir, `k6-samples.runner-${index}.csv.gz`);
    await copyFile(first, file);
    files.push(file);
  }
  return { files, samples: written * RUNNERS };
}

/** One measurement in a fresh Node process that loads only what it measures (see merge-child.ts), so its peak RSS is its own. */
async function measureInChild(flag: string, files: readonly string[]): Promise<Measurement> {
  const child = fileURLToPath(new URL('./merge-child.ts', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', import.meta.resolve('tsx'), child, flag, ...files], { maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measurement;
}

/** The hand-written reference: the same executor, rate and VUs as the script it is measured against, `http.get` only. */
export function minimalScript(rate: number, seconds: number, vus: number): string {
  return `import http from 'k6/http';

export const options = {
  scenarios: {
    home: { executor: 'constant-arrival-rate', rate: ${rate}, timeUnit: '1s', duration: '${seconds}s', preAllocatedVUs: ${vus}, maxVUs: ${vus} },
  },
};

export default function () {
  http.get(\`\${__ENV.BASE_URL}/\`);
}
`;
}

interface ScriptRun {
  requestsPerSecond: number;
  k6CpuMicrosPerRequest: number;
}

/** CPU seconds of the children this process has waited for (cutime + cstime): k6's, once it has exited. */
function waitedChildrenCpuSeconds(): number {
  const self = parseProcStat(readFileSync('/proc/self/stat', 'utf8'))!;
  return (self.cpuTicks - self.ownTicks) / clockTicksPerSecond();
}

/** rehearse's script for one page at the same rate and VUs, and the minimal one, alternated against one loopback server. */
async function compareScripts(dir: string, log: (line: string) => void): Promise<{ generated: ScriptRun[]; minimal: ScriptRun[] }> {
  const k6 = await locateK6();
  const scenario = defineScenario({
    name: 'bench-home',
    description: 'one page flat out, for the generated script overhead',
    data: { visitors: dataset('select email from visitors', ['email']) },
    journeys: { visitors: { data: 'visitors', load: steady({ rate: LOAD_RATE, duration: `${LOAD_SECONDS}s`, maxVUs: LOAD_VUS }), steps: [page('Home', { path: '/' })] } },
  });
  const built = await writeScript(scenario, 'bench-home.ts', { root: dir, out: path.join(dir, 'bench-home.js'), vuCeiling: { vus: LOAD_VUS, source: 'the bench' } });
  await mkdir(built.dataDir, { recursive: true });
  await writeFile(path.join(built.dataDir, built.plan.datasets[0]!.file), JSON.stringify(Array.from({ length: LOAD_VUS }, (_, index) => ({ email: `v${index}@example.test` }))));
  const minimalFile = path.join(dir, 'minimal.js');
  await writeFile(minimalFile, minimalScript(LOAD_RATE, LOAD_SECONDS, LOAD_VUS));
  const server = http.createServer((_request, response) => response.end('ok'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const env = { BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, REHEARSE_DATA_DIR: built.dataDir };
  const measure = async (script: string): Promise<ScriptRun> => {
    const summary = path.join(dir, 'summary.json');
    const cpuBefore = waitedChildrenCpuSeconds();
    await runK6(k6, { script, args: ['--quiet', '--no-thresholds', `--summary-export=${summary}`], env });
    const k6CpuSeconds = waitedChildrenCpuSeconds() - cpuBefore;
    const exported = JSON.parse(await readFile(summary, 'utf8')) as { metrics: { http_reqs: { rate: number; count: number } } };
    return { requestsPerSecond: exported.metrics.http_reqs.rate, k6CpuMicrosPerRequest: (k6CpuSeconds * 1e6) / exported.metrics.http_reqs.count };
  };
  const generated: ScriptRun[] = [];
  const minimal: ScriptRun[] = [];
  try {
    for (let round = 0; round < ROUNDS; round++) {
      minimal.push(await measure(minimalFile));
      generated.push(await measure(built.script));
      const [mine, theirs] = [generated.at(-1)!, minimal.at(-1)!];
      log(
        `runners: script round ${round + 1}: generated ${mine.requestsPerSecond.toFixed(0)} req/s (k6 CPU ${mine.k6CpuMicrosPerRequest.toFixed(0)} µs per request), ` +
          `minimal ${theirs.requestsPerSecond.toFixed(0)} req/s (${theirs.k6CpuMicrosPerRequest.toFixed(0)} µs)`,
      );
    }
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  return { generated, minimal };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [flag, ...rest] = process.argv.slice(2);
  const mergeOnly = flag === '--merge-only';
  const samples = mergeOnly ? rest[0] : flag;
  const result = await run({ mergeOnly, ...(samples ? { samplesPerFile: Number(samples) } : {}) });
  process.exitCode = result.passed ? 0 : 1;
}
