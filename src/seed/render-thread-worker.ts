import { parentPort, workerData } from 'node:worker_threads';
import type { SeedPlan } from './plan.ts';
import type { RowContext } from './row-context.ts';
import { CopyWriter } from './copy-writer.ts';
import { RowGenerator } from './row-generator.ts';

/** Renders COPY chunks for the main thread; see render-thread.ts. */
export interface RenderRequest {
  id: number;
  table: string;
  from: number;
  to: number;
}

export type RenderReply = { id: number; buffer: ArrayBuffer; error?: undefined } | { id: number; error: string };

const { plan, seed } = workerData as { plan: SeedPlan; seed: number };
const generator = new RowGenerator(plan, seed);
const contexts = new Map<string, RowContext>();
const writer = new CopyWriter();

parentPort!.on('message', (request: RenderRequest) => {
  try {
    const table = generator.table(request.table);
    let ctx = contexts.get(request.table);
    if (!ctx) contexts.set(request.table, (ctx = table.newContext()));
    const chunk = table.renderChunk(ctx, request.from, request.to, writer);
    // The writer's buffer may be larger than the chunk: send exactly the chunk.
    const buffer = (chunk.buffer as ArrayBuffer).slice(chunk.byteOffset, chunk.byteOffset + chunk.byteLength);
    parentPort!.postMessage({ id: request.id, buffer } satisfies RenderReply, [buffer]);
  } catch (error) {
    parentPort!.postMessage({ id: request.id, error: (error as Error).stack ?? String(error) } satisfies RenderReply);
  }
});
