import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxyServer } from 'http-proxy-3';

/** The loopback reverse proxy k6 targets during a release event; whoever started it calls stop(). */
export interface TrafficProxy {
  /** Where k6 sends its requests (no trailing slash). */
  readonly baseUrl: string;
  /** The app that new requests go to. */
  readonly target: string;
  /** Requests that could not be delivered (refused, reset, timed out upstream): answered 502. */
  readonly failedRequests: number;
  /** Sends every request that starts from now on to `target`; requests in flight finish where they are. */
  route(target: string): void;
  stop(): Promise<void>;
}

/**
 * Starts a reverse proxy on a free loopback port in front of `target`, on
 * http-proxy-3 (a maintained rewrite of node-http-proxy). Each request picks
 * its upstream when it arrives, so a switch never moves a request already
 * on its way, and k6's kept-alive connections to the proxy follow the switch
 * on their next request.
 *
 * @example
 * const proxy = await startTrafficProxy('http://127.0.0.1:4100');
 * proxy.route('http://127.0.0.1:4200');
 * await proxy.stop();
 */
export async function startTrafficProxy(target: string): Promise<TrafficProxy> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  const proxy = createProxyServer({ agent, proxyTimeout: 60_000 });
  let current = target;
  let failedRequests = 0;
  const server = http.createServer((req, res) => {
    proxy.web(req, res, { target: current }, (error) => {
      failedRequests += 1;
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`rehearse proxy: upstream ${current} failed: ${error.message}\n`);
    });
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: '127.0.0.1', port: 0 }, resolve);
  });
  const { port } = server.address() as AddressInfo;
  let stopping: Promise<void> | undefined;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    get target() {
      return current;
    },
    get failedRequests() {
      return failedRequests;
    },
    route(next) {
      current = next.replace(/\/$/, '');
    },
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }).finally(() => {
        proxy.close();
        agent.destroy();
      });
      return stopping;
    },
  };
}
