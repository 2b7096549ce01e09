import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../src/db/create-provider.ts';
import { withDatabase } from '../../src/db/connection-url.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';
import { locateK6, type K6Binary } from '../../src/k6/locate-k6.ts';
import { runK6 } from '../../src/k6/run-k6.ts';
import { startApp, type RunningApp } from '../../src/run/app-process.ts';
import { writeScript } from '../../src/scenario/build-script.ts';
import { pageNames } from '../../src/scenario/check-scenario.ts';
import type { PageStep, Scenario } from '../../src/scenario/define-scenario.ts';
import { exportTestData } from '../../src/scenario/export-test-data.ts';
import { readHarFile } from '../../src/scenario/har.ts';
import { importHar } from '../../src/scenario/import-har.ts';
import { loadModel } from '../../src/seed/load-model.ts';
import { seed } from '../../src/seed/seed.ts';
import readers from '../../fixtures/conduit/scenarios/readers.ts';
import { REPO_ROOT, runCli } from '../support/cli.ts';
import { readK6Points, type K6Point } from '../support/k6-json-output.ts';

const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];
const READER_SQL = `select u.email from users u
  where exists (select 1 from follows f join articles a on a.author_id = f.followee_id where f.follower_id = u.id)
  order by md5(u.email) limit 1`;

if (!existsSync(CHROMIUM)) console.warn(`SKIP recorded-session import tests: no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_BIN)`);

describe.skipIf(!existsSync(CHROMIUM))('a session recorded in Chromium against the Conduit app, imported and rehearsed', () => {
  let dir: string;
  let server: RunningDatabase;
  let db: pg.Pool;
  let app: RunningApp;
  let k6: K6Binary;

  beforeAll(async () => {
    k6 = await locateK6();
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-har-'));
    // As root the embedded server runs as "postgres", which must reach its data directory.
    await chmod(dir, 0o755);
    // The imported scenario imports from 'rehearse', as a user's project would.
    await mkdir(path.join(dir, 'node_modules'));
    await symlink(REPO_ROOT, path.join(dir, 'node_modules', 'rehearse'));
    server = await createProvider({ provider: 'embedded', settings: {} }).start();
    const model = await loadModel('fixtures/conduit/model.ts', REPO_ROOT);
    await seed({ database: server, model, scale: 0.005, seed: 7, targetDatabase: 'conduit' });
    const url = withDatabase(server.url, 'conduit');
    db = new pg.Pool({ connectionString: url, max: 2 });
    db.on('error', () => undefined);
    app = await startApp({
      command: 'node --import tsx fixtures/conduit/app/server.ts',
      cwd: REPO_ROOT,
      env: {},
      databaseUrl: url,
      healthPath: '/healthz',
      readyTimeoutSeconds: 30,
      logFile: path.join(dir, 'app.log'),
    });
  });

  afterAll(async () => {
    await app?.stop();
    await db?.end();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** A reader signs in, reads the lists, opens the first article; the browser writes a HAR. */
  async function recordSession(har: string): Promise<string> {
    const { rows } = await db.query<{ email: string }>(READER_SQL);
    const email = rows[0]!.email;
    const context = await chromium.launchPersistentContext(await mkdtemp(path.join(dir, 'chromium-')), {
      executablePath: CHROMIUM,
      args: CHROMIUM_FLAGS,
      recordHar: { path: har, content: 'embed' },
    });
    try {
      const tab = await context.newPage();
      await tab.goto(`${app.baseUrl}/`);
      await tab.fill('input[name=email]', email);
      await tab.fill('input[name=password]', 'conduit-reader');
      await tab.waitForTimeout(600);
      await tab.click('button[type=submit]');
      await tab.waitForSelector('#articles[data-loaded]');
      // Another host, as far as the recording goes: the importer leaves it out.
      await tab.evaluate((url) => fetch(url).catch(() => undefined), `${app.baseUrl.replace('127.0.0.1', 'localhost')}/api/tags`);
      await tab.waitForTimeout(600);
      await tab.click('#articles li:first-child a');
      await tab.waitForSelector('#article[data-loaded]');
    } finally {
      await context.close();
    }
    return email;
  }

  /** Runs a built script against the app with the scenario's test data; k6's points for the test to read. */
  async function runScript(scenario: Scenario, script: string, dataDir: string) {
    await exportTestData(db, scenario, dataDir);
    const raw = path.join(dir, `${scenario.name}.json`);
    const result = await runK6(k6, {
      script,
      args: ['--quiet', '--out', `json=${raw}`, '--system-tags', 'status,method,name,scenario,expected_response,check'],
      env: { BASE_URL: app.baseUrl, REHEARSE_DATA_DIR: dataDir },
    });
    return { result, points: await readK6Points(raw, ['http_req_duration', 'http_req_failed', 'checks']) };
  }

  const failedChecks = (points: K6Point[]) => points.filter((point) => point.metric === 'checks' && point.value === 0).map((point) => point.tags.check);

  it('imports into a scenario that builds and runs against the app with 0 % errors', async () => {
    const har = path.join(dir, 'conduit-session.har');
    const email = await recordSession(har);
    const file = path.join(dir, 'scenarios', 'conduit-session.ts');

    const imported = await runCli(['scenario', 'import', har, '--out', file], { cwd: dir });
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toContain('capture token ← json:user.token of POST /api/users/login');
    expect(imported.stdout).toContain('capture slug ← json:articles[*].slug of GET /api/articles');
    const text = await readFile(file, 'utf8');
    expect(text).toContain(`dataset(\`select '${email}' as email, 'conduit-reader' as password\`, ['email', 'password'])`);
    expect(text).toContain("headers: { authorization: 'Token {token}' },");
    expect(text).toMatch(/static file\(s\) \(--keep-static to keep them\): GET \/style\.css, GET \/app\.js/);
    expect(text).toMatch(/request\(s\) to another host .*: GET localhost:\d+\/api\/tags/);

    const script = path.join(dir, 'conduit-session.js');
    const built = await runCli(['scenario', 'build', file, '--out', script, '--duration', '5s'], { cwd: dir });
    expect(built.code, built.stderr).toBe(0);

    // The same import the command wrote, as a value: its datasets to export, its pages to expect.
    const { scenario } = importHar(await readHarFile(har), { source: 'conduit-session.har' });
    const names = pageNames(scenario);
    expect(names).toEqual(['GET /', 'POST /api/users/login', 'GET /api/articles/feed', 'GET /api/articles', 'GET /api/articles/{slug}', 'GET /api/articles/{slug}/comments']);
    const { result, points } = await runScript(scenario, script, path.join(dir, 'conduit-session.data'));
    expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
    const requests = points.filter((point) => point.metric === 'http_req_duration');
    expect(new Set(requests.map((point) => point.tags.page))).toEqual(new Set(names));
    const failed = points.filter((point) => point.metric === 'http_req_failed');
    expect(failed.length).toBe(requests.length);
    expect(failed.filter((point) => point.value !== 0)).toEqual([]);
    expect(failedChecks(points)).toEqual([]);
    expect(points.filter((point) => point.tags.check === 'GET /api/articles: capture slug').length).toBeGreaterThan(1);
  });

  it('a capture that finds nothing fails its named check, and the journey stops there', async () => {
    const journey = readers.journeys.readers!;
    const broken: Scenario = {
      ...readers,
      name: 'conduit-readers-broken-capture',
      budgets: {},
      journeys: {
        readers: {
          ...journey,
          steps: journey.steps.map((step) => (step.kind === 'page' && step.name === 'Articles' ? ({ ...step, capture: { slug: 'json:articles[*].nope' } } satisfies PageStep) : step)),
        },
      },
    };
    const built = await writeScript(broken, path.join(REPO_ROOT, 'fixtures/conduit/scenarios/readers.ts'), { root: REPO_ROOT, out: path.join(dir, 'broken.js'), durationSeconds: 4 });
    const { points } = await runScript(broken, built.script, built.dataDir);
    expect(new Set(failedChecks(points))).toEqual(new Set(['Articles: capture slug: json:articles[*].nope not found']));
    const requested = new Set(points.filter((point) => point.metric === 'http_req_duration').map((point) => point.tags.page));
    expect(requested).toEqual(new Set(['Login', 'Feed', 'Articles']));
  });
});
