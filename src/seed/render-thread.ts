import { Worker } from 'node:worker_threads';
import type { RenderReply, RenderRequest } from './render-thread-worker.ts';
import type { CopyChunk } from './copy-table.ts';
import type { SeedPlan } from './plan.ts';

/** Chunks requested ahead per table, so the worker renders while COPY sends. */
const DEPTH = 3;

/**
 * A thread that renders COPY chunks for one load lane. COPY is fed from the
 * main thread; with cores to spare, one thread rendering for every lane is
 * the bottleneck (each Postgres backend waits for its next chunk). Rows are
 * a pure function of (seed, table, column, row), so a thread renders exactly
 * the bytes the main thread would.
 */
export class RenderThread {
  private readonly worker: Worker;
  private readonly waiting = new Map<number, { resolve: (buffer: Buffer) => void; reject: (error: Error) => void }>();
  private nextId = 0;
  private failure: Error | undefined;

  constructor(plan: SeedPlan, seed: number) {
    this.worker = new Worker(new URL('./render-thread-worker.mjs', import.meta.url), { workerData: { plan, seed } });
    this.worker.on('message', (reply: RenderReply) => this.settle(reply));
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', (code) => this.fail(new Error(`the generator thread exited (code ${code})`)));
  }

  /** The COPY text of rows [0, rows) of `table`, in chunks of `chunkRows`. */
  async *chunks(table: string, rows: number, chunkRows: number): AsyncGenerator<CopyChunk> {
    const pending: Promise<CopyChunk>[] = [];
    let next = 0;
    const request = () => {
      const from = next;
      next = Math.min(rows, next + chunkRows);
      const to = next;
      const promise = this.render({ id: this.nextId++, table, from, to }).then((bytes) => ({ bytes, rows: to - from }));
      promise.catch(() => undefined);
      pending.push(promise);
    };
    while (next < rows && pending.length < DEPTH) request();
    while (pending.length > 0) {
      const chunk = await pending.shift()!;
      if (next < rows) request();
      yield chunk;
    }
  }

  async stop(): Promise<void> {
    this.failure ??= new Error('the generator thread was stopped');
    await this.worker.terminate();
  }

  private render(request: RenderRequest): Promise<Buffer> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.set(request.id, { resolve, reject });
      this.worker.postMessage(request);
    });
  }

  private settle(reply: RenderReply) {
    const waiter = this.waiting.get(reply.id);
    if (!waiter) return;
    this.waiting.delete(reply.id);
    if (reply.error !== undefined) waiter.reject(new Error(`generating rows failed in a worker thread: ${reply.error}`));
    else waiter.resolve(Buffer.from(reply.buffer));
  }

  private fail(error: Error) {
    this.failure ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(this.failure);
    this.waiting.clear();
  }
}

/** Plans with `custom` generators hold functions, which cannot cross to a worker. */
export function canRenderInThreads(plan: SeedPlan): boolean {
  return plan.tables.every((table) => table.columns.every((column) => !containsFunction(column.spec)));
}

function containsFunction(value: unknown): boolean {
  if (typeof value === 'function') return true;
  if (value && typeof value === 'object') return Object.values(value).some(containsFunction);
  return false;
}
