import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locateK6, type K6Binary } from '../../src/k6/locate-k6.ts';
import { runK6 } from '../../src/k6/run-k6.ts';
import { writeScript } from '../../src/scenario/build-script.ts';
import { pageNames } from '../../src/scenario/check-scenario.ts';
import type { Scenario } from '../../src/scenario/define-scenario.ts';
import { exportTestData } from '../../src/scenario/export-test-data.ts';
import { loadScenario } from '../../src/scenario/load-scenario.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { readK6Points } from '../support/k6-json-output.ts';
import { startPortalProcess, type PortalProcess } from '../support/school-portal-app.ts';
import { startPortalDatabaseServer, type PortalDatabaseServer } from '../support/school-portal-database.ts';

const SHIPPED = ['parents-evening-login-spike', 'posts-feed-burst', 'steady-browse', 'soak', 'breakpoint'];

describe('shipped scenarios, run by the real k6 against the school-portal app', () => {
  let k6: K6Binary;
  let server: PortalDatabaseServer;
  let portal: PortalProcess;
  let db: pg.Pool;
  let dir: string;

  beforeAll(async () => {
    k6 = await locateK6();
    server = await startPortalDatabaseServer();
    const database = await server.copy('scenarios');
    db = new pg.Pool({ connectionString: database.url, max: 2 });
    db.on('error', () => undefined);
    portal = await startPortalProcess({ databaseUrl: database.url });
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-scenario-run-'));
  });

  afterAll(async () => {
    await portal?.stop();
    await db?.end();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** Builds the scenario compressed to a few seconds at low rates, exports its data, runs k6. */
  async function rehearse(file: string, scenario: Scenario) {
    const out = path.join(dir, `${scenario.name}.js`);
    const built = await writeScript(scenario, file, { root: REPO_ROOT, out, durationSeconds: 4, rateScale: 0.25 });
    await exportTestData(db, scenario, built.dataDir);
    const raw = path.join(dir, `${scenario.name}.json`);
    const result = await runK6(k6, {
      script: built.script,
      args: ['--quiet', '--out', `json=${raw}`, '--system-tags', 'status,method,name,scenario,expected_response,check,vu'],
      env: { BASE_URL: portal.url },
    });
    return { result, points: await readK6Points(raw, ['http_req_duration', 'checks']) };
  }

  it.each(SHIPPED)('%s: every page requested and tagged, expected statuses, one data row per virtual user', async (name) => {
    const { scenario, file } = await loadScenario(`scenarios/${name}.ts`, REPO_ROOT);
    const { result, points } = await rehearse(file, scenario);
    expect(result.exitCode === 0 || result.thresholdsFailed).toBe(true);

    const requests = points.filter((point) => point.metric === 'http_req_duration');
    expect(new Set(requests.map((point) => point.tags.page))).toEqual(new Set(pageNames(scenario)));
    for (const point of requests) {
      expect(point.tags.name).toBe(point.tags.page);
      expect(point.tags.status).toBe('200');
    }

    // Status checks are counted from http_req_failed (see statusChecksFromFailures); what k6 still checks must pass.
    const checks = points.filter((point) => point.metric === 'checks');
    const failedChecks = checks.filter((point) => point.value === 0).map((point) => point.tags.check);
    expect(failedChecks, result.stdout.slice(-3000)).toEqual([]);

    // Each VU keeps one row, and no two VUs of a journey share one.
    const rowsByVu = new Map<string, Set<string>>();
    for (const point of requests) {
      const key = `${point.tags.scenario}:${point.tags.vu}`;
      rowsByVu.set(key, (rowsByVu.get(key) ?? new Set()).add(`${point.tags.scenario}:${point.tags.row}`));
    }
    expect(rowsByVu.size).toBeGreaterThan(1);
    for (const rows of rowsByVu.values()) expect(rows.size).toBe(1);
    const rows = [...rowsByVu.values()].map((set) => [...set][0]);
    expect(new Set(rows).size).toBe(rows.length);
  });

  it('reports an impossible budget (p95 < 0 ms) as failed thresholds', async () => {
    const { scenario, file } = await loadScenario('scenarios/posts-feed-burst.ts', REPO_ROOT);
    const impossible: Scenario = { ...scenario, budgets: { pages: { Posts: { p95Ms: 0 } } } };
    const { result } = await rehearse(file, impossible);
    expect(result.thresholdsFailed).toBe(true);
    expect(result.exitCode).toBe(99);
    expect(result.stderr + result.stdout).toMatch(/thresholds on metrics 'http_req_duration\{page:Posts\}' have been crossed/);
  });
});
