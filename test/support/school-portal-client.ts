import { SEEDED_PASSWORD } from '../../fixtures/school-portal/password.ts';

/** A signed-in browser, reduced to its session cookie. */
export interface PortalSession {
  readonly cookie: string;
  /** GET as this user; `json` asks for the page as JSON. */
  get(path: string, options?: { json?: boolean }): Promise<Response>;
}

export async function logIn(baseUrl: string, email: string, password = SEEDED_PASSWORD): Promise<PortalSession> {
  const response = await fetch(`${baseUrl}/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password }).toString(),
  });
  if (response.status !== 200) throw new Error(`login as ${email} answered ${response.status}: ${await response.text()}`);
  const cookie = (response.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return sessionFromCookie(baseUrl, cookie);
}

export function sessionFromCookie(baseUrl: string, cookie: string): PortalSession {
  return {
    cookie,
    get: (path, options = {}) =>
      fetch(`${baseUrl}${path}`, { headers: { cookie, ...(options.json ? { accept: 'application/json' } : {}) } }),
  };
}

/** The body of a 200 JSON page; anything else fails with what the app said. */
export async function jsonPage<T>(response: Response): Promise<T> {
  if (response.status !== 200) throw new Error(`expected 200, got ${response.status}: ${await response.text()}`);
  return (await response.json()) as T;
}
