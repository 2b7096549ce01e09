import { ANY_ELEMENT, type JsonPathSegment } from './capture.ts';
import type { RecordedRequest } from './recorded-requests.ts';

/** A value an earlier response held, and the capture that takes it there in a rehearsal. */
export interface ResponseValue {
  value: string;
  /** The step whose response held it. */
  step: number;
  /** The capture source: `json:articles[*].slug`, `header:X-CSRF-Token`, `cookie:csrftoken`, `regex:…`. */
  source: string;
  /** What to call the capture, before making it unique: `slug`, `article_id`, `csrf_token`. */
  nameHint: string;
}

// Shorter text, or text with spaces, is too likely to turn up by chance (a status, a title).
const MIN_TEXT_LENGTH = 6;
const KEY_IN_PATH = /^[^.[\]]+$/;
const ID_KEY = /^id$|_id$|Id$|^ID$/;
// Headers every response has; a value in one of them is no session's own.
const ORDINARY_HEADERS = new Set([
  'date', 'content-type', 'content-length', 'content-encoding', 'connection', 'keep-alive', 'transfer-encoding', 'server',
  'vary', 'cache-control', 'expires', 'pragma', 'last-modified', 'age', 'set-cookie', 'strict-transport-security', 'via',
]);

function isDistinctiveText(value: string): boolean {
  return value.length >= MIN_TEXT_LENGTH && !/\s/.test(value);
}

/** `["articles", 3, "slug"]` → `articles[*].slug`: any element, so each virtual user takes its own. */
function pathText(path: readonly JsonPathSegment[]): string {
  return path.map((segment, index) => (typeof segment === 'number' ? ANY_ELEMENT : index === 0 ? segment : `.${segment}`)).join('');
}

/** `articles[*].slug` → `slug`; `articles[*].id` → `article_id`; `user.token` → `token`. */
function hintFor(path: readonly JsonPathSegment[]): string {
  const keys = path.filter((segment): segment is string => typeof segment === 'string');
  const last = keys.at(-1) ?? 'value';
  if (last.toLowerCase() !== 'id' || keys.length < 2) return last;
  return `${keys.at(-2)!.replace(/s$/, '')}_id`;
}

/** Every distinctive leaf of a JSON value with its path, in document order. */
function jsonLeaves(value: unknown, path: JsonPathSegment[] = []): { path: JsonPathSegment[]; value: string }[] {
  if (typeof value === 'string') return isDistinctiveText(value) ? [{ path, value }] : [];
  if (typeof value === 'number') {
    const key = path.at(-1);
    return Number.isInteger(value) && Math.abs(value) >= 10 && typeof key === 'string' && ID_KEY.test(key) ? [{ path, value: String(value) }] : [];
  }
  if (Array.isArray(value)) return value.flatMap((item, index) => jsonLeaves(item, [...path, index]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => (KEY_IN_PATH.test(key) ? jsonLeaves(item, [...path, key]) : []));
  }
  return [];
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Hidden form fields and meta tags of an HTML page (`<input type="hidden"
 * name="csrf" value="…">`, `<meta name="csrf-token" content="…">`): the
 * tokens a form sends back, each found by its name within its tag.
 */
function htmlValues(html: string): { source: string; value: string; nameHint: string }[] {
  const found: { source: string; value: string; nameHint: string }[] = [];
  for (const tag of html.match(/<(?:input|meta)\b[^>]*>/gi) ?? []) {
    const name = /\bname="([^"]+)"/i.exec(tag);
    const value = /\b(value|content)="([^"]*)"/i.exec(tag);
    if (!name || !value || !isDistinctiveText(value[2]!)) continue;
    const named = escapeRegExp(name[0]);
    const valued = `${value[1]}="([^"]*)"`;
    const pattern = name.index < value.index ? `${named}[^>]*?${valued}` : `${valued}[^>]*?${named}`;
    found.push({ source: `regex:${pattern}`, value: value[2]!, nameHint: name[1]! });
  }
  return found;
}

/** What one response offers to later requests, in the order a capture would prefer it. */
function valuesOf(step: number, request: RecordedRequest): ResponseValue[] {
  const { response } = request;
  const values: ResponseValue[] = [];
  if (/json/i.test(response.mimeType) || /^\s*[[{]/.test(response.text)) {
    for (const leaf of jsonLeaves(parsedJson(response.text))) {
      values.push({ value: leaf.value, step, source: `json:${pathText(leaf.path)}`, nameHint: hintFor(leaf.path) });
    }
  }
  if (/html/i.test(response.mimeType)) values.push(...htmlValues(response.text).map((found) => ({ ...found, step })));
  for (const [name, value] of response.headers) {
    if (!ORDINARY_HEADERS.has(name.toLowerCase()) && isDistinctiveText(value)) values.push({ value, step, source: `header:${name}`, nameHint: name });
  }
  for (const [name, value] of response.cookies) {
    if (isDistinctiveText(value)) values.push({ value, step, source: `cookie:${name}`, nameHint: name });
  }
  return values;
}

/**
 * The values earlier responses held, the most recent response first, so a
 * request is matched to the response it most likely took its value from.
 */
export class ResponseValues {
  private readonly byValue = new Map<string, ResponseValue>();

  /** Adds the response of step `step`; its values replace the same values from earlier responses. */
  add(step: number, request: RecordedRequest): void {
    const fresh = new Map<string, ResponseValue>();
    for (const found of valuesOf(step, request)) if (!fresh.has(found.value)) fresh.set(found.value, found);
    for (const [value, found] of fresh) this.byValue.set(value, found);
  }

  find(value: string): ResponseValue | undefined {
    return this.byValue.get(value);
  }
}
