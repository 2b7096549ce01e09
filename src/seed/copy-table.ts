import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { throwIfAborted } from '../system/abort.ts';
import { CopyWriter } from './copy-writer.ts';
import { qualified, quoteIdent } from './quote.ts';
import type { GeneratedTable } from './row-generator.ts';

/** Rows per COPY chunk: large enough to amortise the write, small enough to interleave tables. */
export const CHUNK_ROWS = 4_096;
const COPY_BUFFER_BYTES = 4 * 1024 * 1024;

export interface TableLoaded {
  table: string;
  rows: number;
  seconds: number;
  /**
   * SHA-1 of the COPY text sent: the table's data fingerprint. A fingerprint,
   * not a security boundary; SHA-1 hashes ~2.5× faster than SHA-256 here, and
   * hashing runs on the thread that feeds COPY.
   */
  digest: string;
}

export interface CopyProgress {
  table: string;
  rows: number;
  totalRows: number;
}

/** COPY text of some rows, rendered elsewhere (a worker thread, a file). */
export interface CopyChunk {
  bytes: Buffer;
  /** Rows in the chunk, for progress (0 when unknown). */
  rows: number;
}

export interface CopyTableOptions {
  schema: string;
  /** Stream these chunks instead of rendering rows on this thread. */
  source?: AsyncIterable<CopyChunk>;
  signal?: AbortSignal;
  onProgress?: (progress: CopyProgress) => void;
}

/**
 * Truncates a table and streams its generated rows with COPY, in one
 * transaction so COPY FREEZE applies (rows are written frozen: no hint-bit
 * rewrite or anti-wraparound vacuum of freshly seeded data later).
 */
export async function copyTable(client: pg.PoolClient, table: GeneratedTable, options: CopyTableOptions): Promise<TableLoaded> {
  const started = performance.now();
  const target = qualified(options.schema, table.name);
  const columns = table.columnNames.map(quoteIdent).join(', ');
  const hash = createHash('sha1');
  await client.query('begin');
  let stream: ReturnType<typeof copyFrom> | undefined;
  try {
    await client.query(`truncate ${target}`);
    // A deep buffer lets rows be rendered ahead while Postgres parses the
    // previous chunks: with the default 16 KiB, each backend sat idle while
    // the (single) generator thread served the other lane.
    stream = client.query(copyFrom(`copy ${target} (${columns}) from stdin with (freeze)`, { highWaterMark: COPY_BUFFER_BYTES }));
    const finished = new Promise<void>((resolve, reject) => {
      stream!.on('finish', resolve);
      stream!.on('error', reject);
    });
    finished.catch(() => undefined);
    if (options.source) {
      let rows = 0;
      for await (const chunk of options.source) {
        throwIfAborted(options.signal);
        hash.update(chunk.bytes);
        if (!stream.write(chunk.bytes)) await Promise.race([once(stream, 'drain'), finished]);
        rows += chunk.rows;
        if (chunk.rows > 0) options.onProgress?.({ table: table.name, rows, totalRows: table.rows });
      }
    }
    const ctx = table.newContext();
    const writer = new CopyWriter();
    for (let from = 0; !options.source && from < table.rows; from += CHUNK_ROWS) {
      throwIfAborted(options.signal);
      const to = Math.min(table.rows, from + CHUNK_ROWS);
      const chunk = table.renderChunk(ctx, from, to, writer);
      hash.update(chunk);
      if (!stream.write(chunk)) await Promise.race([once(stream, 'drain'), finished]);
      else await new Promise((resolve) => setImmediate(resolve));
      options.onProgress?.({ table: table.name, rows: to, totalRows: table.rows });
    }
    stream.end();
    await finished;
    await client.query('commit');
  } catch (error) {
    // Destroying the stream sends CopyFail, so the connection leaves COPY mode.
    if (stream && !stream.writableFinished) {
      stream.destroy(error instanceof Error ? error : new Error(String(error)));
      await once(stream, 'close').catch(() => undefined);
    }
    await client.query('rollback').catch(() => undefined);
    throw error;
  }
  return { table: table.name, rows: table.rows, seconds: (performance.now() - started) / 1000, digest: hash.digest('hex') };
}
