import type { JsonValue } from './define-scenario.ts';
import type { RecordedRequest } from './recorded-requests.ts';
import { mapBodyStrings } from './request-body.ts';
import { ResponseValues } from './response-values.ts';
import { isReservedInScript } from './script-names.ts';

/** What became a capture: `token ← json:user.token of POST /api/users/login`. */
export interface ImportedCapture {
  name: string;
  source: string;
  page: string;
}

// Request headers the browser or the connection adds: k6 sends its own, or they would replay a stale state.
const DROPPED_HEADERS = new Set([
  'host', 'connection', 'content-length', 'content-type', 'accept-encoding', 'accept-language', 'user-agent', 'cookie', 'origin',
  'referer', 'pragma', 'cache-control', 'if-none-match', 'if-modified-since', 'upgrade-insecure-requests', 'dnt', 'priority',
  'te', 'keep-alive', 'purpose', 'x-client-data',
]);

function keepsHeader(name: string, value: string): boolean {
  const lower = name.toLowerCase();
  if (DROPPED_HEADERS.has(lower) || lower.startsWith('sec-') || lower.startsWith(':')) return false;
  // A browser's own Accept for a page or a file says nothing about the app.
  return lower !== 'accept' || !(value.startsWith('text/html') || value === '*/*');
}

export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** An id, a UUID, a hash, a token: text that differs per session or per row. */
function looksGenerated(text: string): boolean {
  return (
    /^\d{3,}$/.test(text) ||
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(text) ||
    /^[0-9a-f]{16,}$/i.test(text) ||
    /^[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}$/.test(text) ||
    (text.length >= 20 && /\d/.test(text) && /[A-Za-z]/.test(text) && /^[\w\-+/=]+$/.test(text))
  );
}

export const short = (text: string) => (text.length > 24 ? `${text.slice(0, 21)}…` : text);

/**
 * Turns values of the recording into `{name}` references as it walks the
 * requests in order: a credential becomes its dataset column, a value an
 * earlier response held becomes a capture of that response's step.
 */
export class Correlator {
  readonly values = new ResponseValues();
  /** By step: capture name → source. */
  readonly captures = new Map<number, Record<string, string>>();
  readonly imported: ImportedCapture[] = [];
  private readonly byValue = new Map<string, string>();
  private readonly names: Set<string>;

  constructor(
    private readonly credentials: ReadonlyMap<string, string>,
    private readonly pageNames: (step: number) => string,
  ) {
    this.names = new Set(credentials.values());
  }

  /** The name `value` is referred to by, or undefined when it is a literal. */
  reference(value: string): string | undefined {
    const column = this.credentials.get(value);
    if (column) return column;
    // One capture per value: a value used twice (an article, then its comments) is one pick,
    // even when a later response (the article itself) holds it again.
    const captured = this.byValue.get(value);
    if (captured) return captured;
    const found = this.values.find(value);
    if (!found) return undefined;
    const name = this.uniqueName(found.nameHint);
    this.byValue.set(value, name);
    this.captures.set(found.step, { ...this.captures.get(found.step), [name]: found.source });
    this.imported.push({ name, source: found.source, page: this.pageNames(found.step) });
    return name;
  }

  private uniqueName(hint: string): string {
    let base = hint.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'value';
    if (/^\d/.test(base)) base = `_${base}`;
    if (isReservedInScript(base)) base = `${base}_value`;
    let name = base;
    for (let n = 2; this.names.has(name); n++) name = `${base}_${n}`;
    this.names.add(name);
    return name;
  }
}

export interface TemplatedRequest {
  path: string;
  headers: [string, string][];
  body?: JsonValue;
  notes: string[];
}

function templatePath(url: URL, correlator: Correlator, notes: string[]): string {
  const segments = url.pathname.split('/').map((segment) => {
    const decoded = safeDecode(segment);
    const name = decoded === '' ? undefined : correlator.reference(decoded);
    if (name) return `{${name}}`;
    if (looksGenerated(decoded)) notes.push(`"${short(decoded)}" in the path looks generated, but no earlier response holds it: left as recorded`);
    return segment;
  });
  const query = url.search
    .slice(1)
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair;
      const name = correlator.reference(safeDecode(pair.slice(eq + 1).replace(/\+/g, ' ')));
      return name ? `${pair.slice(0, eq)}={${name}}` : pair;
    });
  return `${segments.join('/')}${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

/** `Token eyJ…` → `Token {token}` when the token came from a response; the value as is otherwise. */
function templateHeader(name: string, value: string, correlator: Correlator, notes: string[]): string {
  const whole = correlator.reference(value);
  if (whole) return `{${whole}}`;
  const scheme = /^(\S+)\s+(\S+)$/.exec(value);
  const credential = scheme ? correlator.reference(scheme[2]!) : undefined;
  if (scheme && credential) return `${scheme[1]} {${credential}}`;
  const token = scheme?.[2] ?? value;
  if (looksGenerated(token)) notes.push(`"${short(token)}" in the ${name} header looks generated, but no earlier response holds it: left as recorded`);
  return value;
}

export function templateRequest(request: RecordedRequest, correlator: Correlator): TemplatedRequest {
  const notes: string[] = [];
  const templated: TemplatedRequest = {
    path: templatePath(request.url, correlator, notes),
    headers: request.headers.filter(([name, value]) => keepsHeader(name, value)).map(([name, value]) => [name, templateHeader(name, value, correlator, notes)]),
    notes,
  };
  if (request.body) {
    templated.body = mapBodyStrings(request.body.value as JsonValue, (text) => {
      const name = correlator.reference(text);
      if (!name && looksGenerated(text)) notes.push(`"${short(text)}" in the body looks generated, but no earlier response holds it: left as recorded`);
      return name ? `{${name}}` : text;
    }) as JsonValue;
  }
  return templated;
}
