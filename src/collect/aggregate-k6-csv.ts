import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { InfrastructureError } from '../errors.ts';
import type { K6Results } from '../run/run-record-schema.ts';
import { K6SampleAggregator, type K6SampleAggregatorOptions } from './k6-sample-aggregator.ts';

/**
 * Streams k6's raw CSV output (`--out csv=<file>`, or `<file>.gz`, which k6
 * also writes gzipped) through a {@link K6SampleAggregator}. Memory stays
 * flat whatever the file size: one chunk of text and the aggregator's
 * histograms.
 *
 * @example
 * const results = await aggregateK6Csv('reports/run-1/k6-samples.csv.gz');
 * console.log(results.pages.map((page) => `${page.page}: p95 ${page.latencyMs.p95} ms`));
 */
export async function aggregateK6Csv(file: string, options: K6SampleAggregatorOptions = {}): Promise<K6Results> {
  await access(file).catch(() => {
    throw new InfrastructureError(`k6 raw output ${file} does not exist: k6 wrote no samples (did it run with --out csv=${file}?)`);
  });
  try {
    return await aggregateStream(openText(file), options);
  } catch (error) {
    if (error instanceof InfrastructureError) throw error;
    throw new InfrastructureError(`could not read k6 raw output ${file}: ${(error as Error).message}`);
  }
}

function openText(file: string): Readable {
  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  if (!file.endsWith('.gz')) return raw;
  const gunzip = createGunzip({ chunkSize: 1 << 20 });
  raw.on('error', (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

/**
 * Hands the aggregator whole lines: each chunk up to its last line break, the
 * rest carried over. A gzip stream that ends early (k6 killed mid-run) gives
 * what was read, with `samples.truncated` set.
 */
export async function aggregateStream(stream: AsyncIterable<Buffer | string> | Iterable<Buffer | string>, options: K6SampleAggregatorOptions = {}): Promise<K6Results> {
  const decoder = new StringDecoder('utf8');
  let aggregator: K6SampleAggregator | undefined;
  let carry = '';
  let truncated = false;
  try {
    for await (const chunk of stream) {
      let text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
      if (!aggregator) {
        const headerEnd = text.indexOf('\n');
        if (headerEnd === -1) {
          carry = text;
          continue;
        }
        aggregator = new K6SampleAggregator(text.slice(0, headerEnd), options);
        text = text.slice(headerEnd + 1);
      }
      const limit = text.lastIndexOf('\n');
      if (limit === -1) {
        carry = text;
        continue;
      }
      aggregator.addChunk(text, limit);
      carry = text.slice(limit + 1);
    }
  } catch (error) {
    if (!isTruncatedGzip(error)) throw error;
    truncated = true;
  }
  carry += decoder.end();
  if (!aggregator) return new K6SampleAggregator(carry, options).finish();
  // The last line of a file k6 did not finish may be cut short: not a record.
  if (carry.length > 0 && !truncated) aggregator.addChunk(carry, carry.length);
  const results = aggregator.finish();
  return truncated ? { ...results, samples: { ...results.samples, truncated } } : results;
}

/** zlib's error for input that ends before the gzip stream does. */
function isTruncatedGzip(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'Z_BUF_ERROR';
}
