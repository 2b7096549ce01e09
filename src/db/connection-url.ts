import type { ConnectionInfo } from './provider.ts';

export function connectionUrl(info: ConnectionInfo): string {
  const user = encodeURIComponent(info.user);
  const password = encodeURIComponent(info.password);
  const host = info.host.includes(':') ? `[${info.host}]` : info.host;
  return `postgres://${user}:${password}@${host}:${info.port}/${encodeURIComponent(info.database)}`;
}

export function parseConnectionUrl(url: string): ConnectionInfo {
  const parsed = new URL(url);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, '') || 'localhost',
    port: parsed.port ? Number(parsed.port) : 5432,
    user: decodeURIComponent(parsed.username) || 'postgres',
    password: decodeURIComponent(parsed.password),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
  };
}

/** The same URL with the password replaced by `***`, for logs and reports. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
  }
}

/** The URL of another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
