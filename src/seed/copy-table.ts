import { createHash } from 'node:crypto';
import { once } from 'node:events';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { InterruptedError, sleep, throwIfAborted, whenAborted } from '../system/abort.ts';
import { CopyWriter } from './copy-writer.ts';
import { quoteIdent, tableSql } from './quote.ts';
import type { GeneratedTable } from './row-generator.ts';
import type { TableInfo } from './schema-snapshot.ts';

/** Rows per COPY chunk: large enough to amortise the write, small enough to interleave tables. */
export const CHUNK_ROWS = 4_096;
/**
 * …and at most about this many bytes: 4,096 article bodies are 6 MB, and a
 * chunk that large made the writer grow (copying) and allocate it anew for
 * every chunk.
 */
const CHUNK_BYTES = 1024 * 1024;
const COPY_BUFFER_BYTES = 4 * 1024 * 1024;
/** How long a COPY may take to leave copy mode after CopyFail before its connection is dropped instead. */
const COPY_FAIL_GRACE_MS = 2_000;

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
  info: TableInfo;
  /** Stream these chunks instead of rendering rows on this thread. */
  source?: AsyncIterable<CopyChunk>;
  signal?: AbortSignal;
  onProgress?: (progress: CopyProgress) => void;
}

/**
 * Truncates a table and streams its generated rows with COPY, in one
 * transaction so COPY FREEZE applies (rows are written frozen: no hint-bit
 * rewrite or anti-wraparound vacuum of freshly seeded data later). A
 * partitioned table is loaded through its parent, which routes each row to
 * its partition; Postgres allows FREEZE only on the partitions themselves,
 * so there it is left out.
 *
 * Aborting stops the COPY at once (CopyFail) and rejects with
 * InterruptedError; an error Postgres reports is rethrown as it came, never
 * replaced by a later one.
 */
export async function copyTable(client: pg.PoolClient, table: GeneratedTable, options: CopyTableOptions): Promise<TableLoaded> {
  const started = performance.now();
  const target = tableSql(options.info);
  const columns = table.columnNames.map(quoteIdent).join(', ');
  const freeze = options.info.partitioning ? '' : ' with (freeze)';
  const hash = createHash('sha1');
  await client.query('begin');
  let stream: ReturnType<typeof copyFrom> | undefined;
  let failure: Error | undefined;
  const stopListening = whenAborted(options.signal, () => stream?.destroy(new InterruptedError(String(options.signal!.reason ?? 'interrupted'))));
  try {
    await client.query(`truncate ${target}`);
    throwIfAborted(options.signal);
    // A deep buffer lets rows be rendered ahead while Postgres parses the
    // previous chunks: with the default 16 KiB, each backend sat idle while
    // the (single) generator thread served the other lane.
    stream = client.query(copyFrom(`copy ${target} (${columns}) from stdin${freeze}`, { highWaterMark: COPY_BUFFER_BYTES }));
    const copying = stream;
    const finished = new Promise<void>((resolve, reject) => {
      copying.on('finish', resolve);
      copying.on('error', (error) => reject((failure ??= error)));
    });
    finished.catch(() => undefined);
    const send = async (bytes: Buffer) => {
      if (failure) throw failure;
      throwIfAborted(options.signal);
      hash.update(bytes);
      if (!copying.write(bytes)) await Promise.race([once(copying, 'drain'), finished]);
    };
    let rows = 0;
    if (options.source) {
      for await (const chunk of options.source) {
        await send(chunk.bytes);
        rows += chunk.rows;
        if (chunk.rows > 0) options.onProgress?.({ table: table.name, rows, totalRows: table.rows });
      }
    } else {
      const ctx = table.newContext();
      const writer = new CopyWriter();
      for (let from = 0, to = 0; from < table.rows; from = to) {
        to = table.write(ctx, from, Math.min(table.rows, from + CHUNK_ROWS), writer, CHUNK_BYTES);
        await send(writer.take());
        // Lets the other lane, progress and Ctrl-C in between chunks.
        await new Promise((resolve) => setImmediate(resolve));
        options.onProgress?.({ table: table.name, rows: to, totalRows: table.rows });
      }
    }
    if (failure) throw failure;
    copying.end();
    await finished;
    await client.query('commit');
  } catch (error) {
    await leaveCopyMode(stream, failure, error);
    await client.query('rollback').catch(() => undefined);
    if (options.signal?.aborted) throw new InterruptedError(String(options.signal.reason ?? 'interrupted'));
    throw failure ?? error;
  } finally {
    stopListening();
  }
  return { table: table.name, rows: table.rows, seconds: (performance.now() - started) / 1000, digest: hash.digest('hex') };
}

/**
 * Destroying the stream sends CopyFail, so the connection leaves COPY mode;
 * not when Postgres already failed the COPY (nothing to leave, and the
 * stream has let go of its connection), and not for ever: a COPY that never
 * started answers nothing, and the caller then drops the connection.
 */
async function leaveCopyMode(stream: ReturnType<typeof copyFrom> | undefined, failure: Error | undefined, error: unknown): Promise<void> {
  if (!stream || failure || stream.writableFinished || stream.destroyed) return;
  const closed = once(stream, 'close').catch(() => undefined);
  stream.destroy(error instanceof Error ? error : new Error(String(error)));
  await Promise.race([closed, sleep(COPY_FAIL_GRACE_MS)]);
}
