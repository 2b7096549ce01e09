import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { K6_VERSION } from '../../src/k6/k6-version.ts';
import { k6Version, locateK6, type K6Binary } from '../../src/k6/locate-k6.ts';
import { runK6 } from '../../src/k6/run-k6.ts';
import { InfrastructureError } from '../../src/errors.ts';

describe('the real k6 binary', () => {
  let k6: K6Binary;
  let server: http.Server;
  let baseUrl: string;
  let dir: string;
  const seen: string[] = [];

  beforeAll(async () => {
    k6 = await locateK6({ onProgress: (line) => console.log(line) });
    server = http.createServer((request, response) => {
      seen.push(`${request.method} ${request.url}`);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-k6-'));
  });

  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it(`is found or built (pinned ${K6_VERSION}) and reports its version`, async () => {
    expect(await k6Version(k6.path)).toMatch(/^k6 v\d+\.\d+\.\d+/);
  });

  it('runs a tiny script against a loopback server, which sees every request', async () => {
    seen.length = 0;
    const script = path.join(dir, 'tiny.js');
    await writeFile(
      script,
      `import http from 'k6/http';
export const options = { scenarios: { tiny: { executor: 'shared-iterations', vus: 3, iterations: 25, maxDuration: '30s' } } };
export default function () { http.get(__ENV.BASE_URL + '/ping?vu=' + __VU); }
`,
    );
    const result = await runK6(k6, { script, env: { BASE_URL: baseUrl } });
    expect(result.exitCode).toBe(0);
    expect(seen).toHaveLength(25);
    expect(seen.every((line) => line.startsWith('GET /ping?vu='))).toBe(true);
  });

  it('reports failed thresholds as a result (k6 exit 99), not an error', async () => {
    const script = path.join(dir, 'impossible.js');
    await writeFile(
      script,
      `import http from 'k6/http';
export const options = { iterations: 3, vus: 1, thresholds: { http_req_duration: ['p(95)<0'] } };
export default function () { http.get(__ENV.BASE_URL + '/slow'); }
`,
    );
    const result = await runK6(k6, { script, env: { BASE_URL: baseUrl } });
    expect(result.thresholdsFailed).toBe(true);
    expect(result.exitCode).toBe(99);
  });

  it('turns a broken script into an infrastructure error carrying k6 output', async () => {
    const script = path.join(dir, 'broken.js');
    await writeFile(script, 'export default function () { this is not javascript }\n');
    const error = await runK6(k6, { script }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).exitCode).toBe(3);
    expect((error as InfrastructureError).message).toContain('--- last output ---');
  });
});
