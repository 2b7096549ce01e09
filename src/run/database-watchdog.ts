import type { Queryable } from '../db/queryable.ts';

export interface Watchdog {
  stop(): void;
}

/**
 * Calls `onDown` once when the database stops answering `select 1` twice in
 * a row (each within `timeoutMs`): the run then ends instead of measuring
 * an app that can only fail.
 */
export function watchDatabase(db: Queryable, onDown: (reason: string) => void, intervalMs = 1_000, timeoutMs = 3_000): Watchdog {
  let misses = 0;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const probe = async () => {
    try {
      await Promise.race([
        db.query('select 1'),
        new Promise((_, reject) => setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs).unref()),
      ]);
      misses = 0;
    } catch (error) {
      misses += 1;
      if (misses === 2 && !stopped) {
        stopped = true;
        onDown((error as Error).message);
        return;
      }
    }
    if (!stopped) timer = setTimeout(probe, intervalMs);
  };
  timer = setTimeout(probe, intervalMs);
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
