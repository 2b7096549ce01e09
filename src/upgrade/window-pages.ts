import type { PageResult } from '../run/run-record-schema.ts';

/** What one page did under one phase of the load. */
export interface PageUnderLoad {
  requests: number;
  errors: number;
  errorRate: number;
  p95Ms: number;
}

/** One page right after cutover (no statistics yet) against the same load after ANALYZE. */
export interface WindowPage {
  page: string;
  /** null when the page had no requests in that phase. */
  noStatistics: PageUnderLoad | null;
  afterAnalyze: PageUnderLoad | null;
  /** p95 without statistics over p95 after ANALYZE; null when either is missing or zero. */
  p95Ratio: number | null;
}

/**
 * The pages of the two phases side by side, in the order the first phase
 * saw them (pages only one phase saw last).
 *
 * @example
 * compareWindowPages([page('Login', { p95: 900 })], [page('Login', { p95: 90 })]);
 * // [{ page: 'Login', noStatistics: { p95Ms: 900, … }, afterAnalyze: { p95Ms: 90, … }, p95Ratio: 10 }]
 */
export function compareWindowPages(noStatistics: readonly PageResult[], afterAnalyze: readonly PageResult[]): WindowPage[] {
  const names = [...new Set([...noStatistics, ...afterAnalyze].map((page) => page.page))];
  return names.map((name) => {
    const before = underLoad(noStatistics.find((page) => page.page === name));
    const after = underLoad(afterAnalyze.find((page) => page.page === name));
    const p95Ratio = before && after && after.p95Ms > 0 ? before.p95Ms / after.p95Ms : null;
    return { page: name, noStatistics: before, afterAnalyze: after, p95Ratio };
  });
}

function underLoad(page: PageResult | undefined): PageUnderLoad | null {
  if (!page || page.requests === 0) return null;
  return { requests: page.requests, errors: page.errors, errorRate: page.errorRate, p95Ms: page.latencyMs.p95 };
}
