import type { LoadShape } from './load-shapes.ts';

/**
 * Test data: SQL run against the seeded database before k6 starts. Each
 * virtual user takes its own row. `columns` names what the SQL returns, so
 * templates can be checked before anything runs.
 */
export interface Dataset<Column extends string = string> {
  sql: string;
  columns: readonly Column[];
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a request body may hold: any JSON value. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Values a page takes from its response for the later steps of the same
 * virtual user: `{ token: 'json:user.token' }`. Sources: `json:<path>` (dots,
 * `[n]`, `[*]` for one element at random), `header:<name>`, `cookie:<name>`,
 * `regex:<pattern with one group>`.
 */
export type Captures = Record<string, string>;

/** A check on the response body; `{name}` is filled from the user's row or an earlier capture. */
export interface BodyCheck {
  name: string;
  contains?: string;
  notContains?: string;
}

export interface PageStep {
  kind: 'page';
  /** The page's name: every request is tagged with it, budgets refer to it. */
  name: string;
  method: HttpMethod;
  /** Path template, e.g. `/evenings/{evening_id}/video` or `/api/articles/{slug}`. */
  path: string;
  /** Request body: any JSON value; every string inside is a template. A form body is one flat object. */
  body?: JsonValue;
  bodyType: 'json' | 'form';
  /** Request headers; values are templates, e.g. `{ Authorization: 'Token {token}' }`. */
  headers?: Record<string, string>;
  /** Values to take from the response for later steps, e.g. `{ slug: 'json:articles[*].slug' }`. */
  capture?: Captures;
  /** Statuses that count as success. */
  expect: number[];
  checks: BodyCheck[];
  /** Follow redirects (off by default, so a login's 303 is measured as such). */
  followRedirects: boolean;
}

export interface ThinkStep {
  kind: 'think';
  /** Seconds, or [min, max] for a uniform random pause. */
  seconds: number | [number, number];
}

export type Step = PageStep | ThinkStep;

export interface Journey {
  /** The dataset each virtual user takes its row from. */
  data: string;
  load: LoadShape;
  /**
   * Headers every page of the journey sends (a page's own headers win). One
   * that names a capture is sent from the step after that capture on, so
   * `{ Authorization: 'Token {token}' }` starts once the login captured the token.
   */
  headers?: Record<string, string>;
  steps: Step[];
}

export interface Budget {
  p95Ms?: number;
  p99Ms?: number;
  /** Fraction of failed requests, 0..1. */
  errorRate?: number;
}

export interface Scenario {
  name: string;
  description: string;
  data: Record<string, Dataset>;
  /** Parallel k6 scenarios, e.g. parents and teachers. */
  journeys: Record<string, Journey>;
  budgets?: {
    pages?: Record<string, Budget>;
    overall?: Budget;
  };
}

/**
 * Types a scenario file. rehearse validates it when it loads the file.
 *
 * @example
 * ```ts
 * import { dataset, defineScenario, page, spike, think } from 'rehearse';
 *
 * export default defineScenario({
 *   name: 'posts-burst',
 *   description: 'Parents open the posts feed after a push notification.',
 *   data: { parents: dataset(`select email, 'pw' as password from parents limit 100`, ['email', 'password']) },
 *   journeys: {
 *     parents: {
 *       data: 'parents',
 *       load: spike({ from: 1, peak: 50, rampUp: '20s', hold: '1m', rampDown: '10s' }),
 *       steps: [page('Login', { method: 'POST', path: '/login', body: { email: '{email}', password: '{password}' }, expect: 303 }), think(1), page('Posts', { path: '/posts' })],
 *     },
 *   },
 *   budgets: { pages: { Posts: { p95Ms: 300 } } },
 * });
 * ```
 */
export function defineScenario(scenario: Scenario): Scenario {
  return scenario;
}

export function dataset<Column extends string>(sql: string, columns: readonly Column[]): Dataset<Column> {
  return { sql, columns };
}

export interface PageOptions {
  method?: HttpMethod;
  path: string;
  body?: JsonValue;
  bodyType?: 'json' | 'form';
  headers?: Record<string, string>;
  capture?: Captures;
  expect?: number | number[];
  checks?: BodyCheck[];
  followRedirects?: boolean;
}

/**
 * A named page request; GET, expecting 200, unless told otherwise. Requests
 * are grouped by this name in every report, whatever their URL.
 *
 * @example
 * ```ts
 * page('Login', {
 *   method: 'POST',
 *   path: '/api/users/login',
 *   body: { user: { email: '{email}', password: '{password}' } },
 *   capture: { token: 'json:user.token' },
 * });
 * page('Article', { path: '/api/articles/{slug}', headers: { Authorization: 'Token {token}' } });
 * ```
 */
export function page(name: string, options: PageOptions): PageStep {
  const expect = options.expect ?? 200;
  const step: PageStep = {
    kind: 'page',
    name,
    method: options.method ?? 'GET',
    path: options.path,
    bodyType: options.bodyType ?? 'json',
    expect: Array.isArray(expect) ? expect : [expect],
    checks: options.checks ?? [],
    followRedirects: options.followRedirects ?? false,
  };
  if (options.body !== undefined) step.body = options.body;
  if (options.headers) step.headers = options.headers;
  if (options.capture) step.capture = options.capture;
  return step;
}

/** A pause between pages, as a person reads: seconds, or [min, max]. */
export function think(seconds: number | [number, number]): ThinkStep {
  return { kind: 'think', seconds };
}
