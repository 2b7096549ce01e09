// Reads runners' k6 CSV files for the main thread; see used-lines-threads.ts.
// Plain JavaScript, unlike the rest of rehearse: a worker would otherwise
// load tsx's module hooks, about 40 MB per thread, against a budget of
// 300 MB for merging runners' outputs.
import { createReadStream } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { createGunzip } from 'node:zlib';

const NEWLINE = 10;
const QUOTE = 34;
/** Read and gunzip in quarters of a megabyte: larger chunks cost about 50 MB more at peak for no measurable speed. */
const CHUNK_BYTES = 1 << 18;

/** @type {{ files: Array<{ id: number, path: string }>, depth: number, metrics: string[] }} */
const { files, depth, metrics } = workerData;

/**
 * Keeps, of k6 CSV lines, only those K6SampleAggregator reads: the records
 * of the metrics it uses (`metrics`, told from the line's start as the
 * aggregator tells them), and the further lines of such a record whose
 * quoted field holds a line break.
 */
export class UsedLineFilter {
  /** @param {readonly string[]} names */
  constructor(names) {
    /** Needles ("checks,") by their first byte. */
    this.byFirstByte = Array.from({ length: 256 }, () => []);
    for (const name of names) {
      const needle = Buffer.from(`${name},`);
      this.byFirstByte[needle[0]].push(needle);
    }
    /** A kept record's quoted field is still open: the next lines belong to it. */
    this.inQuotedField = false;
  }

  /**
   * The kept lines of `pieces` (each made of whole lines, or a file's
   * unfinished last line), in one buffer of its own. Each piece is compacted
   * in place first (its bytes are this reader's to change), so the lines
   * kept are copied out in one go instead of a copy per line.
   * @param {readonly Buffer[]} pieces
   */
  keep(pieces) {
    const lengths = pieces.map((piece) => this.compact(piece));
    const out = Buffer.allocUnsafeSlow(lengths.reduce((sum, length) => sum + length, 0));
    let at = 0;
    pieces.forEach((piece, index) => (at += piece.copy(out, at, 0, lengths[index])));
    return out;
  }

  /** Moves the kept lines of `bytes` to its start, in order; returns their length. */
  compact(bytes) {
    let kept = 0;
    let runStart = -1;
    let nextQuote = quoteFrom(bytes, 0);
    for (let start = 0; start < bytes.length; ) {
      const newline = bytes.indexOf(NEWLINE, start);
      const lineEnd = newline === -1 ? bytes.length : newline;
      const next = newline === -1 ? bytes.length : newline + 1;
      if (this.inQuotedField || this.isUsed(bytes, start, lineEnd)) {
        // Quotes are searched for once per chunk, not once per line.
        if (nextQuote < start) nextQuote = quoteFrom(bytes, start);
        for (; nextQuote < lineEnd; nextQuote = quoteFrom(bytes, nextQuote + 1)) this.inQuotedField = !this.inQuotedField;
        if (runStart === -1) runStart = start;
      } else if (runStart !== -1) {
        kept += moveRun(bytes, runStart, start, kept);
        runStart = -1;
      }
      start = next;
    }
    if (runStart !== -1) kept += moveRun(bytes, runStart, bytes.length, kept);
    return kept;
  }

  isUsed(bytes, start, end) {
    for (const needle of this.byFirstByte[bytes[start]]) {
      if (end - start < needle.length) continue;
      let index = 1;
      while (index < needle.length && bytes[start + index] === needle[index]) index += 1;
      if (index === needle.length) return true;
    }
    return false;
  }
}

/** The next quote's index, or the buffer's length when there is none. */
function quoteFrom(bytes, from) {
  const quote = bytes.indexOf(QUOTE, from);
  return quote === -1 ? bytes.length : quote;
}

function moveRun(bytes, start, end, to) {
  if (start !== to) bytes.copyWithin(to, start, end);
  return end - start;
}

const unread = new Map();
const waiting = new Map();

parentPort.on('message', ({ take }) => {
  unread.set(take, unread.get(take) - 1);
  waiting.get(take)?.();
  waiting.delete(take);
});

await Promise.all(files.map(({ id, path }) => readFile(id, path)));

async function readFile(id, path) {
  unread.set(id, 0);
  const filter = new UsedLineFilter(metrics);
  let carry = Buffer.alloc(0);
  let headerSent = false;
  try {
    for await (const chunk of open(path)) {
      const pieces = [];
      let bytes = chunk;
      // The record cut at the last chunk's end: the only bytes copied before filtering.
      if (carry.length > 0) {
        const newline = bytes.indexOf(NEWLINE);
        if (newline === -1) {
          carry = Buffer.concat([carry, bytes]);
          continue;
        }
        pieces.push(Buffer.concat([carry, bytes.subarray(0, newline + 1)]));
        bytes = bytes.subarray(newline + 1);
      }
      const limit = bytes.lastIndexOf(NEWLINE);
      pieces.push(bytes.subarray(0, limit + 1));
      carry = Buffer.from(bytes.subarray(limit + 1));
      if (!headerSent) {
        // The header line goes first, whatever it holds.
        const joined = Buffer.concat(pieces);
        const headerEnd = joined.indexOf(NEWLINE);
        if (headerEnd === -1) {
          carry = Buffer.concat([joined, carry]);
          continue;
        }
        headerSent = true;
        await send(id, Buffer.concat([joined.subarray(0, headerEnd + 1), filter.keep([joined.subarray(headerEnd + 1)])]));
        continue;
      }
      await send(id, filter.keep(pieces));
    }
    // The last line without its line break: the header of an empty file, or a record.
    if (carry.length > 0) await send(id, headerSent ? filter.keep([carry]) : carry);
    parentPort.postMessage({ id, end: true, truncated: false });
  } catch (error) {
    // zlib's error for a gzip stream cut short (k6 killed mid-run): what was read stands.
    if (error?.code === 'Z_BUF_ERROR') parentPort.postMessage({ id, end: true, truncated: true });
    else parentPort.postMessage({ id, end: true, error: { message: String(error?.message ?? error), code: error?.code } });
  }
}

function open(path) {
  const raw = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  if (!path.endsWith('.gz')) return raw;
  const gunzip = createGunzip({ chunkSize: CHUNK_BYTES });
  raw.on('error', (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

/** Hands `chunk` over without a copy (its memory moves to the main thread), then waits while `depth` chunks are untaken. */
async function send(id, chunk) {
  if (chunk.length === 0) return;
  const owned = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk : ownCopy(chunk);
  parentPort.postMessage({ id, chunk: owned }, [owned.buffer]);
  unread.set(id, unread.get(id) + 1);
  while (unread.get(id) >= depth) await new Promise((resolve) => waiting.set(id, resolve));
}

function ownCopy(chunk) {
  const copy = Buffer.allocUnsafeSlow(chunk.length);
  chunk.copy(copy);
  return copy;
}
