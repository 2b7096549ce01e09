/**
 * The runners benchmark's measuring child (see bench/runners.ts): merges the
 * runner files it is given, or gunzips them and counts their lines (the
 * reference), and prints one JSON line. A module of its own so that each
 * measurement runs in a Node process that has loaded only what it measures:
 * with the benchmark's other imports loaded (the scenario schema, the script
 * builder), the same gunzip + line count took about a third longer, which
 * made the merge look faster against it than it is.
 *
 * `node --import tsx bench/merge-child.ts --merge|--count-lines <files…>`
 */
import { createReadStream } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { createGunzip } from 'node:zlib';

export interface Measurement {
  seconds: number;
  /** CPU time of every thread of the process (gunzip's thread pool too): on a shared machine, steadier than seconds. */
  cpuSeconds: number;
  peakRssMb: number;
  lines: number;
  requests: number;
}

export const MERGE_FLAG = '--merge';
export const COUNT_FLAG = '--count-lines';

async function measureMerge(files: readonly string[]): Promise<Measurement> {
  const { aggregateK6Csv } = await import('../src/collect/aggregate-k6-csv.ts');
  const started = performance.now();
  const cpu = process.cpuUsage();
  const results = await aggregateK6Csv(files);
  const seconds = (performance.now() - started) / 1000;
  return { seconds, cpuSeconds: cpuSecondsSince(cpu), peakRssMb: process.resourceUsage().maxRSS / 1024, lines: results.samples.used, requests: results.totals.requests };
}

/** The reference: every file gunzipped and its lines counted, all files at once as the merge reads them. */
async function measureLineCount(files: readonly string[]): Promise<Measurement> {
  const started = performance.now();
  const cpu = process.cpuUsage();
  const counts = await Promise.all(
    files.map(async (file) => {
      let lines = 0;
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 }).pipe(createGunzip({ chunkSize: 1 << 20 })) as AsyncIterable<Buffer>) {
        for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
      }
      return lines;
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return { seconds, cpuSeconds: cpuSecondsSince(cpu), peakRssMb: process.resourceUsage().maxRSS / 1024, lines: counts.reduce((a, b) => a + b, 0), requests: 0 };
}

function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [flag, ...files] = process.argv.slice(2);
  if (flag === MERGE_FLAG) console.log(JSON.stringify(await measureMerge(files)));
  else if (flag === COUNT_FLAG) console.log(JSON.stringify(await measureLineCount(files)));
  else throw new Error(`usage: merge-child.ts ${MERGE_FLAG}|${COUNT_FLAG} <files…>`);
}
