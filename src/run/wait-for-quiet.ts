import { snapshotStatementStats } from '../collect/statement-snapshot.ts';
import type { Queryable } from '../db/queryable.ts';
import { sleep } from '../system/abort.ts';

export interface QuietOptions {
  admin: Queryable;
  database: string;
  signal: AbortSignal;
  /** No statement of the run database for this long means the app is done (default 1 s). */
  quietMs?: number;
  /** Give up waiting after this long (default 60 s): the probe then runs anyway. */
  timeoutMs?: number;
  log: (line: string) => void;
}

async function callsSoFar(admin: Queryable, database: string): Promise<number> {
  const snapshot = await snapshotStatementStats(admin, database);
  return snapshot.entries.reduce((total, entry) => total + entry.calls, 0);
}

/**
 * Waits until the app has finished the work a load left behind: an
 * overloaded app keeps answering queued requests after k6 has stopped, and
 * a probe started then counts their statements as its own (a sign-in probed
 * with 76 queries per request instead of 4). Quiet means no statement of the
 * run database ran for `quietMs`.
 */
export async function waitForQuiet(options: QuietOptions): Promise<void> {
  // Not a stage of its own: when the database cannot be read, the probe that follows says so.
  await waitUntilQuiet(options).catch(() => undefined);
}

async function waitUntilQuiet(options: QuietOptions): Promise<void> {
  const quietMs = options.quietMs ?? 1_000;
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let calls = await callsSoFar(options.admin, options.database);
  let said = false;
  while (Date.now() < deadline) {
    await sleep(quietMs, options.signal);
    if (options.signal.aborted) return;
    const now = await callsSoFar(options.admin, options.database);
    if (now === calls) return;
    if (!said) options.log(`  waiting for the app to finish the requests the load left queued (${Math.round(now - calls)} statements in the last ${quietMs} ms)`);
    said = true;
    calls = now;
  }
  options.log('  the app was still busy after 60 s: the probe runs anyway, and may count some of its statements');
}
