import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateK6Csv } from '../../src/collect/aggregate-k6-csv.ts';
import { locateK6, type K6Binary } from '../../src/k6/locate-k6.ts';
import { runK6 } from '../../src/k6/run-k6.ts';

// Tagged like rehearse's generated scripts: page and name are the page name.
const SCRIPT = `import http from 'k6/http';
import { check } from 'k6';
export const options = { scenarios: { parents: { executor: 'shared-iterations', vus: 2, iterations: 15, maxDuration: '30s' } } };
export default function () {
  let response = http.get(__ENV.BASE_URL + '/bookings', { tags: { page: 'My Bookings', name: 'My Bookings' } });
  check(response, { 'My Bookings: status 200': (r) => r.status === 200 });
  response = http.get(__ENV.BASE_URL + '/feed', { responseCallback: http.expectedStatuses(200), tags: { page: 'Posts, "feed"', name: 'Posts, "feed"' } });
  check(response, { 'Posts, "feed": status 200': (r) => r.status === 200 });
}
`;

// The same requests as rehearse now writes them: no check() per request, the expected statuses in the response callback.
const SCRIPT_WITHOUT_CHECKS = `import http from 'k6/http';
export const options = { scenarios: { parents: { executor: 'shared-iterations', vus: 2, iterations: 15, maxDuration: '30s' } } };
const expect_200 = http.expectedStatuses(200);
export default function () {
  http.get(__ENV.BASE_URL + '/bookings', { responseCallback: expect_200, tags: { page: 'My Bookings', name: 'My Bookings' } });
  http.get(__ENV.BASE_URL + '/feed', { responseCallback: expect_200, tags: { page: 'Posts, "feed"', name: 'Posts, "feed"' } });
}
`;

describe('k6 raw output from the real k6', () => {
  let k6: K6Binary;
  let server: http.Server;
  let baseUrl: string;
  let dir: string;
  let feedRequests = 0;

  beforeAll(async () => {
    k6 = await locateK6();
    server = http.createServer((request, response) => {
      if (request.url === '/bookings') {
        setTimeout(() => response.writeHead(200).end('ok'), 20);
        return;
      }
      feedRequests += 1;
      // Every third feed request fails.
      response.writeHead(feedRequests % 3 === 0 ? 500 : 200).end('feed');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-collect-k6-'));
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('gives per-page counts, errors, percentiles, a timeline and checks matching what the server saw', async () => {
    const script = path.join(dir, 'pages.js');
    await writeFile(script, SCRIPT);
    const raw = path.join(dir, 'k6-samples.csv.gz');
    await runK6(k6, { script, args: ['--out', `csv=${raw}`], env: { BASE_URL: baseUrl } });

    const results = await aggregateK6Csv(raw);
    expect(results.pages.map((page) => page.page)).toEqual(['My Bookings', 'Posts, "feed"']);
    const [bookings, feed] = results.pages;
    expect(bookings).toMatchObject({ requests: 15, errors: 0, errorRate: 0 });
    expect(bookings!.latencyMs.p50).toBeGreaterThanOrEqual(19);
    expect(bookings!.latencyMs.p95).toBeLessThanOrEqual(bookings!.latencyMs.max);
    expect(feed).toMatchObject({ requests: 15, errors: 5, errorCauses: { 'HTTP 500': 5 } });
    expect(feed!.errorRate).toBeCloseTo(1 / 3);
    expect(results.totals).toMatchObject({ requests: 30, errors: 5 });
    expect(results.checks).toEqual([
      { name: 'My Bookings: status 200', passes: 15, fails: 0 },
      { name: 'Posts, "feed": status 200', passes: 10, fails: 5 },
    ]);
    const timelineRequests = results.timeline.all.reduce((sum, point) => sum + point.requests, 0);
    expect(timelineRequests).toBe(30);
    expect(results.timeline.pages.map((series) => series.points.length)).toEqual([results.timeline.all.length, results.timeline.all.length]);
    expect(results.samples).toMatchObject({ used: 30 + 30 + 30, malformed: 0, late: 0 });
  });

  it('counts a status check from http_req_failed as the check() would have, and leaves one the script ran alone', async () => {
    const statusChecks = { 'My Bookings': 'My Bookings: status 200', 'Posts, "feed"': 'Posts, "feed": status 200' };
    feedRequests = 0;
    const script = path.join(dir, 'pages-without-checks.js');
    await writeFile(script, SCRIPT_WITHOUT_CHECKS);
    const raw = path.join(dir, 'k6-samples-without-checks.csv.gz');
    await runK6(k6, { script, args: ['--out', `csv=${raw}`], env: { BASE_URL: baseUrl } });

    const results = await aggregateK6Csv(raw, { statusChecks });
    expect(results.checks).toEqual([
      { name: 'My Bookings: status 200', passes: 15, fails: 0 },
      { name: 'Posts, "feed": status 200', passes: 10, fails: 5 },
    ]);
    // No check samples: two fewer samples per iteration for the merge to read.
    expect(results.samples).toMatchObject({ used: 30 + 30, malformed: 0 });

    // Samples that hold the check (a script built before) keep its own counts, never twice.
    const withChecks = await aggregateK6Csv(path.join(dir, 'k6-samples.csv.gz'), { statusChecks });
    expect(withChecks.checks).toEqual([
      { name: 'My Bookings: status 200', passes: 15, fails: 0 },
      { name: 'Posts, "feed": status 200', passes: 10, fails: 5 },
    ]);
  });
});
