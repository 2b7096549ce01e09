import type { HttpMethod, JsonValue } from './define-scenario.ts';
import { responseText, type HarEntry } from './har.ts';
import { parseSetCookie } from './set-cookie.ts';

/** One request of the recording that becomes a page, with what came back. */
export interface RecordedRequest {
  method: HttpMethod;
  url: URL;
  /** Request headers as sent, names as the recording spells them. */
  headers: [string, string][];
  body?: { type: 'json'; value: JsonValue } | { type: 'form'; value: Record<string, string> };
  status: number;
  response: { text: string; mimeType: string; headers: [string, string][]; cookies: [string, string][] };
  /** Milliseconds since the epoch. */
  startedMs: number;
  endedMs: number;
}

/** Why a request of the recording is not in the scenario. */
export type LeftOutReason = 'static file' | 'other host' | 'not sent' | 'method' | 'body' | 'template-like';

export interface LeftOut {
  reason: LeftOutReason;
  /** `GET /app.js`, `GET localhost:8080/api/tags`. */
  request: string;
  /** What rehearse cannot send, for `body` and `method`. */
  detail?: string;
}

export interface SelectOptions {
  /** Hosts (host:port) kept besides the recording's own. */
  hosts?: readonly string[];
  /** Keep scripts, styles, images and fonts too. */
  keepStaticFiles?: boolean;
}

const METHODS = new Set<string>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const STATIC_RESOURCE_TYPES = new Set(['stylesheet', 'script', 'image', 'font', 'media', 'manifest', 'texttrack']);
const STATIC_EXTENSION = /\.(?:css|m?js|map|png|jpe?g|gif|svg|webp|avif|ico|bmp|woff2?|ttf|otf|eot|mp[34]|webm|ogg|wav)$/i;
const STATIC_MIME = /^(?:text\/css|(?:text|application)\/(?:x-)?javascript|image\/|font\/|audio\/|video\/|application\/(?:font|x-font)-)/i;

function isStaticFile(entry: HarEntry, url: URL): boolean {
  if (entry._resourceType && STATIC_RESOURCE_TYPES.has(entry._resourceType)) return true;
  if (STATIC_EXTENSION.test(url.pathname)) return true;
  return STATIC_MIME.test(entry.response.content.mimeType ?? '');
}

/**
 * The recording's own host: that of its first page (a document), else of
 * its first request. Everything else is a third party unless kept.
 */
function homeHost(entries: readonly { entry: HarEntry; url: URL }[]): string | undefined {
  const first = entries.find(({ entry }) => entry._resourceType === 'document' || /text\/html/i.test(entry.response.content.mimeType ?? '')) ?? entries[0];
  return first?.url.host;
}

function requestBody(entry: HarEntry): RecordedRequest['body'] | { unsupported: string } | undefined {
  const data = entry.request.postData;
  if (!data || (data.text === undefined && !data.params?.length)) return undefined;
  const mime = data.mimeType.toLowerCase();
  if (mime.includes('application/x-www-form-urlencoded')) {
    const params = data.params?.length ? data.params.map((p): [string, string] => [p.name, p.value ?? '']) : [...new URLSearchParams(data.text ?? '')];
    return { type: 'form', value: Object.fromEntries(params) };
  }
  if (mime.includes('json') || mime === '') {
    try {
      return { type: 'json', value: JSON.parse(data.text ?? '') as JsonValue };
    } catch {
      if (mime.includes('json')) return { unsupported: 'a JSON body that does not parse' };
    }
  }
  return { unsupported: `a ${mime || 'text'} body (rehearse sends JSON and form bodies)` };
}

const describe = (entry: HarEntry, url: URL, home: string | undefined) =>
  `${entry.request.method} ${url.host === home ? '' : url.host}${url.pathname}${url.search}`;

/**
 * The requests of a recording that make the journey, in the order they
 * started: the recording's own host (and `hosts`), answered, with a method
 * and a body rehearse can send; static files left out unless asked for.
 */
export function selectRequests(entries: readonly HarEntry[], options: SelectOptions = {}): { kept: RecordedRequest[]; leftOut: LeftOut[] } {
  const parsed = entries
    .flatMap((entry) => {
      const url = URL.canParse(entry.request.url) ? new URL(entry.request.url) : undefined;
      return url && (url.protocol === 'http:' || url.protocol === 'https:') ? [{ entry, url }] : [];
    })
    .sort((a, b) => Date.parse(a.entry.startedDateTime) - Date.parse(b.entry.startedDateTime));
  const home = homeHost(parsed);
  const hosts = new Set([home, ...(options.hosts ?? [])]);
  const kept: RecordedRequest[] = [];
  const leftOut: LeftOut[] = [];
  for (const { entry, url } of parsed) {
    const request = describe(entry, url, home);
    const method = entry.request.method.toUpperCase();
    if (!hosts.has(url.host)) leftOut.push({ reason: 'other host', request });
    else if (entry.response.status <= 0 || entry.response.status === 101) leftOut.push({ reason: 'not sent', request });
    else if (!options.keepStaticFiles && isStaticFile(entry, url)) leftOut.push({ reason: 'static file', request });
    else if (!METHODS.has(method)) leftOut.push({ reason: 'method', request, detail: method === 'OPTIONS' ? 'a CORS preflight, which k6 sends by itself when needed' : `rehearse sends ${[...METHODS].join(', ')}` });
    else {
      const body = requestBody(entry);
      if (body && 'unsupported' in body) leftOut.push({ reason: 'body', request, detail: body.unsupported });
      else kept.push(recorded(entry, url, method as HttpMethod, body));
    }
  }
  return { kept, leftOut };
}

function recorded(entry: HarEntry, url: URL, method: HttpMethod, body: RecordedRequest['body']): RecordedRequest {
  const startedMs = Date.parse(entry.startedDateTime);
  const headers = entry.response.headers.map((header): [string, string] => [header.name, header.value]);
  const request: RecordedRequest = {
    method,
    url,
    headers: entry.request.headers.map((header): [string, string] => [header.name, header.value]),
    status: entry.response.status,
    response: {
      text: responseText(entry),
      mimeType: entry.response.content.mimeType ?? '',
      headers,
      cookies: responseCookies(entry, headers),
    },
    startedMs,
    endedMs: startedMs + Math.max(0, entry.time ?? 0),
  };
  if (body) request.body = body;
  return request;
}

/** The cookies a response set: the HAR's list, else its Set-Cookie headers. */
function responseCookies(entry: HarEntry, headers: [string, string][]): [string, string][] {
  if (entry.response.cookies.length > 0) return entry.response.cookies.map((cookie): [string, string] => [cookie.name, cookie.value]);
  return headers
    .filter(([name]) => name.toLowerCase() === 'set-cookie')
    .flatMap(([, value]) => value.split('\n'))
    .flatMap((line) => {
      const cookie = parseSetCookie(line);
      return cookie ? [cookie] : [];
    });
}
