import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A Unix socket that relays every connection to a TCP address on this
 * machine's loopback. A path on the shared filesystem is reachable from any
 * network namespace, so an app inside one reaches the test's Postgres
 * (listening on 127.0.0.1 here) without a network route to it.
 */
export interface UnixSocketRelay {
  /** The folder holding the socket, named as Postgres clients expect: `.s.PGSQL.<port>`. */
  readonly dir: string;
  /** `url` with its host replaced by the socket folder (libpq's `?host=/dir`). */
  databaseUrl(url: string): string;
  stop(): Promise<void>;
}

const SOCKET_PORT = 5432;

export async function startPostgresSocketRelay(target: { host: string; port: number }): Promise<UnixSocketRelay> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-relay-'));
  const open = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      socket.once('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path.join(dir, `.s.PGSQL.${SOCKET_PORT}`), resolve));
  return {
    dir,
    databaseUrl(url) {
      const parsed = new URL(url);
      parsed.hostname = 'localhost';
      parsed.port = String(SOCKET_PORT);
      parsed.searchParams.set('host', dir);
      return parsed.toString();
    },
    async stop() {
      for (const socket of open) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
