import { describe, expect, it } from 'vitest';
import { fingerprintQuery, isSingleStatement, normalizeQuery } from '../../src/collect/query-fingerprint.ts';

describe('query fingerprints', () => {
  it('are equal for the same query with other constants, parameters, whitespace, case and IN-list length', async () => {
    const texts = [
      'select * from bookings where parent_id = 42 and status in (1, 2, 3)',
      'SELECT *\n    FROM bookings\n   WHERE parent_id = $1 AND status IN ($2)',
      "select * from bookings where parent_id = 7 and status in (9) -- my bookings",
    ];
    const prints = await Promise.all(texts.map(fingerprintQuery));
    expect(new Set(prints.map((print) => print.fingerprint)).size).toBe(1);
    expect(prints[0]!.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    expect(prints[0]!.id).toBe(prints[0]!.fingerprint.slice(0, 8));
  });

  it('differ for different queries', async () => {
    const a = await fingerprintQuery('select * from bookings where parent_id = $1');
    const b = await fingerprintQuery('select * from bookings where teacher_id = $1');
    const c = await fingerprintQuery('select id from bookings where parent_id = $1');
    expect(new Set([a.fingerprint, b.fingerprint, c.fingerprint]).size).toBe(3);
  });

  it('fall back to a normalized-text hash for text the parser rejects, still ignoring constants', async () => {
    const a = await fingerprintQuery("select * from posts where title = 'a' and (");
    const b = await fingerprintQuery("SELECT *  FROM posts WHERE title = 'bb' AND (");
    expect(a.fingerprint).toMatch(/^f[0-9a-f]{15}$/);
    expect(a).toEqual(b);
  });
});

describe('normalized query text', () => {
  it('replaces constants with $n and collapses whitespace, so no typed value is kept', async () => {
    expect(await normalizeQuery("select *\n  from users where email = 'a@b.c' and password_hash = 'x9'")).toBe(
      'select * from users where email = $1 and password_hash = $2',
    );
  });

  it('masks constants by pattern in text the parser rejects (a truncated statement)', async () => {
    expect(await normalizeQuery("update users set token = 'secret', n = 12 where (")).toBe('update users set token = $?, n = $? where (');
  });

  it('tells a single statement from several', async () => {
    expect(await isSingleStatement('select 1')).toBe(true);
    expect(await isSingleStatement('select 1; drop table x')).toBe(false);
    expect(await isSingleStatement('not sql')).toBe(false);
  });
});
