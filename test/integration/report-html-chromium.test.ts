import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeRuns } from '../../src/analyze/analyze-runs.ts';
import { renderHtmlText } from '../../src/report/render-html.ts';
import { page, plan, profile, runRecord, statement, timeline } from '../support/run-record-builders.ts';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';

function analysis() {
  const pages = [page('My Bookings', { p95: 40 }), page('Video call', { p95: 30 })];
  const query = 'select a.id from appointments a where a.teacher_id = $1 and a.evening_id = $2';
  const wave = (second: number) => 1 + Math.sin(second / 3) / 2;
  const base = runRecord({ pages, statements: [statement('b1', query)], profiles: [profile('My Bookings', [{ name: 'b1', query, callsPerRequest: 1 }])] });
  const candidate = runRecord({
    release: 'drop-bookings-index',
    pages,
    statements: [statement('b1', query, { plan: plan([['appointments', 1]]), blocksPerCall: 400 })],
    profiles: [profile('My Bookings', [{ name: 'b1', query, callsPerRequest: 1 }])],
    timeline: timeline([{ page: 'My Bookings', p95: 40, jitter: wave }, { page: 'Video call', p95: 30 }]),
  });
  return analyzeRuns({ baselines: [base], candidates: [candidate] });
}

if (!existsSync(CHROMIUM)) console.warn(`SKIP HTML report rendering tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_BIN)`);

describe.skipIf(!existsSync(CHROMIUM))('the HTML report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-html-'));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('renders both charts, sorts a table and opens a plan, without touching the network', async () => {
    const file = path.join(dir, 'report.html');
    await writeFile(file, renderHtmlText(analysis()));
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const requests: string[] = [];
    context.on('request', (request) => {
      if (!request.url().startsWith('file://')) requests.push(request.url());
    });
    const tab = await context.newPage();
    const errors: string[] = [];
    tab.on('pageerror', (error) => errors.push(error.message));
    await tab.goto(`file://${file}`);

    const charts = await tab.locator('svg.chart').evaluateAll((svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect();
        const drawn = [...svg.querySelectorAll('.series')].filter((element) => {
          // The test's tsconfig has no DOM types; this runs in the browser.
          const shape = (element as unknown as { getBBox(): { width: number; height: number } }).getBBox();
          return shape.width > 0 || shape.height > 0;
        });
        return { width: box.width, height: box.height, drawn: drawn.length, title: svg.getAttribute('aria-label') };
      }),
    );
    expect(charts.map((chart) => chart.title)).toEqual(['Load, errors and database connections', 'p95 per page, each second']);
    for (const chart of charts) {
      expect(chart.width).toBeGreaterThan(600);
      expect(chart.height).toBeGreaterThan(150);
      expect(chart.drawn).toBeGreaterThan(0);
    }

    const pagesTable = tab.locator('table.sortable').first();
    await pagesTable.locator('th', { hasText: 'p95' }).first().click();
    await expect.poll(() => pagesTable.locator('tbody tr td:first-child').allTextContents()).toEqual(['Video call', 'My Bookings']);

    const planDetails = tab.locator('details.plan').first();
    expect(await planDetails.evaluate((element) => (element as unknown as { open: boolean }).open)).toBe(false);
    await planDetails.locator('summary').click();
    await expect.poll(() => planDetails.locator('pre').isVisible()).toBe(true);

    await tab.screenshot({ path: path.join(dir, 'report.png'), fullPage: true });
    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
    await context.close();
  });
});
