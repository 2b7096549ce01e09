import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startTrafficProxy, type TrafficProxy } from '../../src/release/traffic-proxy.ts';

/** A real HTTP server that answers its name, after `delayMs` for /slow. */
async function namedServer(name: string, delayMs = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    setTimeout(() => res.end(name), req.url === '/slow' ? delayMs : 0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('the release event proxy', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it('moves new requests to the other app while a request in flight finishes where it started', async () => {
    const baseline = await namedServer('baseline', 400);
    const candidate = await namedServer('candidate');
    const proxy: TrafficProxy = await startTrafficProxy(baseline.url);
    stops.push(baseline.close, candidate.close, proxy.stop);

    const inFlight = fetch(`${proxy.baseUrl}/slow`).then((response) => response.text());
    await new Promise((resolve) => setTimeout(resolve, 100));
    proxy.route(candidate.url);
    expect(await (await fetch(`${proxy.baseUrl}/`)).text()).toBe('candidate');
    expect(await inFlight).toBe('baseline');
    proxy.route(baseline.url);
    expect(await (await fetch(`${proxy.baseUrl}/`)).text()).toBe('baseline');
    expect(proxy.failedRequests).toBe(0);
  });

  it('answers 502 and counts the request when the app behind it is gone', async () => {
    const gone = await namedServer('gone');
    await gone.close();
    const proxy = await startTrafficProxy(gone.url);
    stops.push(proxy.stop);
    const response = await fetch(`${proxy.baseUrl}/`);
    expect(response.status).toBe(502);
    expect(await response.text()).toMatch(/rehearse proxy: upstream .* failed/);
    expect(proxy.failedRequests).toBe(1);
  });
});
