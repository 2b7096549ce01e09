import { describe, expect, it } from 'vitest';
import {
  ANY_ELEMENT,
  captureMissingName,
  extractCapture,
  parseCaptureSource,
  parseJsonPath,
  valueAtPath,
  type CaptureResponse,
} from '../../src/scenario/capture.ts';
import { page, type Journey } from '../../src/scenario/define-scenario.ts';
import { steady } from '../../src/scenario/load-shapes.ts';
import { mapBodyStrings, nonJsonValues } from '../../src/scenario/request-body.ts';
import { stepHeaders } from '../../src/scenario/request-headers.ts';
import { fillTemplate } from '../../src/scenario/template.ts';

function response(body: string, headers: Record<string, string> = {}, cookies: Record<string, string> = {}): CaptureResponse {
  return {
    body,
    header: (name) => Object.entries(headers).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1],
    cookie: (name) => cookies[name],
  };
}

describe('capture paths', () => {
  it('reads keys, indexes and [*]', () => {
    expect(parseJsonPath('user.token')).toEqual(['user', 'token']);
    expect(parseJsonPath('articles[*].slug')).toEqual(['articles', ANY_ELEMENT, 'slug']);
    expect(parseJsonPath('data.items[2].id')).toEqual(['data', 'items', 2, 'id']);
    expect(parseJsonPath('[0][1]')).toEqual([0, 1]);
    expect(parseJsonPath('user-name.first_name')).toEqual(['user-name', 'first_name']);
  });

  it.each(['', 'a..b', '.a', 'a.', 'a[x]', 'a[0]b', 'a.[0]', 'a[*'])('refuses the malformed path %j', (text) => {
    expect(() => parseJsonPath(text)).toThrow(/expected a path/);
  });

  it('takes a value at a path, one element at random for [*]', () => {
    const body = { articles: [{ slug: 'a' }, { slug: 'b' }, { slug: 'c' }], user: { id: 7 } };
    expect(valueAtPath(body, ['articles', ANY_ELEMENT, 'slug'], () => 0)).toBe('a');
    expect(valueAtPath(body, ['articles', ANY_ELEMENT, 'slug'], () => 0.99)).toBe('c');
    expect(valueAtPath(body, ['articles', 1, 'slug'])).toBe('b');
    expect(valueAtPath(body, ['user', 'id'])).toBe(7);
    expect(valueAtPath(body, ['articles', 'slug'])).toBeUndefined();
    expect(valueAtPath(body, ['user', 0])).toBeUndefined();
    expect(valueAtPath(body, ['missing', 'deeper'])).toBeUndefined();
  });
});

describe('capture sources', () => {
  it('parses the four kinds', () => {
    expect(parseCaptureSource('json:user.token')).toEqual({ kind: 'json', path: ['user', 'token'] });
    expect(parseCaptureSource('header:X-CSRF-Token')).toEqual({ kind: 'header', name: 'X-CSRF-Token' });
    expect(parseCaptureSource('cookie:csrftoken')).toEqual({ kind: 'cookie', name: 'csrftoken' });
    expect(parseCaptureSource('regex:name="csrf" value="([^"]+)"')).toEqual({ kind: 'regex', pattern: 'name="csrf" value="([^"]+)"' });
  });

  it('says what it expected', () => {
    expect(() => parseCaptureSource('jsn:user.token')).toThrow('expected json:<path>, header:<name>, cookie:<name> or regex:<pattern with one group>, got "jsn:user.token"');
    expect(() => parseCaptureSource('user.token')).toThrow('expected json:<path>');
    expect(() => parseCaptureSource('regex:token=\\w+')).toThrow('expected a pattern with exactly one group (…) holding the value, got 0');
    expect(() => parseCaptureSource('regex:(a)(b)')).toThrow('got 2');
    expect(() => parseCaptureSource('regex:(?:a)(b)')).not.toThrow();
    expect(() => parseCaptureSource('regex:([a-')).toThrow('expected a regular expression after "regex:"');
    expect(() => parseCaptureSource('header:X Token')).toThrow('expected a header name after "header:", got "X Token"');
  });

  it('takes text from JSON, headers, cookies and a pattern', () => {
    const login = response(JSON.stringify({ user: { token: 'abc.def', id: 42, roles: ['a'] } }), { 'X-Csrf-Token': 'c1' }, { session: 's1' });
    expect(extractCapture(parseCaptureSource('json:user.token'), login)).toBe('abc.def');
    expect(extractCapture(parseCaptureSource('json:user.id'), login)).toBe('42');
    expect(extractCapture(parseCaptureSource('json:user.roles'), login)).toBe('["a"]');
    expect(extractCapture(parseCaptureSource('header:x-csrf-token'), login)).toBe('c1');
    expect(extractCapture(parseCaptureSource('cookie:session'), login)).toBe('s1');
    expect(extractCapture(parseCaptureSource('regex:"token":"([^"]+)"'), login)).toBe('abc.def');
  });

  it('finds nothing in an empty value, a missing key, an empty list or a body that is not JSON', () => {
    const source = parseCaptureSource('json:articles[*].slug');
    expect(extractCapture(source, response('{"articles":[]}'))).toBeUndefined();
    expect(extractCapture(source, response('{"articles":[{"slug":""}]}'))).toBeUndefined();
    expect(extractCapture(source, response('<html>sign in</html>'))).toBeUndefined();
    expect(extractCapture(parseCaptureSource('json:user.token'), response('{"user":{"token":null}}'))).toBeUndefined();
    expect(extractCapture(parseCaptureSource('header:x-token'), response('{}'))).toBeUndefined();
  });

  it('names the failed check after the page, the capture and its source', () => {
    expect(captureMissingName('Login', { name: 'token', text: 'json:user.token' })).toBe('Login: capture token: json:user.token not found');
  });
});

describe('templates in paths, bodies and headers', () => {
  const values = { email: 'jane@example.com', slug: 'how to/train', token: 'eyJ.x.y' };

  it('fills from the row and the captures, escaping for URLs when asked', () => {
    expect(fillTemplate('/api/articles/{slug}/comments', values, true)).toBe('/api/articles/how%20to%2Ftrain/comments');
    expect(fillTemplate('Token {token}', values, false)).toBe('Token eyJ.x.y');
    expect(() => fillTemplate('{nope}', values, false)).toThrow('no value for {nope}');
  });

  it('fills every string of a nested body and keeps other values as they are', () => {
    const body = { user: { email: '{email}', tags: ['{slug}', 'x'], age: 3, admin: false, note: null } };
    expect(mapBodyStrings(body, (text) => fillTemplate(text, values, false))).toEqual({
      user: { email: 'jane@example.com', tags: ['how to/train', 'x'], age: 3, admin: false, note: null },
    });
  });

  it('names what a JSON body cannot hold and where', () => {
    expect(nonJsonValues({ a: [1, { when: new Date(0) }], b: undefined, c: Number.NaN, d: 'ok' })).toEqual([
      { path: ['a', 1, 'when'], got: 'a Date' },
      { path: ['b'], got: 'undefined' },
      { path: ['c'], got: 'NaN' },
    ]);
  });
});

describe('the headers a step sends', () => {
  const journey: Journey = {
    data: 'readers',
    load: steady({ rate: 1, duration: '10s' }),
    headers: { Accept: 'application/json', Authorization: 'Token {token}' },
    steps: [
      page('Login', { method: 'POST', path: '/login', body: { user: { email: '{email}' } }, capture: { token: 'json:user.token' } }),
      page('Feed', { path: '/feed' }),
      page('Legacy', { method: 'POST', path: '/old', body: { a: '1' }, bodyType: 'form', headers: { accept: 'text/html', 'Content-Type': 'text/plain' } }),
    ],
  };

  it('sends a journey header that names a capture only once the capture exists', () => {
    expect(stepHeaders(journey, 0)).toEqual([
      ['content-type', 'application/json'],
      ['Accept', 'application/json'],
    ]);
    expect(stepHeaders(journey, 1)).toEqual([
      ['Accept', 'application/json'],
      ['Authorization', 'Token {token}'],
    ]);
  });

  it("lets a page's own header replace the journey's and the body's, whatever the case", () => {
    expect(stepHeaders(journey, 2)).toEqual([
      ['Content-Type', 'text/plain'],
      ['accept', 'text/html'],
      ['Authorization', 'Token {token}'],
    ]);
  });
});
