import type { Journey, PageStep } from '../scenario/define-scenario.ts';
import { parseTemplate } from '../scenario/template.ts';

export type DataRow = Record<string, string>;

/** Fills a `{column}` template from a data row, as the generated k6 script does. */
export function fillTemplate(template: string, row: DataRow, encode: boolean): string {
  return parseTemplate(template)
    .map((part) => ('text' in part ? part.text : encode ? encodeURIComponent(row[part.column] ?? '') : (row[part.column] ?? '')))
    .join('');
}

/** One virtual user's cookies, kept the way k6's per-VU jar keeps them. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const header of response.headers.getSetCookie()) {
      const [pair = ''] = header.split(';');
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export interface PageResponse {
  status: number;
  /** Body bytes as the app sent them, after any content decoding. */
  bytes: number;
}

/** Requests one page of a journey for one row, with the user's cookies. */
export async function requestPage(baseUrl: string, step: PageStep, row: DataRow, jar: CookieJar): Promise<PageResponse> {
  const headers: Record<string, string> = {};
  const cookie = jar.header();
  if (cookie) headers.cookie = cookie;
  let body: string | undefined;
  if (step.body) {
    const fields = Object.fromEntries(Object.entries(step.body).map(([key, value]) => [key, typeof value === 'string' ? fillTemplate(value, row, false) : value]));
    if (step.bodyType === 'json') {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(fields);
    } else {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(Object.entries(fields).map(([key, value]): [string, string] => [key, String(value)])).toString();
    }
  }
  const response = await fetch(`${baseUrl}${fillTemplate(step.path, row, true)}`, {
    method: step.method,
    headers,
    body,
    redirect: step.followRedirects ? 'follow' : 'manual',
    signal: AbortSignal.timeout(60_000),
  });
  jar.store(response);
  const received = await response.arrayBuffer();
  return { status: response.status, bytes: received.byteLength };
}

/**
 * Signs a user in the way the journey does: every page before `pageName`,
 * without think times. Returns the jar to request `pageName` with.
 */
export async function replayUntil(baseUrl: string, journey: Journey, pageName: string, row: DataRow): Promise<CookieJar> {
  const jar = new CookieJar();
  for (const step of journey.steps) {
    if (step.kind !== 'page') continue;
    if (step.name === pageName) return jar;
    const { status } = await requestPage(baseUrl, step, row, jar);
    if (!step.expect.includes(status)) throw new Error(`${step.name} answered ${status} (expected ${step.expect.join(' or ')})`);
  }
  throw new Error(`page ${JSON.stringify(pageName)} is not in this journey`);
}
