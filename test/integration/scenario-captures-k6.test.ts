import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateK6, type K6Binary } from '../../src/k6/locate-k6.ts';
import { runK6 } from '../../src/k6/run-k6.ts';
import { replayUntil, requestPage } from '../../src/run/journey-replay.ts';
import { writeScript } from '../../src/scenario/build-script.ts';
import { REPO_ROOT } from '../support/cli.ts';
import scenario from '../support/capture-sources-scenario.ts';
import { readK6Points } from '../support/k6-json-output.ts';

const SCENARIO_FILE = path.join(REPO_ROOT, 'test/support/capture-sources-scenario.ts');

/**
 * A loopback app that hands each visit its own header token, cookie, form
 * nonce and user id, and accepts the submit only when all four come back
 * where they belong: so a passing check proves every capture kind works.
 */
function captureServer() {
  const visits = new Map<string, { token: string; cookie: string; nonce: string }>();
  const outcomes = { accepted: 0, refused: [] as string[] };
  let next = 0;
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = request.url ?? '';
      if (url === '/form') {
        next += 1;
        const visit = { token: `token-${next}-abcdef`, cookie: `cookie-${next}-abcdef`, nonce: `nonce-${next}-abcdef` };
        visits.set(visit.token, visit);
        response.writeHead(200, { 'content-type': 'text/html', 'x-request-token': visit.token, 'set-cookie': `csrftoken=${visit.cookie}; Path=/` });
        response.end(`<form><input type="hidden" name="nonce" value="${visit.nonce}"></form>`);
        return;
      }
      if (url === '/profile') {
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ users: [{ id: 4242 }, { id: 4242 }] }));
        return;
      }
      const visit = visits.get(String(request.headers['x-request-token']));
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null') as { form?: { nonce?: string; by?: string[]; count?: number } } | null;
      const problems = [
        url === '/users/4242/submit' ? '' : `path ${url}`,
        visit ? '' : 'unknown X-Request-Token',
        visit && request.headers['x-csrftoken'] === visit.cookie ? '' : 'X-CSRFToken is not the cookie',
        visit && (request.headers.cookie ?? '').includes(`csrftoken=${visit.cookie}`) ? '' : 'cookie not sent back',
        visit && body?.form?.nonce === visit.nonce ? '' : 'nonce not sent back',
        /^visitor-\d+$/.test(body?.form?.by?.[0] ?? '') && body?.form?.count === 1 ? '' : 'body not as written',
      ].filter(Boolean);
      if (problems.length === 0) outcomes.accepted += 1;
      else outcomes.refused.push(problems.join(', '));
      response.writeHead(problems.length === 0 ? 200 : 400, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: problems.length === 0, problems }));
    });
  });
  return { server, outcomes };
}

describe('every capture source, in the k6 script and in the probe, against a loopback app', () => {
  let k6: K6Binary;
  let dir: string;
  let baseUrl: string;
  const { server, outcomes } = captureServer();

  beforeAll(async () => {
    k6 = await locateK6();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-captures-'));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('k6 takes a header, a cookie, a hidden field and a JSON id, and sends each back where the scenario says', async () => {
    const built = await writeScript(scenario, SCENARIO_FILE, { root: REPO_ROOT, out: path.join(dir, 'capture-sources.js') });
    await mkdir(built.dataDir, { recursive: true });
    await writeFile(path.join(built.dataDir, 'visitors.json'), JSON.stringify(Array.from({ length: 10 }, (_, n) => ({ visitor: `visitor-${n + 1}` }))));
    const raw = path.join(dir, 'points.json');
    const result = await runK6(k6, { script: built.script, args: ['--quiet', '--out', `json=${raw}`], env: { BASE_URL: baseUrl } });
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);

    const checks = await readK6Points(raw, ['checks']);
    expect(checks.filter((point) => point.value === 0).map((point) => point.tags.check)).toEqual([]);
    const names = new Set(checks.map((point) => point.tags.check));
    for (const name of ['Form: capture request_token', 'Form: capture csrftoken', 'Form: capture nonce', 'Profile: capture user_id', 'Submit: accepted']) {
      expect(names, name).toContain(name);
    }
    expect(outcomes.refused).toEqual([]);
    expect(outcomes.accepted).toBeGreaterThan(1);
  });

  it('the probe replays the same captures with Node', async () => {
    const before = outcomes.accepted;
    const journey = scenario.journeys.visitors!;
    const submit = journey.steps.findIndex((step) => step.kind === 'page' && step.name === 'Submit');
    const user = await replayUntil(baseUrl, journey, submit, { visitor: 'visitor-1' });
    const answer = await requestPage(baseUrl, journey, submit, user);
    expect(answer).toMatchObject({ status: 200, missing: [] });
    expect(outcomes.refused).toEqual([]);
    expect(outcomes.accepted).toBe(before + 1);
  });

  it('the probe says which capture found nothing', async () => {
    const journey = { ...scenario.journeys.visitors!, steps: scenario.journeys.visitors!.steps.map((step) => (step.kind === 'page' && step.name === 'Profile' ? { ...step, capture: { user_id: 'json:people[*].id' } } : step)) };
    await expect(replayUntil(baseUrl, journey, 2, { visitor: 'visitor-1' })).rejects.toThrow('Profile: capture user_id: json:people[*].id not found');
  });
});
