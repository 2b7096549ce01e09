import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { aggregateK6Csv, aggregateStream, aggregateStreams } from '../../src/collect/aggregate-k6-csv.ts';
import { readDecimal } from '../../src/collect/csv-byte-fields.ts';
import { parseCsvLine, splitCsvFields } from '../../src/collect/csv-fields.ts';
import { K6SampleAggregator, parseTimestampSecond } from '../../src/collect/k6-sample-aggregator.ts';
import { build } from 'hdr-histogram-js';
import { HdrIndex, LatencyHistogram } from '../../src/collect/latency-histogram.ts';
import { InfrastructureError } from '../../src/errors.ts';

const HEADER =
  'metric_name,timestamp,metric_value,check,error,error_code,expected_response,group,method,name,proto,scenario,service,status,subproto,tls_version,url,extra_tags,metadata';

function csvField(value: string): string {
  return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A request's lines as k6 v2 writes them. */
function request(page: string, second: number, ms: number, status = 200, error = ''): string[] {
  const name = csvField(page);
  const failed = status >= 400 || status === 0;
  const tags = `,,${csvField(error)},${error ? '1212' : ''},${!failed},,GET,${name},HTTP/1.1,default,,${status},,,${name},${csvField(`page=${page}&row=3`)},`;
  return [
    `http_reqs,${second},1.000000${tags}`,
    `http_req_duration,${second},${ms.toFixed(6)}${tags}`,
    `http_req_blocked,${second},0.010000${tags}`,
    `http_req_waiting,${second},${(ms * 0.9).toFixed(6)}${tags}`,
    `http_req_failed,${second},${failed ? '1.000000' : '0.000000'}${tags}`,
  ];
}

function check(name: string, second: number, passed: boolean): string {
  return `checks,${second},${passed ? '1.000000' : '0.000000'},${csvField(name)},,,,,,,,default,,,,,,,`;
}

function aggregate(lines: string[]) {
  const aggregator = new K6SampleAggregator(HEADER);
  for (const line of lines) aggregator.addLine(line);
  return aggregator.finish();
}

/** Nearest-rank percentile, the definition HDR histograms answer. */
function exactPercentile(values: number[], percentile: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil((percentile / 100) * sorted.length) - 1)]!;
}

describe('CSV fields as Go writes them', () => {
  it('splits plain, quoted, doubled-quote and empty fields', () => {
    expect(parseCsvLine('a,"b, ""c""",,d')).toEqual(['a', 'b, "c"', '', 'd']);
    expect(parseCsvLine('a,b,')).toEqual(['a', 'b', '']);
    expect(parseCsvLine('"x\ny",z')).toEqual(['x\ny', 'z']);
  });

  it('reads a number from bytes exactly as Number() reads its text', () => {
    const texts = ['12.345678', '0.000001', '-3.5', '-0.000000', '1795659348', '1795659348123456789', '1.', '.5', '', ' 7', '1e3', 'NaN', '-', '.', '0.1234567890123456789', '4503599627370495.5'];
    const generated = Array.from({ length: 2000 }, (_, index) => ((index * 7919.123457) % 99_999).toFixed(index % 7));
    for (const text of [...texts, ...generated]) {
      const bytes = Buffer.from(`x,${text},y`);
      expect(Object.is(readDecimal(bytes, 2, 2 + text.length), Number(text)), text).toBe(true);
    }
  });

  it('stops after the fields asked for and reports a record continuing on the next line', () => {
    expect(splitCsvFields('a,b,c,d', 0, 7, 2)).toEqual(['a', 'b']);
    expect(splitCsvFields('a,"b, still open', 0, 16, 3)).toBeUndefined();
  });
});

describe('k6 raw samples', () => {
  it('groups requests by page name, even a name holding commas and quotes', () => {
    const results = aggregate([
      ...request('My Bookings', 100, 10),
      ...request('Posts, "feed"', 100, 20),
      ...request('Posts, "feed"', 100, 30),
    ]);
    expect(results.pages.map((page) => [page.page, page.requests])).toEqual([
      ['My Bookings', 1],
      ['Posts, "feed"', 2],
    ]);
    expect(results.totals.requests).toBe(3);
  });

  it('skips metrics it does not use and counts what it used', () => {
    const results = aggregate([
      ...request('Login', 100, 10),
      'data_received,100,5120.000000,,,,,,,,,default,,,,,,,',
      'iteration_duration,100,2000.000000,,,,,,,,,default,,,,,,,',
      'vus,100,4.000000,,,,,,,,,,,,,,,,',
    ]);
    expect(results.pages[0]?.requests).toBe(1);
    // http_req_duration and http_req_failed; http_reqs, http_req_blocked … are skipped
    expect(results.samples).toEqual({ used: 2, malformed: 0, late: 0 });
  });

  it('counts failed requests, their rate and their causes', () => {
    const results = aggregate([
      ...request('Login', 100, 12),
      ...request('Login', 100, 14, 500),
      ...request('Login', 101, 0, 0, 'dial: connection refused'),
      ...request('Login', 101, 11),
    ]);
    const login = results.pages[0]!;
    expect(login.requests).toBe(4);
    expect(login.errors).toBe(2);
    expect(login.errorRate).toBe(0.5);
    expect(login.errorCauses).toEqual({ 'HTTP 500': 1, 'dial: connection refused': 1 });
    expect(results.totals.errors).toBe(2);
  });

  it('gives percentiles within HDR precision (0.1%) of the exact ones', () => {
    const durations = Array.from({ length: 1000 }, (_, index) => 1 + ((index * 7919) % 997) * 0.731 + (index % 13) * 0.017);
    const results = aggregate(durations.flatMap((ms, index) => request('Feed', 100 + Math.floor(index / 100), ms)));
    const latency = results.pages[0]!.latencyMs;
    for (const [key, percentile] of [['p50', 50], ['p90', 90], ['p95', 95], ['p99', 99]] as const) {
      const exact = exactPercentile(durations, percentile);
      expect(Math.abs(latency[key] - exact) / exact, key).toBeLessThanOrEqual(0.001 + 1e-9);
    }
    expect(latency.max).toBeCloseTo(Math.max(...durations), 2);
    expect(latency.p99).toBeLessThanOrEqual(latency.max);
    expect(latency.mean).toBeCloseTo(durations.reduce((a, b) => a + b) / durations.length, 1);
  });

  it('builds a per-second timeline per page with requests, errors, p95 and p50, gaps filled with zeros', () => {
    const results = aggregate([
      ...request('Login', 100, 10),
      ...request('Login', 100, 30, 503),
      ...request('Feed', 100, 5),
      ...request('Login', 102, 50),
    ]);
    expect(results.timeline.all).toEqual([
      { time: 100_000, requests: 3, errors: 1, p95: expect.closeTo(30, 0), p50: expect.closeTo(10, 0) },
      { time: 101_000, requests: 0, errors: 0, p95: 0, p50: 0 },
      { time: 102_000, requests: 1, errors: 0, p95: expect.closeTo(50, 0), p50: expect.closeTo(50, 0) },
    ]);
    const login = results.timeline.pages.find((series) => series.page === 'Login')!.points;
    expect(login.map((point) => [point.requests, point.errors])).toEqual([[2, 1], [0, 0], [1, 0]]);
    expect(results.totals.durationSeconds).toBe(3);
    expect(results.totals.firstSampleAt).toBe(100_000);
    expect(results.pages.find((page) => page.page === 'Login')!.throughput).toBeCloseTo(1);
  });

  it('counts a duration arriving after its second was closed, outside that second’s p95', () => {
    const aggregator = new K6SampleAggregator(HEADER, { timelineLagSeconds: 2 });
    for (const line of [...request('Login', 100, 10), ...request('Login', 110, 10), ...request('Login', 100, 900)]) aggregator.addLine(line);
    const results = aggregator.finish();
    expect(results.samples.late).toBe(1);
    expect(results.timeline.all[0]).toMatchObject({ time: 100_000, requests: 2 });
    expect(results.timeline.all[0]!.p95).toBeLessThan(11);
    expect(results.pages[0]!.latencyMs.max).toBeCloseTo(900, 0);
  });

  it('counts passed and failed checks by name', () => {
    const results = aggregate([check('Login: status 200', 100, true), check('Login: status 200', 100, false), check('has "x", y', 100, true)]);
    expect(results.checks).toEqual([
      { name: 'Login: status 200', passes: 1, fails: 1 },
      { name: 'has "x", y', passes: 1, fails: 0 },
    ]);
  });

  it('reads timestamps in every format k6 can write', () => {
    expect(parseTimestampSecond('1795659348')).toBe(1795659348);
    expect(parseTimestampSecond('1795659348123')).toBe(1795659348);
    expect(parseTimestampSecond('1795659348123456')).toBe(1795659348);
    expect(parseTimestampSecond('1795659348123456789')).toBe(1795659348);
    expect(parseTimestampSecond('2026-11-26T02:15:48.5Z')).toBe(1795659348);
    expect(parseTimestampSecond('yesterday')).toBeNaN();
  });

  it('counts a record it cannot read as malformed', () => {
    const results = aggregate(['http_req_duration,notatime,12,,,,true,,GET,Login,HTTP/1.1,default,,200,,,Login,,', 'checks,100,1,"never closed']);
    expect(results.samples).toMatchObject({ used: 0, malformed: 2 });
  });

  it('streams chunks split anywhere, including inside a record, a quoted field and a UTF-8 character', async () => {
    const lines = [HEADER, ...request('Posts, "feed"', 100, 20), check('Élèves: status 200', 100, true), ...request('Login', 101, 5, 500)];
    const bytes = Buffer.from(`${lines.join('\n')}\n`);
    const whole = await aggregateStream([bytes]);
    const pieces = Array.from({ length: Math.ceil(bytes.length / 7) }, (_, index) => bytes.subarray(index * 7, index * 7 + 7));
    expect(await aggregateStream(pieces)).toEqual(whole);
    expect(whole.checks).toEqual([{ name: 'Élèves: status 200', passes: 1, fails: 0 }]);
    expect(whole.totals.requests).toBe(2);
    expect(whole.samples.malformed).toBe(0);
  });

  it('follows a quoted field across a line break within a chunk', async () => {
    const text = `${[HEADER, check('multi\nline', 100, true), ...request('Login', 100, 5)].join('\n')}\n`;
    const results = await aggregateStream([text]);
    expect(results.checks).toEqual([{ name: 'multi\nline', passes: 1, fails: 0 }]);
    expect(results.totals.requests).toBe(1);
  });

  it('reads a file, gzipped or not, and refuses one that is not k6 CSV', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-k6csv-'));
    try {
      const text = `${[HEADER, ...request('Login', 100, 10), ...request('Login', 100, 20, 500)].join('\n')}\n`;
      await writeFile(path.join(dir, 'raw.csv'), text);
      await writeFile(path.join(dir, 'raw.csv.gz'), gzipSync(text));
      await writeFile(path.join(dir, 'other.csv'), 'a,b,c\n1,2,3\n');
      const plain = await aggregateK6Csv(path.join(dir, 'raw.csv'));
      expect(plain.pages[0]).toMatchObject({ page: 'Login', requests: 2, errors: 1 });
      expect(await aggregateK6Csv(path.join(dir, 'raw.csv.gz'))).toEqual(plain);
      await expect(aggregateK6Csv(path.join(dir, 'other.csv'))).rejects.toThrow(/not k6 CSV/);
      const many = `${[HEADER, ...Array.from({ length: 2000 }, (_, index) => request('Login', 100 + (index % 50), 10)).flat()].join('\n')}\n`;
      const gzipped = gzipSync(many);
      await writeFile(path.join(dir, 'killed.csv.gz'), gzipped.subarray(0, Math.floor(gzipped.length / 2)));
      const partial = await aggregateK6Csv(path.join(dir, 'killed.csv.gz'));
      expect(partial.samples.truncated).toBe(true);
      expect(partial.totals.requests).toBeGreaterThan(0);
      expect(partial.totals.requests).toBeLessThan(2000);
      await expect(aggregateK6Csv(path.join(dir, 'missing.csv'))).rejects.toBeInstanceOf(InfrastructureError);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the load as k6 delivered it, per scenario', () => {
  /** An executor line: iterations and dropped_iterations carry the scenario tag, the VU gauges none. */
  const executor = (metric: string, second: number, value: number, scenario = '') => `${metric},${second},${value.toFixed(6)},,,,,,,,,${scenario},,,,,,,`;
  const inScenario = (lines: string[], scenario: string) => lines.map((line) => line.replace(',HTTP/1.1,default,', `,HTTP/1.1,${scenario},`));

  it('counts iterations and dropped arrivals per scenario, each with its own pages, and the most VUs', async () => {
    const lines = [
      executor('vus_max', 99, 8),
      executor('vus', 99, 0),
      ...inScenario([...request('Login', 100, 10), ...request('Login', 101, 30)], 'parents_s01'),
      ...inScenario(request('Login', 103, 200), 'parents_s02'),
      executor('iterations', 101, 1, 'parents_s01'),
      executor('iterations', 101, 1, 'parents_s01'),
      executor('dropped_iterations', 103, 1, 'parents_s02'),
      executor('dropped_iterations', 104, 1, 'parents_s02'),
      executor('vus', 103, 6),
      executor('vus_max', 103, 12),
      executor('vus', 110, 0),
    ];
    const results = aggregate(lines);
    // The chunked path (searching for each metric's lines) reads the same.
    expect(await aggregateStream([`${[HEADER, ...lines].join('\n')}\n`])).toEqual(results);
    expect(results.delivered.vusAllocated).toBe(12);
    expect(results.delivered.vusActive).toBe(6);
    const [first, second] = results.delivered.scenarios;
    expect(first).toMatchObject({ scenario: 'parents_s01', iterations: 2, dropped: 0, firstSampleAt: 100_000, lastSampleAt: 101_000 });
    expect(first!.pages).toEqual([expect.objectContaining({ page: 'Login', requests: 2 })]);
    expect(first!.pages[0]!.latencyMs.max).toBeCloseTo(30, 0);
    expect(second).toMatchObject({ scenario: 'parents_s02', iterations: 0, dropped: 2, firstSampleAt: 103_000, lastSampleAt: 103_000 });
    expect(second!.pages[0]!.latencyMs.p95).toBeCloseTo(200, 0);
    // The executor's gauges, written every second from k6's start, do not stretch the run's window.
    expect(results.totals).toMatchObject({ requests: 3, firstSampleAt: 100_000, lastSampleAt: 103_000, durationSeconds: 4 });
  });

  it('has no scenarios for samples without the scenario tag, and no VU figures without the gauges', () => {
    const results = aggregate(inScenario(request('Login', 100, 10), ''));
    expect(results.delivered).toEqual({ scenarios: [], vusAllocated: null, vusActive: null });
    expect(results.pages[0]!.requests).toBe(1);
  });
});

describe('several runners read as one run', () => {
  const executor = (metric: string, second: number, value: number, scenario = '') => `${metric},${second},${value.toFixed(6)},,,,,,,,,${scenario},,,,,,,`;
  const PAGES = ['Login', 'Posts, "feed"', 'My Bookings'];

  /** Two minutes of requests (longer than the timeline's 30 s window), some failed, with checks, iterations, drops and VUs. */
  function runnerLines(runner: number, runners: number): string[] {
    const lines: string[] = [];
    for (let second = 1000; second < 1120; second++) {
      lines.push(executor('vus', second, 3), executor('vus_max', second, 5));
      for (let index = runner; index < 24; index += runners) {
        const page = PAGES[index % PAGES.length]!;
        const ms = 2 + ((second * 31 + index * 17) % 97) * 1.37;
        lines.push(...request(page, second, ms, index % 11 === 0 ? 500 : 200), check(`${page}: status 200`, second, index % 11 !== 0));
        if (index % 4 === 0) lines.push(executor('iterations', second, 1, 'default'));
      }
      if (second % 10 === runner) lines.push(executor('dropped_iterations', second, 1, 'default'));
    }
    return lines;
  }

  /** A stream handing out `text` in chunks of `size` bytes, as a file would come. */
  function chunked(text: string, size: number): Buffer[] {
    const bytes = Buffer.from(text);
    return Array.from({ length: Math.ceil(bytes.length / size) }, (_, index) => bytes.subarray(index * size, (index + 1) * size));
  }

  it('gives the same percentiles, counts and timeline whether the samples sit in one file or are split across two', async () => {
    const first = runnerLines(0, 2);
    const second = runnerLines(1, 2);
    // One file: both runners' lines second by second, VU gauges as one runner with both runners' VUs.
    const oneFile = [...first, ...second]
      .filter((line) => !line.startsWith('vus'))
      .sort((a, b) => Number(a.split(',')[1]) - Number(b.split(',')[1]));
    oneFile.push(executor('vus', 1000, 6), executor('vus_max', 1000, 10));
    const single = await aggregateStream([`${[HEADER, ...oneFile].join('\n')}\n`]);
    const merged = await aggregateStreams([chunked(`${[HEADER, ...first].join('\n')}\n`, 4096), chunked(`${[HEADER, ...second].join('\n')}\n`, 9000)]);
    expect(merged).toEqual(single);
    expect(merged.samples.late).toBe(0);
    expect(merged.totals.requests).toBe(24 * 120);
    expect(merged.delivered).toMatchObject({ vusActive: 6, vusAllocated: 10 });
    expect(merged.delivered.scenarios[0]).toMatchObject({ iterations: 6 * 120, dropped: 24 });
    const alone = await aggregateStream([`${[HEADER, ...first].join('\n')}\n`]);
    expect(alone.totals.requests).toBe(12 * 120);
  });

  it('reads runners’ gzipped files into one record, and refuses files from differently configured runners', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-runners-'));
    try {
      const files = [0, 1].map((runner) => path.join(dir, `runner-${runner + 1}.csv.gz`));
      for (const [runner, file] of files.entries()) await writeFile(file, gzipSync(`${[HEADER, ...runnerLines(runner, 2)].join('\n')}\n`));
      const merged = await aggregateK6Csv(files);
      const byRunner = await Promise.all(files.map((file) => aggregateK6Csv(file)));
      expect(merged.pages.map((page) => page.requests)).toEqual(byRunner[0]!.pages.map((page, index) => page.requests + byRunner[1]!.pages[index]!.requests));
      expect(merged.checks.map((entry) => entry.passes + entry.fails)).toEqual(byRunner[0]!.checks.map((entry, index) => entry.passes + entry.fails + byRunner[1]!.checks[index]!.passes + byRunner[1]!.checks[index]!.fails));
      await writeFile(path.join(dir, 'other.csv'), `${HEADER.replace(',metadata', '')}\n`);
      await expect(aggregateK6Csv([files[0]!, path.join(dir, 'other.csv')])).rejects.toThrow(/runner 2's k6 CSV header differs/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('merged histograms', () => {
  const values = Array.from({ length: 5000 }, (_, index) => 0.2 + ((index * 7919) % 4999) * 0.0731 + (index % 17) * 3.3);

  it('answer every percentile, the mean and the max as one histogram of all the values', () => {
    const whole = new LatencyHistogram(2);
    for (const value of values) whole.record(value);
    // One part was used before for far larger values and reset (the timeline reuses its histograms): sized differently.
    const parts = [new LatencyHistogram(2), new LatencyHistogram(2), new LatencyHistogram(2)];
    parts[1]!.record(900_000);
    parts[1]!.reset();
    values.forEach((value, index) => parts[index % 3]!.record(value));
    const merged = new LatencyHistogram(2);
    for (const part of [parts[1]!, parts[0]!, parts[2]!]) merged.add(part);
    expect(merged.count).toBe(whole.count);
    for (const percentile of [50, 90, 95, 99, 100]) expect(merged.percentile(percentile), `p${percentile}`).toBe(whole.percentile(percentile));
    expect(merged.mean).toBe(whole.mean);
    expect(merged.max).toBe(whole.max);
  });

  it('are the histograms hdr-histogram-js builds recording each value, at every precision and past the fast range', () => {
    const micros = [0, 1, 2, 999, 1000, 1023, 1024, 1025, 2047, 2048, 2049, 65_535, 65_536, 2 ** 30 - 1, 2 ** 30, 2 ** 31 - 1, 2 ** 31, 3 * 2 ** 32 + 7];
    for (const digits of [1, 2, 3] as const) {
      const library = build({ numberOfSignificantValueDigits: digits, autoResize: true, lowestDiscernibleValue: 1 });
      const ours = new LatencyHistogram(digits);
      const all = [...micros, ...values.map((value) => Math.round(value * 1000))];
      for (const value of all) {
        library.recordValue(value);
        ours.record(value / 1000);
      }
      expect(ours.count).toBe(library.totalCount);
      for (const percentile of [0.1, 1, 50, 90, 95, 99, 99.9, 100]) {
        expect(ours.percentile(percentile), `${digits} digits, p${percentile}`).toBe(Math.min(library.getValueAtPercentile(percentile), Math.max(...all)) / 1000);
      }
      expect(ours.mean).toBe(library.mean / 1000);
      expect(ours.max).toBe(Math.max(...all) / 1000);
    }
  });

  it('put a value at the counts index hdr-histogram-js gives it, and back at its bucket\'s lowest value', () => {
    for (const digits of [1, 2, 3] as const) {
      const library = build({ numberOfSignificantValueDigits: digits, autoResize: true, lowestDiscernibleValue: 1 }) as unknown as {
        countsArrayIndex(value: number): number;
        valueFromIndex(index: number): number;
        lowestEquivalentValue(value: number): number;
      };
      const index = new HdrIndex(digits);
      for (let power = 0; power < 31; power++) {
        for (const value of [2 ** power - 1, 2 ** power, 2 ** power + 1, Math.floor(2 ** power * 1.37)]) {
          if (value < 0 || value >= 2 ** 31) continue;
          expect(index.of(value), `${digits} digits, ${value}`).toBe(library.countsArrayIndex(value));
          expect(index.lowestValue(index.of(value))).toBe(library.lowestEquivalentValue(value));
        }
      }
    }
  });
});

describe('runner files read from disk', () => {
  it('reads the same as the text read in one thread: unused metrics, quoted line breaks, CRLF, UTF-8, a last line without its break', async () => {
    const multiline = check('multi\nline "quoted", check', 100, true);
    const unusedMultiline = 'http_req_waiting,100,1.000000,,,,true,,GET,"Posts\nchecks,100,1,,,,,,,,,default,,,,,,,",HTTP/1.1,default,,200,,,x,,';
    const lines = [
      HEADER,
      ...request('Élèves, "feed"', 100, 20),
      multiline,
      unusedMultiline,
      ...request('Login', 101, 5, 500, 'dial: refused'),
      check('Login: status 200', 101, false),
      ...request('Login', 102, 7).map((line) => `${line}\r`),
      'vus,102,3.000000,,,,,,,,,,,,,,,,',
      `iterations,102,1.000000,,,,,,,,,default,,,,,,,`,
    ];
    const text = lines.join('\n');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-runner-file-'));
    try {
      await writeFile(path.join(dir, 'runner.csv.gz'), gzipSync(text));
      await writeFile(path.join(dir, 'runner.csv'), text);
      const inThread = await aggregateStream([text]);
      expect(await aggregateK6Csv(path.join(dir, 'runner.csv.gz'))).toEqual(inThread);
      expect(await aggregateK6Csv(path.join(dir, 'runner.csv'))).toEqual(inThread);
      // A line is told by its start, in a quoted field of an unused record too: that "checks," line counts, in both readings.
      expect(inThread.checks.map((entry) => entry.name)).toEqual(['', 'Login: status 200', 'multi\nline "quoted", check']);
      expect(inThread.totals.requests).toBe(3);
      expect(inThread.delivered.scenarios[0]).toMatchObject({ iterations: 1 });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('merges many runner files as the same samples in one file', async () => {
    const runners = 5;
    const second = (index: number) => 100 + Math.floor(index / 40);
    const all = Array.from({ length: 2000 }, (_, index) => request(['Login', 'Feed'][index % 2]!, second(index), 1 + ((index * 31) % 200) * 0.7, index % 13 === 0 ? 500 : 200));
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-runner-files-'));
    try {
      const files = Array.from({ length: runners }, (_, runner) => path.join(dir, `runner-${runner}.csv.gz`));
      for (const [runner, file] of files.entries()) {
        await writeFile(file, gzipSync(`${[HEADER, ...all.filter((_, index) => index % runners === runner).flat()].join('\n')}\n`));
      }
      const single = await aggregateStream([`${[HEADER, ...all.flat()].join('\n')}\n`]);
      expect(await aggregateK6Csv(files)).toEqual(single);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
