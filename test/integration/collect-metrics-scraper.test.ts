import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMetricsScraper } from '../../src/collect/metrics-scraper.ts';

describe('app /metrics scraper', () => {
  let server: http.Server;
  let baseUrl: string;
  let requests = 0;

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      if (request.url !== '/metrics') {
        response.writeHead(500).end('no');
        return;
      }
      requests += 1;
      response.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(
        `# TYPE portal_http_requests_total counter\nportal_http_requests_total{route="/bookings",status="200"} ${requests * 10}\n` +
          `# TYPE portal_http_request_duration_seconds histogram\nportal_http_request_duration_seconds_bucket{le="0.1"} 3\n` +
          `# TYPE portal_db_pool_waiting gauge\nportal_db_pool_waiting 2\n`,
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('samples counters and gauges on its interval until stopped', async () => {
    const scraper = startMetricsScraper({ url: `${baseUrl}/metrics`, intervalMs: 50 });
    await until(() => scraper.samples.length >= 3);
    const samples = await scraper.stop();
    const taken = samples.length;
    expect(taken).toBeGreaterThanOrEqual(3);
    expect(samples[0]!.values).toEqual({ 'portal_http_requests_total{route="/bookings",status="200"}': expect.any(Number), portal_db_pool_waiting: 2 });
    const counts = samples.map((sample) => sample.values['portal_http_requests_total{route="/bookings",status="200"}']!);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(scraper.samples).toHaveLength(taken);
    expect(scraper.failures.count).toBe(0);
  });

  it('counts scrapes that fail instead of throwing', async () => {
    const scraper = startMetricsScraper({ url: `${baseUrl}/nothing`, intervalMs: 50 });
    await until(() => scraper.failures.count >= 2);
    expect(await scraper.stop()).toEqual([]);
    expect(scraper.failures.count).toBeGreaterThanOrEqual(2);
    expect(scraper.failures.last).toMatch(/answered 500/);
  });
});

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the scraper');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
