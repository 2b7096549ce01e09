import { describe, expect, it } from 'vitest';
import { RedactingLines, redactText } from '../../src/system/redact-secrets.ts';

describe('masking credentials in text', () => {
  it('masks URL passwords and password= values, saying what it found', () => {
    expect(redactText('listening; DATABASE_URL=postgres://app:hunter2@127.0.0.1:5432/run_1')).toEqual({
      text: 'listening; DATABASE_URL=postgres://app:***@127.0.0.1:5432/run_1',
      reasons: ['a URL with a password'],
    });
    expect(redactText('dsn: host=db password=hunter2 sslmode=require').text).toBe('dsn: host=db password=*** sslmode=require');
    expect(redactText('postgres://app@db/x?sslpassword=k3y&password=hunter2').text).toBe('postgres://app@db/x?sslpassword=***&password=***');
    expect(redactText('where password=$1').reasons).toEqual([]);
  });

  it('masks a short known password only where a secret stands', () => {
    const known = ['2026'];
    expect(redactText('run 20261126-040000-spike-2026 complete', known).text).toBe('run 20261126-040000-spike-2026 complete');
    expect(redactText('config { password: "2026", user: "app" }', known).text).toBe('config { password: "***", user: "app" }');
    expect(redactText('2026', known).text).toBe('***');
  });

  it('masks a long known password anywhere', () => {
    const secret = '5f0c9e1d2b3a49887766554433221100';
    expect(redactText(`pool ready (auth ${secret}x)`, [secret]).text).toBe('pool ready (auth ***x)');
  });

  it('finds a secret split across chunks of a process output, line by line', () => {
    const lines = new RedactingLines(() => []);
    expect(lines.push('connecting to postgres://app:hun')).toBe('');
    expect(lines.pending()).toBe('connecting to postgres://app:hun');
    expect(lines.push('ter2@db/x\nready\npartial')).toBe('connecting to postgres://app:***@db/x\nready\n');
    expect(lines.flush()).toBe('partial');
  });
});
