import type { JsonValue } from './define-scenario.ts';

export type ValuePath = (string | number)[];

/** Every string inside a body with where it sits, e.g. `["user", "email"]`: the templates to check. */
export function bodyStrings(body: JsonValue, at: ValuePath = []): { path: ValuePath; text: string }[] {
  if (typeof body === 'string') return [{ path: at, text: body }];
  if (Array.isArray(body)) return body.flatMap((item, index) => bodyStrings(item, [...at, index]));
  if (body !== null && typeof body === 'object') return Object.entries(body).flatMap(([key, item]) => bodyStrings(item, [...at, key]));
  return [];
}

/** The same body with every string replaced by `map(string)`: filled text, or code for the k6 script. */
export function mapBodyStrings<T>(body: JsonValue, map: (text: string) => T): unknown {
  if (typeof body === 'string') return map(body);
  if (Array.isArray(body)) return body.map((item) => mapBodyStrings(item, map));
  if (body !== null && typeof body === 'object') return Object.fromEntries(Object.entries(body).map(([key, item]) => [key, mapBodyStrings(item, map)]));
  return body;
}

/** A form body is one flat object of text, numbers and booleans. */
export function isFormBody(body: JsonValue): body is Record<string, string | number | boolean> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return false;
  return Object.values(body).every((value) => ['string', 'number', 'boolean'].includes(typeof value));
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'number') return String(value);
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'bigint') return 'a bigint';
  if (typeof value === 'symbol') return 'a symbol';
  return `a ${(value as object).constructor?.name ?? 'non-plain object'}`;
}

/**
 * Values a JSON body cannot hold (undefined, NaN, functions, dates, class
 * instances…), each with where it sits and what it is, so validation names it.
 */
export function nonJsonValues(value: unknown, at: ValuePath = []): { path: ValuePath; got: string }[] {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return [];
  if (typeof value === 'number') return Number.isFinite(value) ? [] : [{ path: at, got: describeValue(value) }];
  if (Array.isArray(value)) return value.flatMap((item, index) => nonJsonValues(item, [...at, index]));
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.entries(value).flatMap(([key, item]) => nonJsonValues(item, [...at, key]));
  }
  return [{ path: at, got: describeValue(value) }];
}
