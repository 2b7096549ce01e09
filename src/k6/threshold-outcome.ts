import { readFile, rm } from 'node:fs/promises';

/** One k6 threshold that failed: the metric with its tag filter, and the expression. */
export interface FailedThreshold {
  /** e.g. `http_req_duration{page:Posts}` */
  metric: string;
  /** e.g. `p(95)<300` */
  threshold: string;
}

interface SummaryExport {
  metrics?: Record<string, { thresholds?: Record<string, boolean | { ok?: boolean }> }>;
}

/**
 * The thresholds k6 marked failed in its `--summary-export` file, which is
 * removed once read (it names every tagged URL; only the verdicts are kept).
 * In that format a threshold maps to `true` when it failed (older k6
 * versions wrote `{ ok: false }`). Undefined when the file is missing or
 * unreadable (k6 was killed before writing it).
 */
export async function readFailedThresholds(file: string): Promise<FailedThreshold[] | undefined> {
  let summary: SummaryExport;
  try {
    summary = JSON.parse(await readFile(file, 'utf8')) as SummaryExport;
  } catch {
    return undefined;
  } finally {
    await rm(file, { force: true });
  }
  return Object.entries(summary.metrics ?? {}).flatMap(([metric, entry]) =>
    Object.entries(entry.thresholds ?? {})
      .filter(([, outcome]) => (typeof outcome === 'boolean' ? outcome : outcome.ok === false))
      .map(([threshold]) => ({ metric, threshold })),
  );
}
