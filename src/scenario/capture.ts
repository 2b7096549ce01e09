import type { Journey } from './define-scenario.ts';

/**
 * One step of a JSON path: a key, an array index, or `ANY_ELEMENT` for one
 * element at random. A key never contains `[`, so `"[*]"` cannot be one.
 */
export type JsonPathSegment = string | number;
export const ANY_ELEMENT = '[*]';

/** Where a capture takes its value from, parsed from `json:…`, `header:…`, `cookie:…` or `regex:…`. */
export type CaptureSource =
  | { kind: 'json'; path: JsonPathSegment[] }
  | { kind: 'header'; name: string }
  | { kind: 'cookie'; name: string }
  | { kind: 'regex'; pattern: string };

/** A capture of a page, parsed: `{ name: 'token', text: 'json:user.token', source: … }`. */
export interface Capture {
  name: string;
  /** As written in the scenario, for messages. */
  text: string;
  source: CaptureSource;
}

export const CAPTURE_SYNTAX = 'json:<path>, header:<name>, cookie:<name> or regex:<pattern with one group>';

/** A capture source that cannot be read; the message says what was expected. */
export class CaptureSyntaxError extends Error {
  override name = 'CaptureSyntaxError';
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const COOKIE_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PATH_SEGMENT = /\.?([^.[\]]+)|\[(\d+|\*)\]/y;

/** `articles[*].slug` → `["articles", "[*]", "slug"]`; `items[0].id` → `["items", 0, "id"]`. */
export function parseJsonPath(text: string): JsonPathSegment[] {
  if (text === '') throw new CaptureSyntaxError('expected a path after "json:", e.g. json:user.token or json:articles[*].slug');
  const segments: JsonPathSegment[] = [];
  PATH_SEGMENT.lastIndex = 0;
  while (PATH_SEGMENT.lastIndex < text.length) {
    const start = PATH_SEGMENT.lastIndex;
    const match = PATH_SEGMENT.exec(text);
    // A dot belongs between segments: not first, not doubled, not last.
    if (!match || (match[1] !== undefined && (start === 0 ? text.startsWith('.') : !text.startsWith('.', start)))) {
      throw new CaptureSyntaxError(`expected a path of keys joined by "." with [n] or [*] after any of them, e.g. articles[*].slug; "${text}" is not one (at character ${start + 1})`);
    }
    if (match[1] !== undefined) segments.push(match[1]);
    else segments.push(match[2] === '*' ? ANY_ELEMENT : Number(match[2]));
  }
  return segments;
}

/** Groups a pattern captures, counted by matching it against nothing at all. */
function groupCount(pattern: RegExp): number {
  return new RegExp(`${pattern.source}|`).exec('')!.length - 1;
}

/** Parses a capture source; throws CaptureSyntaxError with what was expected. */
export function parseCaptureSource(text: string): CaptureSource {
  const colon = text.indexOf(':');
  const kind = colon < 0 ? '' : text.slice(0, colon);
  const rest = text.slice(colon + 1);
  switch (kind) {
    case 'json':
      return { kind, path: parseJsonPath(rest) };
    case 'header':
      if (!HEADER_NAME.test(rest)) throw new CaptureSyntaxError(`expected a header name after "header:", got "${rest}"`);
      return { kind, name: rest };
    case 'cookie':
      if (!COOKIE_NAME.test(rest)) throw new CaptureSyntaxError(`expected a cookie name after "cookie:", got "${rest}"`);
      return { kind, name: rest };
    case 'regex': {
      let pattern: RegExp;
      try {
        pattern = new RegExp(rest);
      } catch (error) {
        throw new CaptureSyntaxError(`expected a regular expression after "regex:": ${(error as Error).message}`);
      }
      const groups = groupCount(pattern);
      if (groups !== 1) throw new CaptureSyntaxError(`expected a pattern with exactly one group (…) holding the value, got ${groups}`);
      return { kind, pattern: rest };
    }
    default:
      throw new CaptureSyntaxError(`expected ${CAPTURE_SYNTAX}, got "${text}"`);
  }
}

/** The captures of a page, parsed (the scenario was validated, so they parse). */
export function pageCaptures(capture: Readonly<Record<string, string>> | undefined): Capture[] {
  return Object.entries(capture ?? {}).map(([name, text]) => ({ name, text, source: parseCaptureSource(text) }));
}

/** Names captured by the steps before `index`, in order. */
export function capturedBefore(journey: Journey, index: number): string[] {
  return journey.steps.slice(0, index).flatMap((step) => (step.kind === 'page' ? Object.keys(step.capture ?? {}) : []));
}

/** The check a capture records when it finds its value… */
export function captureCheckName(page: string, capture: Pick<Capture, 'name'>): string {
  return `${page}: capture ${capture.name}`;
}

/** …and the one it fails when it does not: "Login: capture token: json:user.token not found". */
export function captureMissingName(page: string, capture: Pick<Capture, 'name' | 'text'>): string {
  return `${captureCheckName(page, capture)}: ${capture.text} not found`;
}

/** The parts of a response a capture can read. */
export interface CaptureResponse {
  /** The body as text. */
  body: string;
  /** A header's value, whatever the case of its name. */
  header(name: string): string | undefined;
  /** A cookie the response set. */
  cookie(name: string): string | undefined;
}

/** The value at `path` in a parsed JSON value; `[*]` takes one element at random. */
export function valueAtPath(value: unknown, path: readonly JsonPathSegment[], random: () => number = Math.random): unknown {
  let current = value;
  for (const segment of path) {
    if (Array.isArray(current)) {
      if (segment === ANY_ELEMENT) current = current[Math.floor(random() * current.length)];
      else if (typeof segment === 'number') current = current[segment];
      else return undefined;
    } else if (current !== null && typeof current === 'object' && typeof segment === 'string' && segment !== ANY_ELEMENT) {
      current = (current as Record<string, unknown>)[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

function parsedJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Captured values are text: a JSON number or object is written as JSON. Nothing and empty text are "not found". */
function asText(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * What a capture takes from a response, as the generated k6 script takes it
 * (its helpers mirror this one; the probe uses this one); undefined when
 * there is nothing to take.
 */
export function extractCapture(source: CaptureSource, response: CaptureResponse, random: () => number = Math.random): string | undefined {
  switch (source.kind) {
    case 'json':
      return asText(valueAtPath(parsedJson(response.body), source.path, random));
    case 'header':
      return asText(response.header(source.name));
    case 'cookie':
      return asText(response.cookie(source.name));
    case 'regex':
      return asText(new RegExp(source.pattern).exec(response.body)?.[1]);
  }
}
