import { describe, expect, it } from 'vitest';
import { compareWindowPages } from '../../src/upgrade/window-pages.ts';
import { page } from '../support/run-record-builders.ts';

describe('pages in the no-statistics window against after ANALYZE', () => {
  it('puts each page side by side with its p95 ratio and its errors', () => {
    const pages = compareWindowPages([page('My Bookings', { p95: 900, requests: 40, errors: 4, errorRate: 0.1 }), page('Login', { p95: 30 })], [page('Login', { p95: 30 }), page('My Bookings', { p95: 90, requests: 40 })]);
    expect(pages.map((entry) => entry.page)).toEqual(['My Bookings', 'Login']);
    expect(pages[0]).toMatchObject({ noStatistics: { p95Ms: 900, requests: 40, errors: 4, errorRate: 0.1 }, afterAnalyze: { p95Ms: 90 }, p95Ratio: 10 });
    expect(pages[1]!.p95Ratio).toBe(1);
  });

  it('says a page one phase did not reach has no figures there, and no ratio', () => {
    const [only] = compareWindowPages([], [page('Video call', { p95: 12 })]);
    expect(only).toEqual({ page: 'Video call', noStatistics: null, afterAnalyze: expect.objectContaining({ p95Ms: 12 }), p95Ratio: null });
  });
});
