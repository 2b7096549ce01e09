import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InfrastructureError } from '../errors.ts';
import type { K6Results } from '../run/run-record-schema.ts';
import { K6SampleAggregator, type K6SampleAggregatorOptions } from './k6-sample-aggregator.ts';

type TextStream = AsyncIterable<Buffer | string> | Iterable<Buffer | string>;

/**
 * Streams k6's raw CSV output (`--out csv=<file>`, or `<file>.gz`, which k6
 * also writes gzipped) through a {@link K6SampleAggregator}, as bytes: only
 * the fields it uses are ever decoded. zlib gunzips in libuv's thread pool,
 * beside the aggregation; a reader thread that also dropped the unused lines
 * cost more CPU in copies and messages than it saved, once recording into
 * histograms got cheap (docs/BENCHMARKS.md, "Several runners"). Memory stays
 * flat whatever the file size: a few chunks per file and the aggregator's
 * histograms.
 *
 * Several files are several runners of one load (execution segments, k6-operator
 * pods): they are read into ONE aggregation, so per-page percentiles are
 * those of all the runners' requests together, not an average of per-runner
 * percentiles (see {@link aggregateStreams}).
 *
 * @example
 * const results = await aggregateK6Csv('reports/run-1/k6-samples.csv.gz');
 * console.log(results.pages.map((page) => `${page.page}: p95 ${page.latencyMs.p95} ms`));
 * const merged = await aggregateK6Csv(['runner-1.csv.gz', 'runner-2.csv.gz']);
 */
export async function aggregateK6Csv(files: string | readonly string[], options: K6SampleAggregatorOptions = {}): Promise<K6Results> {
  const list = typeof files === 'string' ? [files] : files;
  if (list.length === 0) throw new InfrastructureError('no k6 raw output to read: k6 wrote no samples');
  for (const file of list) {
    await access(file).catch(() => {
      throw new InfrastructureError(`k6 raw output ${file} does not exist: k6 wrote no samples (did it run with --out csv=${file}?)`);
    });
  }
  try {
    return await aggregateStreams(list.map(openK6Csv), options);
  } catch (error) {
    if (error instanceof InfrastructureError) throw error;
    throw new InfrastructureError(`could not read k6 raw output ${list.join(', ')}: ${(error as Error).message}`);
  }
}

/** Megabyte reads and gunzip chunks: fewer, larger chunks cost less per byte, and the chunks of four runners still fit the memory budget. */
const CHUNK_BYTES = 1 << 20;

/**
 * The file's bytes, gunzipped when it ends in .gz. A gzip stream cut short
 * (k6 killed mid-run) ends with zlib's own error (code Z_BUF_ERROR); stopping
 * early (aggregateStreams closes it) closes the file too.
 */
function openK6Csv(file: string): Readable {
  const raw = createReadStream(file, { highWaterMark: CHUNK_BYTES });
  if (!file.endsWith('.gz')) return raw;
  // Its callback only sees errors the gunzip stream already carries to its reader.
  return pipeline(raw, createGunzip({ chunkSize: CHUNK_BYTES }), () => {});
}

/** One stream of k6 CSV text (see {@link aggregateStreams}). */
export async function aggregateStream(stream: TextStream, options: K6SampleAggregatorOptions = {}): Promise<K6Results> {
  return aggregateStreams([stream], options);
}

/**
 * Aggregates one or more streams of k6 CSV text (one per runner) into one
 * result. A stream that ends early (k6 killed mid-run, a gzip cut short)
 * gives what was read, with `samples.truncated` set.
 *
 * Runners' files are fed second by second across files (see
 * feedInTimeOrder), so the result is the one a single file holding every
 * runner's samples would give: percentiles from one histogram per page,
 * per-second points with every runner's requests in them, checks, iterations
 * and dropped arrivals summed. VU gauges are each runner's peak, added up.
 */
export async function aggregateStreams(streams: readonly TextStream[], options: K6SampleAggregatorOptions = {}): Promise<K6Results> {
  const readers = streams.map((stream) => new RecordReader(stream));
  try {
    await Promise.all(readers.map((reader) => reader.fill()));
    const aggregator = new K6SampleAggregator(commonHeader(readers), options);
    await feedInTimeOrder(aggregator, readers);
    const results = aggregator.finish();
    return readers.some((reader) => reader.truncated) ? { ...results, samples: { ...results.samples, truncated: true } } : results;
  } finally {
    await Promise.all(readers.map((reader) => reader.close()));
  }
}

function commonHeader(readers: readonly RecordReader[]): string {
  const headers = readers.map((reader) => (reader.header ?? '').replace(/\r$/, ''));
  const different = headers.findIndex((header) => header !== headers[0]);
  if (different !== -1) {
    throw new InfrastructureError(
      `runner ${different + 1}'s k6 CSV header differs from runner 1's (${headers[different]!.slice(0, 80)} … against ${headers[0]!.slice(0, 80)} …): every runner must run the same k6 with the same --out csv and --system-tags`,
    );
  }
  return headers[0] ?? '';
}

/**
 * Feeds every reader's records up to a common second (the watermark: the
 * newest second the slowest stream has reached, and at most one second past
 * the earliest second still pending anywhere), then reads on. Runners write
 * their samples roughly in time order, so the aggregator's per-second
 * timeline sees every runner's samples of a second together, as from one
 * file, instead of one runner's whole run after another's (whose early
 * seconds would already be closed). The one-second step matters when a
 * runner's whole file comes in one chunk (a short or light run): it would
 * otherwise go in whole before the next runner's.
 */
async function feedInTimeOrder(aggregator: K6SampleAggregator, readers: readonly RecordReader[]): Promise<void> {
  for (;;) {
    await Promise.all(readers.map((reader) => reader.fill()));
    const streaming = readers.filter((reader) => !reader.done);
    if (readers.every((reader) => reader.pending.length === 0)) return;
    // Once every stream has ended, nothing newer can come: only the step bounds what goes in.
    const leader = streaming.length === 0 ? undefined : minBy(streaming, (reader) => reader.lastSecond(aggregator));
    const newest = leader?.lastSecond(aggregator) ?? Number.POSITIVE_INFINITY;
    const earliest = Math.min(...readers.filter((reader) => reader.pending.length > 0).map((reader) => reader.firstSecond(aggregator)));
    const watermark = Math.min(newest, earliest + FEED_STEP_SECONDS);
    for (const [source, reader] of readers.entries()) {
      const whole = watermark === Number.POSITIVE_INFINITY || (reader === leader && watermark === newest);
      const cut = whole ? reader.pending.length : cutAfter(reader.pending, watermark, aggregator);
      if (cut === 0) continue;
      aggregator.addBytes(reader.pending, cut - 1, source);
      reader.pending = reader.pending.subarray(cut);
    }
  }
}

const FEED_STEP_SECONDS = 1;

/**
 * Where `records` (whole records, each ending in "\n") stops holding records of
 * `watermark` or earlier: a binary search over line starts, as records are
 * in time order give or take k6's flush jitter. A line that is not a
 * record's start (inside a quoted field) never becomes the cut.
 */
function cutAfter(records: Buffer, watermark: number, aggregator: K6SampleAggregator): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    const start = middle === 0 ? 0 : records.lastIndexOf(NEWLINE, middle - 1) + 1;
    const second = aggregator.secondAt(records, start);
    if (Number.isNaN(second) || second <= watermark) low = records.indexOf(NEWLINE, middle) + 1;
    else high = start;
  }
  return low;
}

const NEWLINE = 10;

function minBy<T>(items: readonly T[], key: (item: T) => number): T {
  return items.reduce((best, item) => (key(item) < key(best) ? item : best));
}

/**
 * One runner's bytes, cut into whole records: the header, then `pending`
 * records not yet aggregated, then the records `queued` behind them. A
 * chunk's records are queued where gunzip put them: only the record cut at
 * the last chunk's end is copied, with the start of this one up to its
 * first line break (copying whole chunks to join them was a fifth of the
 * time spent merging runners' files).
 */
class RecordReader {
  private readonly iterator: AsyncIterator<Buffer | string>;
  /** The start of a record whose end has not come yet. */
  private carry: Buffer = Buffer.alloc(0);
  /** Whole records, each ending in "\n", behind `pending`. */
  private readonly queued: Buffer[] = [];
  header: string | undefined;
  /** Whole records, each ending in "\n". */
  pending: Buffer = Buffer.alloc(0);
  done = false;
  truncated = false;

  constructor(stream: TextStream) {
    this.iterator = Symbol.asyncIterator in stream ? stream[Symbol.asyncIterator]() : toAsync(stream[Symbol.iterator]());
  }

  /** Reads until there are records pending or the stream has ended. */
  async fill(): Promise<void> {
    while (this.pending.length === 0) {
      const next = this.queued.shift();
      if (next) this.pending = next;
      else if (this.done) return;
      else await this.read();
    }
  }

  /** The second of the first pending record; +Infinity when none can be read (it sets no bound). */
  firstSecond(aggregator: K6SampleAggregator): number {
    for (let start = 0; start < this.pending.length; start = this.pending.indexOf(NEWLINE, start) + 1) {
      const second = aggregator.secondAt(this.pending, start);
      if (!Number.isNaN(second)) return second;
      if (this.pending.indexOf(NEWLINE, start) === -1) break;
    }
    return Number.POSITIVE_INFINITY;
  }

  /** The second of the last record read (pending or queued); -Infinity when none can be read (fed whole, so reading goes on). */
  lastSecond(aggregator: K6SampleAggregator): number {
    const records = this.queued.at(-1) ?? this.pending;
    for (let end = records.length - 1; end > 0; end = records.lastIndexOf(NEWLINE, end - 1)) {
      const second = aggregator.secondAt(records, records.lastIndexOf(NEWLINE, end - 1) + 1);
      if (!Number.isNaN(second)) return second;
    }
    return Number.NEGATIVE_INFINITY;
  }

  async close(): Promise<void> {
    await this.iterator.return?.();
  }

  private async read(): Promise<void> {
    let next: IteratorResult<Buffer | string>;
    try {
      next = await this.iterator.next();
    } catch (error) {
      if (!isTruncatedGzip(error)) throw error;
      this.truncated = true;
      next = { done: true, value: undefined };
    }
    if (next.done) return this.end();
    let chunk = typeof next.value === 'string' ? Buffer.from(next.value) : next.value;
    if (this.header === undefined) {
      const bytes = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk]);
      const headerEnd = bytes.indexOf(NEWLINE);
      if (headerEnd === -1) {
        this.carry = bytes;
        return;
      }
      this.header = bytes.toString('utf8', 0, headerEnd);
      this.carry = Buffer.alloc(0);
      chunk = bytes.subarray(headerEnd + 1);
    }
    this.queueRecords(chunk);
  }

  /** Queues the whole records that the carried record and `chunk` make; carries the chunk's cut last record. */
  private queueRecords(chunk: Buffer): void {
    const limit = chunk.lastIndexOf(NEWLINE);
    if (limit === -1) {
      this.carry = Buffer.concat([this.carry, chunk]);
      return;
    }
    let joined = 0;
    if (this.carry.length > 0) {
      joined = chunk.indexOf(NEWLINE) + 1;
      const head = Buffer.concat([this.carry, chunk.subarray(0, joined)]);
      if (evenQuotes(head)) this.queued.push(head);
      else {
        // A quoted field still open at that line break runs on: the carried record is joined with the whole chunk instead.
        joined = limit + 1;
        this.queued.push(Buffer.concat([this.carry, chunk.subarray(0, joined)]));
      }
    }
    if (joined <= limit) this.queued.push(chunk.subarray(joined, limit + 1));
    this.carry = Buffer.from(chunk.subarray(limit + 1));
  }

  private end(): void {
    this.done = true;
    const rest = this.carry;
    this.carry = Buffer.alloc(0);
    if (this.header === undefined) {
      this.header = rest.toString('utf8');
      return;
    }
    // The last line of a file k6 did not finish may be cut short: not a record.
    if (rest.length > 0 && !this.truncated) this.queued.push(Buffer.concat([rest, Buffer.from('\n')]));
  }
}

function evenQuotes(bytes: Buffer): boolean {
  let quotes = 0;
  for (let at = bytes.indexOf(QUOTE); at !== -1; at = bytes.indexOf(QUOTE, at + 1)) quotes += 1;
  return quotes % 2 === 0;
}

const QUOTE = 34;

async function* toAsync<T>(iterator: Iterator<T>): AsyncGenerator<T> {
  for (let next = iterator.next(); !next.done; next = iterator.next()) yield next.value;
}

/** zlib's error for input that ends before the gzip stream does. */
function isTruncatedGzip(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'Z_BUF_ERROR';
}
