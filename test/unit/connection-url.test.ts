import { describe, expect, it } from 'vitest';
import { connectionUrl, maskUrl, parseConnectionUrl, withDatabase } from '../../src/db/connection-url.ts';

describe('connection URLs', () => {
  const info = { host: '127.0.0.1', port: 5433, user: 'postgres', password: 's3cr/t@', database: 'rehearse' };

  it('round-trips connection info, escaping the password', () => {
    expect(parseConnectionUrl(connectionUrl(info))).toEqual(info);
  });

  it('masks the password and nothing else', () => {
    expect(maskUrl(connectionUrl(info))).toBe('postgres://postgres:***@127.0.0.1:5433/rehearse');
    expect(maskUrl('postgres://user@host/db')).toBe('postgres://user@host/db');
  });

  it('masks a password given as a URL parameter, and in a URL it cannot parse', () => {
    expect(maskUrl('postgres://app@db.internal/x?sslmode=require&password=hunter2')).toBe('postgres://app@db.internal/x?sslmode=require&password=***');
    expect(parseConnectionUrl('postgres://app@db.internal/x?password=hunter2').password).toBe('hunter2');
    expect(maskUrl('postgres://app:hunter2@[bad/x')).toBe('postgres://app:***@[bad/x');
  });

  it('points a URL at another database on the same server', () => {
    expect(withDatabase(connectionUrl(info), 'other')).toBe('postgres://postgres:s3cr%2Ft%40@127.0.0.1:5433/other');
  });
});
