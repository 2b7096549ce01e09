import { MASK, redactText } from '../system/redact-secrets.ts';
import type { ConnectionInfo } from './provider.ts';

/** Query parameters libpq and node-postgres read a password from. */
const PASSWORD_PARAMETERS = ['password', 'sslpassword'];

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
    password: decodeURIComponent(parsed.password) || (parsed.searchParams.get('password') ?? ''),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'postgres',
  };
}

/** The same URL with every password (`user:…@`, `?password=…`) replaced by `***`, for logs and reports. */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = MASK;
    for (const name of PASSWORD_PARAMETERS) if (parsed.searchParams.has(name)) parsed.searchParams.set(name, MASK);
    return parsed.toString();
  } catch {
    return redactText(url).text;
  }
}

/** The URL of another database on the same server. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${encodeURIComponent(database)}`;
  return parsed.toString();
}
