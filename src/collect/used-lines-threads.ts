import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { USED_METRIC_NAMES } from './k6-sample-aggregator.ts';

/** What a reader thread is given (see used-lines-thread-worker.mjs). */
interface UsedLinesJob {
  files: Array<{ id: number; path: string }>;
  /** Chunks a file may have sent and not yet had taken: the main thread reads runners in time order, so one may wait. */
  depth: number;
  /** Lines starting with one of these and a comma are kept. */
  metrics: readonly string[];
}

type UsedLinesMessage =
  | { id: number; chunk: Uint8Array }
  | { id: number; end: true; truncated: boolean }
  | { id: number; end: true; error: { message: string; code: string | undefined } };

/** Chunks (about 80 kB each once filtered) a file may have waiting for the main thread. */
const DEPTH = 4;

interface FileQueue {
  worker: Worker;
  chunks: Buffer[];
  ended: boolean;
  truncated: boolean;
  error: Error | undefined;
  wake: (() => void) | undefined;
}

/**
 * Reads k6 CSV files (gzipped or not) in worker threads and hands the main
 * thread only the lines K6SampleAggregator uses (see UsedLineFilter in
 * used-lines-thread-worker.mjs): gunzipping, cutting lines and dropping the
 * unused seven in ten then run beside the aggregation instead of before it.
 * One thread per core but the main thread's (which aggregates, the longest
 * part): on two cores, one thread reads every file. Each
 * file is one stream of whole lines, its header first; a gzip stream cut
 * short ends its stream with zlib's own error (code Z_BUF_ERROR), as reading
 * it directly would. Bounded: a file a thread has read ahead of the main
 * thread waits at DEPTH chunks.
 *
 * @example
 * const threads = new UsedLinesThreads(['runner-1.csv.gz', 'runner-2.csv.gz']);
 * try {
 *   for await (const chunk of threads.streams[0]!) console.log(chunk.length);
 * } finally {
 *   await threads.stop();
 * }
 */
export class UsedLinesThreads {
  readonly streams: AsyncIterable<Buffer>[];
  private readonly workers: Worker[] = [];
  private readonly queues: FileQueue[] = [];

  constructor(files: readonly string[], threads = Math.min(files.length, availableParallelism() - 1)) {
    const jobs = Array.from({ length: Math.max(1, threads) }, (): UsedLinesJob => ({ files: [], depth: DEPTH, metrics: USED_METRIC_NAMES }));
    files.forEach((path, id) => jobs[id % jobs.length]!.files.push({ id, path }));
    for (const job of jobs.filter((candidate) => candidate.files.length > 0)) {
      const worker = new Worker(new URL('./used-lines-thread-worker.mjs', import.meta.url), { workerData: job });
      this.workers.push(worker);
      for (const { id } of job.files) this.queues[id] = { worker, chunks: [], ended: false, truncated: false, error: undefined, wake: undefined };
      worker.on('message', (message: UsedLinesMessage) => this.receive(message));
      worker.on('error', (error) => this.fail(worker, error));
      // A thread that finished has ended its files' streams itself.
      worker.on('exit', (code) => code !== 0 && this.fail(worker, new Error(`the k6 CSV reader thread exited (code ${code})`)));
    }
    this.streams = files.map((_, id) => this.stream(id));
  }

  async stop(): Promise<void> {
    for (const queue of this.queues) queue.error ??= new Error('the k6 CSV reader threads were stopped');
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private async *stream(id: number): AsyncGenerator<Buffer> {
    const queue = this.queues[id]!;
    for (;;) {
      const chunk = queue.chunks.shift();
      if (chunk) {
        queue.worker.postMessage({ take: id });
        yield chunk;
        continue;
      }
      if (queue.ended) {
        if (queue.truncated) throw Object.assign(new Error('unexpected end of file'), { code: 'Z_BUF_ERROR' });
        if (queue.error) throw queue.error;
        return;
      }
      if (queue.error) throw queue.error;
      await new Promise<void>((resolve) => (queue.wake = resolve));
    }
  }

  private receive(message: UsedLinesMessage): void {
    const queue = this.queues[message.id]!;
    if ('chunk' in message) queue.chunks.push(Buffer.from(message.chunk.buffer, message.chunk.byteOffset, message.chunk.byteLength));
    else {
      queue.ended = true;
      if ('error' in message) queue.error = Object.assign(new Error(message.error.message), { code: message.error.code });
      else queue.truncated = message.truncated;
    }
    this.wakeUp(queue);
  }

  private fail(worker: Worker, error: Error): void {
    for (const queue of this.queues) {
      if (queue.worker !== worker || queue.ended) continue;
      queue.error ??= error;
      this.wakeUp(queue);
    }
  }

  private wakeUp(queue: FileQueue): void {
    queue.wake?.();
    queue.wake = undefined;
  }
}
