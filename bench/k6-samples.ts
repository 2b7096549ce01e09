/**
 * Benchmark part: k6 raw-sample processing. Writes a synthetic k6 CSV of at
 * least 10 million samples (the metric mix k6 really writes: nine http_req_*
 * lines and one check per request, four per-iteration metrics; five pages
 * over ten minutes; see CheckLines for the mix of rehearse's own scripts),
 * processes it with aggregateK6Csv in a fresh Node process (so its peak RSS
 * is the processing's own, not whatever ran before in the bench), prints
 * samples/s and peak memory, and deletes the file.
 *
 * Run alone: `npx tsx bench/k6-samples.ts [samples]`.
 */
import { execFile } from 'node:child_process';
import { seededRandom } from '../src/analyze/statistics.ts';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { aggregateK6Csv } from '../src/collect/aggregate-k6-csv.ts';

export const TARGET_SAMPLES_PER_SECOND = 1_000_000;
export const TARGET_PEAK_MEMORY_MB = 300;

const HEADER =
  'metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata\n';
const PAGES = ['Login', 'My Bookings', 'Video call', 'Posts, feed', 'Notices'] as const;
const HTTP_TIMINGS = ['http_req_blocked', 'http_req_connecting', 'http_req_tls_handshaking', 'http_req_sending', 'http_req_waiting', 'http_req_receiving'];
const RUN_SECONDS = 600;
const START = 1_795_600_000;

export interface K6SamplesBenchResult {
  samples: number;
  fileBytes: number;
  seconds: number;
  samplesPerSecond: number;
  peakRssMb: number;
  requests: number;
  passed: boolean;
}

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Which requests write a `checks` line. `every request`: a status check per
 * request, as a hand-written script (and rehearse's before it counted status
 * checks from http_req_failed) does. `body checks only`: as rehearse's
 * scripts write them now — a line only for a page with a body check, here
 * Login and My Bookings, as in the demo scenario.
 */
export type CheckLines = 'every request' | 'body checks only';

const BODY_CHECKED = new Set<string>(['Login', 'My Bookings']);

function writesCheck(page: string, checks: CheckLines): boolean {
  return checks === 'every request' || BODY_CHECKED.has(page);
}

/** One request's lines: http_reqs, http_req_duration, six timings, http_req_failed, and a check if it writes one (see CheckLines). */
function requestLines(page: string, second: number, durationMs: number, failed: boolean, row: number, checks: CheckLines): string {
  const name = csvField(page);
  const status = failed ? '500' : '200';
  const expected = failed ? 'false' : 'true';
  const tags = `,,,,${expected},,GET,${name},HTTP/1.1,parents,,${status},,,${name},${csvField(`page=${page}&row=${row}`)},\n`;
  let out = `http_reqs,${second},1.000000${tags}http_req_duration,${second},${durationMs.toFixed(6)}${tags}`;
  for (const timing of HTTP_TIMINGS) out += `${timing},${second},${(durationMs / 7).toFixed(6)}${tags}`;
  out += `http_req_failed,${second},${failed ? '1.000000' : '0.000000'}${tags}`;
  const check = checks === 'every request' ? `${page}: status 200` : `${page}: body check`;
  if (writesCheck(page, checks)) out += `checks,${second},${failed ? '0.000000' : '1.000000'},${csvField(check)},,,,,,,,parents,,,,,,,\n`;
  return out;
}

function iterationLines(second: number, durationMs: number): string {
  const tags = ',,,,,,,,,parents,,,,,,,\n';
  return (
    `data_sent,${second},412.000000${tags}data_received,${second},5120.000000${tags}` +
    `iteration_duration,${second},${durationMs.toFixed(6)}${tags}iterations,${second},1.000000${tags}`
  );
}

/** Writes at least `samples` lines; returns how many it wrote. */
export async function writeSyntheticK6Csv(file: string, samples: number, checks: CheckLines = 'every request'): Promise<number> {
  const next = seededRandom(42);
  const out = createWriteStream(file, { highWaterMark: 1 << 20 });
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', () => resolve()));
  await write(HEADER);
  const linesPerIteration = PAGES.reduce((lines, page) => lines + (writesCheck(page, checks) ? 10 : 9), 4);
  const iterations = Math.ceil(samples / linesPerIteration);
  let written = 0;
  let batch = '';
  for (let iteration = 0; iteration < iterations; iteration++) {
    const second = START + Math.floor((iteration / iterations) * RUN_SECONDS);
    let total = 0;
    for (const [index, page] of PAGES.entries()) {
      const duration = Math.exp(next() * 3 + index) + next() * 5;
      total += duration;
      batch += requestLines(page, second, duration, next() < 0.01, iteration % 5000, checks);
    }
    batch += iterationLines(second, total + 3000);
    written += linesPerIteration;
    if (batch.length > 1 << 20) {
      await write(batch);
      batch = '';
    }
  }
  await write(batch);
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
  return written;
}

export async function run(options: { samples?: number; log?: (line: string) => void } = {}): Promise<K6SamplesBenchResult> {
  const log = options.log ?? ((line: string) => console.log(line));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-bench-k6-'));
  const file = path.join(dir, 'k6-samples.csv');
  try {
    log(`k6 samples: writing a synthetic k6 CSV of ${(options.samples ?? 10_000_000).toLocaleString('en')} samples …`);
    const samples = await writeSyntheticK6Csv(file, options.samples ?? 10_000_000);
    const fileBytes = (await stat(file)).size;
    const { seconds, peakRssMb, requests, pages } = await measureInChild(file);
    const samplesPerSecond = samples / seconds;
    const passed = samplesPerSecond >= TARGET_SAMPLES_PER_SECOND && peakRssMb <= TARGET_PEAK_MEMORY_MB;
    log(
      `k6 samples: ${samples.toLocaleString('en')} samples (${(fileBytes / 2 ** 20).toFixed(0)} MiB, ${requests.toLocaleString('en')} requests, ${pages} pages) in ${seconds.toFixed(2)} s`,
    );
    log(`k6 samples: ${(samplesPerSecond / 1e6).toFixed(2)}M samples/s (target >= ${TARGET_SAMPLES_PER_SECOND / 1e6}M), peak RSS ${peakRssMb.toFixed(0)} MB (target <= ${TARGET_PEAK_MEMORY_MB} MB): ${passed ? 'ok' : 'MISSED'}`);
    return { samples, fileBytes, seconds, samplesPerSecond, peakRssMb, requests, passed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

interface Measurement {
  seconds: number;
  peakRssMb: number;
  requests: number;
  pages: number;
}

const MEASURE_FLAG = '--measure';

async function measureInChild(file: string): Promise<Measurement> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url), MEASURE_FLAG, file], {
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Measurement;
}

async function measure(file: string): Promise<Measurement> {
  const started = performance.now();
  const results = await aggregateK6Csv(file);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, peakRssMb: process.resourceUsage().maxRSS / 1024, requests: results.totals.requests, pages: results.pages.length };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv[2] === MEASURE_FLAG) {
    console.log(JSON.stringify(await measure(process.argv[3]!)));
  } else {
    const samples = process.argv[2] ? Number(process.argv[2]) : undefined;
    const result = await run(samples === undefined ? {} : { samples });
    process.exitCode = result.passed ? 0 : 1;
  }
}
