import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../../src/errors.ts';
import type { PageStep } from '../../src/scenario/define-scenario.ts';
import { parseHar, readHarFile, type Har, type HarEntry } from '../../src/scenario/har.ts';
import { importHar } from '../../src/scenario/import-har.ts';
import { REPO_ROOT } from '../support/cli.ts';

const HOST = 'http://127.0.0.1:3000';
const START = Date.parse('2026-11-30T10:00:00Z');

interface EntryOptions {
  method?: string;
  /** Milliseconds after the recording started. */
  at: number;
  time?: number;
  status?: number;
  type?: string;
  headers?: Record<string, string>;
  body?: { mimeType: string; text: string };
  json?: unknown;
  html?: string;
  mimeType?: string;
  responseHeaders?: Record<string, string>;
  cookies?: Record<string, string>;
}

/** One HAR entry as a browser writes it, with only what the test cares about spelled out. */
function entry(url: string, options: EntryOptions): HarEntry {
  const pairs = (record: Record<string, string> = {}) => Object.entries(record).map(([name, value]) => ({ name, value }));
  const text = options.json !== undefined ? JSON.stringify(options.json) : (options.html ?? '');
  const mimeType = options.mimeType ?? (options.json !== undefined ? 'application/json; charset=utf-8' : 'text/html; charset=utf-8');
  return {
    startedDateTime: new Date(START + options.at).toISOString(),
    time: options.time ?? 20,
    request: {
      method: options.method ?? 'GET',
      url: url.startsWith('http') ? url : `${HOST}${url}`,
      headers: pairs({ Host: '127.0.0.1:3000', 'User-Agent': 'Mozilla/5.0', 'Accept-Encoding': 'gzip', 'sec-ch-ua': '"Chromium"', ...options.headers }),
      ...(options.body ? { postData: options.body } : {}),
    },
    response: { status: options.status ?? 200, headers: pairs(options.responseHeaders), cookies: pairs(options.cookies), content: { mimeType, text } },
    ...(options.type ? { _resourceType: options.type } : {}),
  };
}

const har = (...entries: HarEntry[]): Har => ({ log: { creator: { name: 'WebInspector' }, entries } });
const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLXNpZ25lZA';
const json = (value: unknown) => ({ mimeType: 'application/json', text: JSON.stringify(value) });

/** A Conduit session: the page, its files, a login, a list, an article from it, its comments, a call elsewhere. */
function conduitSession(): Har {
  const auth = { accept: 'application/json', authorization: `Token ${TOKEN}` };
  return har(
    entry('/', { at: 0, type: 'document' }),
    entry('/app.js', { at: 30, type: 'script', mimeType: 'text/javascript' }),
    entry('/style.css', { at: 31, mimeType: 'text/css' }),
    entry('/favicon.ico', { at: 40, status: 404, mimeType: 'text/plain' }),
    entry('/api/users/login', {
      at: 2_500,
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json', Origin: HOST, 'Content-Length': '60' },
      body: json({ user: { email: 'jane@example.com', password: 'secret-pass' } }),
      json: { user: { email: 'jane@example.com', token: TOKEN, username: 'jane-doe' } },
    }),
    entry('/api/articles?limit=2', {
      at: 2_600,
      headers: auth,
      json: { articles: [{ slug: 'first-article-0001', author: { username: 'bob-smith' } }, { slug: 'second-article-0002', author: { username: 'ann-lee' } }], articlesCount: 2 },
    }),
    entry('http://analytics.example:8080/collect', { at: 2_700, method: 'POST', body: json({ event: 'list' }) }),
    entry('/api/articles/second-article-0002', { at: 4_200, headers: auth, json: { article: { slug: 'second-article-0002', id: 4711 } } }),
    entry('/api/articles/second-article-0002/comments', { at: 4_300, headers: auth, json: { comments: [] } }),
    entry('/api/articles/second-article-0002/comments', { at: 4_400, method: 'OPTIONS', status: 204 }),
  );
}

function pages(imported: ReturnType<typeof importHar>): PageStep[] {
  return imported.scenario.journeys.recording!.steps.filter((step): step is PageStep => step.kind === 'page');
}

describe('importing a recorded session', () => {
  it('keeps the pages of the recording host, named by method and path pattern', () => {
    const imported = importHar(conduitSession(), { source: 'recordings/conduit.har' });
    expect(pages(imported).map((step) => step.name)).toEqual([
      'GET /',
      'POST /api/users/login',
      'GET /api/articles',
      'GET /api/articles/{slug}',
      'GET /api/articles/{slug}/comments',
    ]);
    expect(imported.scenario.name).toBe('conduit');
    expect(imported.leftOut.map((item) => [item.reason, item.request])).toEqual([
      ['static file', 'GET /app.js'],
      ['static file', 'GET /style.css'],
      ['static file', 'GET /favicon.ico'],
      ['other host', 'POST analytics.example:8080/collect'],
      ['method', 'OPTIONS /api/articles/second-article-0002/comments'],
    ]);
  });

  it('turns the sign-in into a one-row dataset and values from earlier responses into captures', () => {
    const imported = importHar(conduitSession(), { source: 'conduit.har' });
    expect(imported.scenario.data.recording).toEqual({ sql: "select 'jane@example.com' as email, 'secret-pass' as password", columns: ['email', 'password'] });
    const [, login, list, article, comments] = pages(imported);
    expect(login!.body).toEqual({ user: { email: '{email}', password: '{password}' } });
    expect(login!.capture).toEqual({ token: 'json:user.token' });
    expect(list!.capture).toEqual({ slug: 'json:articles[*].slug' });
    // The article answers with the slug again, but the comments keep the slug the list gave.
    expect(article!.capture).toBeUndefined();
    expect(comments!.path).toBe('/api/articles/{slug}/comments');
    expect(imported.captures).toEqual([
      { name: 'token', source: 'json:user.token', page: 'POST /api/users/login' },
      { name: 'slug', source: 'json:articles[*].slug', page: 'GET /api/articles' },
    ]);
  });

  it('moves a header every page sends alike to the journey, from the step after its capture', () => {
    const imported = importHar(conduitSession(), { source: 'conduit.har' });
    const journey = imported.scenario.journeys.recording!;
    expect(journey.headers).toEqual({ authorization: 'Token {token}' });
    const [home, login, list] = pages(imported);
    expect(home!.headers).toBeUndefined();
    // The browser's own headers are left to k6; the app's Accept stays.
    expect(login!.headers).toEqual({ accept: 'application/json' });
    expect(list!.headers).toEqual({ accept: 'application/json' });
  });

  it('takes think times from the pauses of the recording', () => {
    const steps = importHar(conduitSession(), { source: 'conduit.har' }).scenario.journeys.recording!.steps;
    expect(steps.map((step) => (step.kind === 'think' ? `think ${step.seconds}` : step.name))).toEqual([
      'GET /',
      'think 2.5',
      'POST /api/users/login',
      'GET /api/articles',
      'think 1.6',
      'GET /api/articles/{slug}',
      'GET /api/articles/{slug}/comments',
    ]);
  });

  it('writes a file that reads like one written by hand', () => {
    const { text } = importHar(conduitSession(), { source: 'recordings/conduit.har' });
    expect(text).toContain("import { dataset, defineScenario, page, steady, think } from 'rehearse';");
    expect(text).toContain('// Imported by rehearse 0.1.0 from recordings/conduit.har: 5 of 10 requests kept.');
    expect(text).toContain('//   3 static file(s) (--keep-static to keep them): GET /app.js, GET /style.css, GET /favicon.ico');
    expect(text).toContain("recording: dataset(`select 'jane@example.com' as email, 'secret-pass' as password`, ['email', 'password']),");
    expect(text).toContain("      headers: { authorization: 'Token {token}' },");
    expect(text).toContain("        page('GET /api/articles/{slug}', { path: '/api/articles/{slug}', headers: { accept: 'application/json' } }),");
    expect(text).toContain('        think(2.5),');
    expect(text).toContain("          capture: { token: 'json:user.token' },");
  });

  it('leaves values it cannot trace as recorded, with a comment on the page', () => {
    const imported = importHar(
      har(
        entry('/api/users/login', { at: 0, method: 'POST', body: json({ username: 'jane', password: 'pw' }), json: { ok: true } }),
        entry('/api/orders/98765', { at: 100, headers: { Authorization: 'Bearer 0123456789abcdef0123' }, json: {} }),
      ),
      { source: 'shop.har' },
    );
    const [, orders] = pages(imported);
    expect(orders!.path).toBe('/api/orders/98765');
    expect(orders!.headers).toEqual({ Authorization: 'Bearer 0123456789abcdef0123' });
    expect(imported.literals).toEqual([
      '"98765" in the path looks generated, but no earlier response holds it: left as recorded',
      '"0123456789abcdef0123" in the Authorization header looks generated, but no earlier response holds it: left as recorded',
    ]);
    expect(imported.text).toContain('        // "98765" in the path looks generated, but no earlier response holds it: left as recorded\n');
  });

  it('captures a CSRF token from a hidden field and a cookie, and an id from a JSON number', () => {
    const imported = importHar(
      har(
        entry('/login', { at: 0, type: 'document', html: '<form><input type="hidden" name="csrf_token" value="c5rf-a1b2c3d4"></form>', cookies: { xsrf: 'cookie-x1y2z3' } }),
        entry('/login', {
          at: 1_000,
          method: 'POST',
          status: 303,
          body: { mimeType: 'application/x-www-form-urlencoded', text: 'email=jane%40example.com&password=pw&csrf_token=c5rf-a1b2c3d4' },
          headers: { 'X-XSRF-Token': 'cookie-x1y2z3' },
          html: '',
        }),
        entry('/api/orders', { at: 1_100, json: { orders: [{ id: 31337 }] } }),
        entry('/api/orders/31337', { at: 1_200, status: 304, json: {} }),
      ),
      { source: 'shop.har' },
    );
    const [form, login, orders, order] = pages(imported);
    expect(form!.capture).toEqual({ csrf_token: 'regex:name="csrf_token"[^>]*?value="([^"]*)"', xsrf: 'cookie:xsrf' });
    expect(login).toMatchObject({ bodyType: 'form', body: { email: '{email}', password: '{password}', csrf_token: '{csrf_token}' }, expect: [303], headers: { 'X-XSRF-Token': '{xsrf}' } });
    expect(orders!.capture).toEqual({ order_id: 'json:orders[*].id' });
    // A 304 answered the browser's cache; without its validators the app answers 200.
    expect(order).toMatchObject({ path: '/api/orders/{order_id}', expect: [200] });
  });

  it('leaves out what it cannot send, and says why', () => {
    const imported = importHar(
      har(
        entry('/', { at: 0, type: 'document' }),
        entry('/upload', { at: 10, method: 'POST', body: { mimeType: 'multipart/form-data; boundary=x', text: '--x--' } }),
        entry('/search?q={term}', { at: 20 }),
        entry('/gone', { at: 30, status: 0 }),
      ),
      { source: 'site.har' },
    );
    expect(imported.leftOut.map((item) => [item.reason, item.request, item.detail])).toEqual([
      ['body', 'POST /upload', 'a multipart/form-data; boundary=x body (rehearse sends JSON and form bodies)'],
      ['not sent', 'GET /gone', undefined],
      ['template-like', 'GET /search', '/search?q={term}'],
    ]);
    expect(imported.scenario.data.recording).toEqual({ sql: 'select 1 as visitor', columns: ['visitor'] });
  });

  it('keeps static files and other hosts when asked', () => {
    const imported = importHar(conduitSession(), { source: 'conduit.har', keepStaticFiles: true, hosts: ['analytics.example:8080'] });
    expect(pages(imported).map((step) => step.name)).toContain('GET /app.js');
    expect(imported.leftOut.map((item) => item.reason)).toEqual(['method']);
  });

  it('refuses a recording with nothing to import', () => {
    expect(() => importHar(har(entry('/app.js', { at: 0, type: 'script' })), { source: 'empty.har' })).toThrow(
      /^empty\.har: no request to import \(1 left out:\n {2}1 static file/,
    );
  });
});

describe('reading a HAR file', () => {
  it('names the file, the path and what was expected', () => {
    const broken = { log: { entries: [{ startedDateTime: 'yesterday', request: { method: 'GET' }, response: { status: 200 } }] } };
    let error: unknown;
    try {
      parseHar(broken, 'recordings/x.har');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ScenarioError);
    expect((error as ScenarioError).exitCode).toBe(2);
    expect((error as Error).message).toBe(
      [
        'recordings/x.har: log.entries[0].startedDateTime: expected an ISO 8601 date and time',
        'recordings/x.har: log.entries[0].request.url: required, expected string',
      ].join('\n'),
    );
  });

  it('refuses a file that is not JSON, or JSON that is not a HAR, naming it (exit 2)', async () => {
    await expect(readHarFile(path.join(REPO_ROOT, 'README.md'), 'README.md')).rejects.toThrow(/^README\.md: not JSON \(.*\); expected a HAR file as browsers export it$/);
    await expect(readHarFile(path.join(REPO_ROOT, 'package.json'), 'package.json')).rejects.toThrow('package.json: log: required, expected object');
    await expect(readHarFile(path.join(REPO_ROOT, 'nowhere.har'), 'nowhere.har')).rejects.toThrow('nowhere.har: file not found');
  });
});
