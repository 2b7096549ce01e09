import { captureMissingName, extractCapture, pageCaptures, type CaptureResponse } from '../scenario/capture.ts';
import type { Journey, PageStep } from '../scenario/define-scenario.ts';
import { mapBodyStrings } from '../scenario/request-body.ts';
import { stepHeaders } from '../scenario/request-headers.ts';
import { parseSetCookie } from '../scenario/set-cookie.ts';
import { fillTemplate, type TemplateValues } from '../scenario/template.ts';

export type DataRow = Record<string, string>;

/** The cookies a response sets, by name. */
function setCookies(response: Response): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const header of response.headers.getSetCookie()) {
    const cookie = parseSetCookie(header);
    if (cookie) cookies.set(...cookie);
  }
  return cookies;
}

/** One virtual user's cookies, kept the way k6's per-VU jar keeps them. */
export class CookieJar {
  private readonly cookies = new Map<string, string>();

  store(response: Response): void {
    for (const [name, value] of setCookies(response)) this.cookies.set(name, value);
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** One user of the probe, as one k6 virtual user: its data row, its cookies, what it captured so far. */
export class VirtualUser {
  readonly jar = new CookieJar();
  private readonly captured: Record<string, string> = {};

  constructor(readonly row: DataRow) {}

  /** What templates are filled from: the row and the captures. */
  values(): TemplateValues {
    return { ...this.row, ...this.captured };
  }

  capture(name: string, value: string): void {
    this.captured[name] = value;
  }
}

export interface PageResponse {
  status: number;
  /** Body bytes as the app sent them, after any content decoding. */
  bytes: number;
  /** The check names of captures that found nothing ("Login: capture token: json:user.token not found"). */
  missing: string[];
}

function requestBody(step: PageStep, values: TemplateValues): string | undefined {
  if (step.body === undefined) return undefined;
  const filled = mapBodyStrings(step.body, (text) => fillTemplate(text, values, false));
  if (step.bodyType === 'json') return JSON.stringify(filled);
  return new URLSearchParams(Object.entries(filled as Record<string, unknown>).map(([key, value]): [string, string] => [key, String(value)])).toString();
}

/**
 * Requests step `index` of a journey as `user`, the way the generated k6
 * script does: the same headers, body and cookies, and the same captures,
 * kept for the user's next steps.
 */
export async function requestPage(baseUrl: string, journey: Journey, index: number, user: VirtualUser): Promise<PageResponse> {
  const step = journey.steps[index];
  if (step?.kind !== 'page') throw new Error(`step ${index} of the journey is not a page`);
  const values = user.values();
  const headers: Record<string, string> = Object.fromEntries(stepHeaders(journey, index).map(([name, template]) => [name, fillTemplate(template, values, false)]));
  const cookie = user.jar.header();
  if (cookie) headers.cookie = cookie;
  const response = await fetch(`${baseUrl}${fillTemplate(step.path, values, true)}`, {
    method: step.method,
    headers,
    body: requestBody(step, values),
    redirect: step.followRedirects ? 'follow' : 'manual',
    signal: AbortSignal.timeout(60_000),
  });
  user.jar.store(response);
  const received = await response.arrayBuffer();
  const view: CaptureResponse = {
    body: new TextDecoder().decode(received),
    header: (name) => response.headers.get(name) ?? undefined,
    cookie: (name) => setCookies(response).get(name),
  };
  const missing: string[] = [];
  for (const capture of pageCaptures(step.capture)) {
    const value = extractCapture(capture.source, view);
    if (value === undefined) missing.push(captureMissingName(step.name, capture));
    else user.capture(capture.name, value);
  }
  return { status: response.status, bytes: received.byteLength, missing };
}

/**
 * Signs a user in the way the journey does: every page before the step at
 * `index`, without think times. Returns the user to request that step with.
 */
export async function replayUntil(baseUrl: string, journey: Journey, index: number, row: DataRow): Promise<VirtualUser> {
  const user = new VirtualUser(row);
  for (let earlier = 0; earlier < index; earlier++) {
    const step = journey.steps[earlier]!;
    if (step.kind !== 'page') continue;
    const { status, missing } = await requestPage(baseUrl, journey, earlier, user);
    if (!step.expect.includes(status)) throw new Error(`${step.name} answered ${status} (expected ${step.expect.join(' or ')})`);
    if (missing.length > 0) throw new Error(missing.join('; '));
  }
  return user;
}
