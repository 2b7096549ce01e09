import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectExternalDatabase, databaseTarget, markExternalDatabase } from '../../src/collect/external-database.ts';
import { withDatabase } from '../../src/db/connection-url.ts';
import { StatementMarkError } from '../../src/errors.ts';
import { locateK6, type K6Binary } from '../../src/k6/locate-k6.ts';
import { collectRunnerOutputs } from '../../src/run/collect-runner-outputs.ts';
import { localK6Driver } from '../../src/run/load-driver.ts';
import { writeScript } from '../../src/scenario/build-script.ts';
import { exportTestData } from '../../src/scenario/export-test-data.ts';
import { loadScenario } from '../../src/scenario/load-scenario.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { startPortalProcess, type PortalProcess } from '../support/school-portal-app.ts';
import { startPortalDatabaseServer, withClient, type PortalDatabaseServer } from '../support/school-portal-database.ts';

/** 8 arrivals a second for 3 s of the posts feed: the app's statements are what the load made. */
const SCENARIO = `import { defineScenario, steady } from ${JSON.stringify(path.join(REPO_ROOT, 'src/index.ts'))};
import { parentsWithBookings } from ${JSON.stringify(path.join(REPO_ROOT, 'scenarios/school-portal-data.ts'))};
import { login, posts } from ${JSON.stringify(path.join(REPO_ROOT, 'scenarios/school-portal-pages.ts'))};

export default defineScenario({
  name: 'staging-db',
  description: 'runners rehearse did not start, against an app and database it did not start',
  data: { parents: parentsWithBookings },
  journeys: { parents: { data: 'parents', load: steady({ rate: 8, duration: '3s', maxVUs: 16 }), steps: [login, posts] } },
});
`;

/** A statement no one but this test runs, `times` times (named by its alias: pg_stat_statements replaces constants). */
const SENTINEL = 'select $1::int as only_this_test_asks';
async function runSentinel(url: string, times: number): Promise<void> {
  await withClient(url, async (client) => {
    for (let index = 0; index < times; index += 1) await client.query(SENTINEL, [index]);
  });
}

describe('rehearse collect reading the database of a run it did not drive', () => {
  let k6: K6Binary;
  let server: PortalDatabaseServer;
  let portal: PortalProcess;
  let databaseUrl: string;
  let dir: string;
  let scenarioFile: string;
  let script: string;

  beforeAll(async () => {
    k6 = await locateK6();
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-collect-db-'));
    server = await startPortalDatabaseServer();
    databaseUrl = (await server.copy('staging')).url;
    portal = await startPortalProcess({ databaseUrl, env: { POSTS_CACHE_TTL_MS: '0' } });
    scenarioFile = path.join(dir, 'staging-db.ts');
    await writeFile(scenarioFile, SCENARIO);
    const { scenario } = await loadScenario(scenarioFile);
    script = (await writeScript(scenario, scenarioFile, { root: dir, out: path.join(dir, 'staging-db.js') })).script;
    const db = new pg.Pool({ connectionString: databaseUrl, max: 1 });
    try {
      await exportTestData(db, scenario, path.join(dir, 'staging-db.data'));
    } finally {
      await db.end();
    }
  }, 120_000);

  afterAll(async () => {
    await portal?.stop();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function driveLoad(outputs: string): Promise<void> {
    await mkdir(outputs, { recursive: true });
    const driven = await localK6Driver(k6, { runners: 2 }).run(
      [{ name: 'load', script, rawFile: path.join(outputs, 'k6-samples.csv.gz'), env: { BASE_URL: portal.url } }],
      { signal: AbortSignal.timeout(60_000), onPhase: () => undefined },
    );
    expect(driven.failure).toBeUndefined();
  }

  it('records the statements between a mark taken before the load and the collect after it, and which collectors could not run', async () => {
    await runSentinel(databaseUrl, 3);
    const markFile = path.join(dir, 'before.json');
    const mark = await markExternalDatabase(databaseUrl, markFile);
    expect(mark.target).toBe(databaseTarget(databaseUrl));
    await driveLoad(path.join(dir, 'outputs'));
    await runSentinel(databaseUrl, 5);

    const { record } = await collectRunnerOutputs({ dir: path.join(dir, 'outputs'), scenarioFile, reportsDir: path.join(dir, 'reports'), database: { url: databaseUrl, since: markFile } });

    expect(record.status).toBe('complete');
    expect(record.context.collected).toMatchObject({ appAndDatabase: 'external', database: databaseTarget(databaseUrl) });
    expect(JSON.stringify(record)).not.toContain(new URL(databaseUrl).password);
    const version = await withClient(databaseUrl, async (client) => (await client.query<{ server_version: string }>('show server_version')).rows[0]!.server_version);
    expect(record.context.postgresVersion).toBe(version);
    const stages = Object.fromEntries(record.stages.map((stage) => [stage.name, stage]));
    expect(stages['collect statements']).toMatchObject({ status: 'ok', message: expect.stringContaining('not only the load') });
    for (const name of ['collect activity', 'collect app metrics', 'collect cpu']) expect(stages[name]).toMatchObject({ status: 'skipped', message: expect.any(String) });

    // Only the calls after the mark; none of rehearse's own reads; the load's queries with their plans.
    const sentinel = record.statements.find((statement) => statement.query.includes('only_this_test_asks'));
    expect(sentinel?.calls).toBe(5);
    expect(record.statements.filter((statement) => /pg_stat_statements|rehearse observer/.test(statement.query))).toEqual([]);
    const postsReads = record.statements.filter((statement) => /\bfrom\s+"?posts\b/i.test(statement.query));
    const postsRequests = record.pages.find((page) => page.page === 'Posts')?.requests ?? 0;
    expect(postsRequests).toBeGreaterThan(0);
    expect(postsReads.reduce((sum, statement) => sum + statement.calls, 0)).toBeGreaterThanOrEqual(postsRequests);
    expect(record.statements.some((statement) => statement.plan !== null)).toBe(true);
  }, 120_000);

  it('without a mark, says why the statements were not read instead of reporting everything since the last reset', async () => {
    const section = await collectExternalDatabase({ url: databaseUrl });
    expect(section.statements).toEqual([]);
    expect(section.stages.find((stage) => stage.name === 'collect statements')).toMatchObject({ status: 'skipped', message: expect.stringContaining('--mark-start') });
    expect(section.postgresVersion).not.toBeNull();
  });

  it("refuses a mark of another database before connecting", async () => {
    const markFile = path.join(dir, 'other.json');
    await markExternalDatabase(withDatabase(databaseUrl, 'portal_template'), markFile);
    await expect(collectExternalDatabase({ url: databaseUrl, since: markFile })).rejects.toThrow(StatementMarkError);
    await expect(collectExternalDatabase({ url: databaseUrl, since: markFile })).rejects.toThrow(/portal_template.*give the --db-url the mark was taken with/);
  });

  it('leaves an incomplete record saying why, when the database cannot be read', async () => {
    await server.server.admin.query('create database no_statements template template0');
    const url = withDatabase(databaseUrl, 'no_statements');
    await withClient(url, (client) => client.query('create extension pg_stat_statements'));
    const markFile = path.join(dir, 'no-statements.json');
    await markExternalDatabase(url, markFile);
    await withClient(url, (client) => client.query('drop extension pg_stat_statements'));
    await driveLoad(path.join(dir, 'outputs-2'));

    const { record } = await collectRunnerOutputs({ dir: path.join(dir, 'outputs-2'), scenarioFile, reportsDir: path.join(dir, 'reports'), database: { url, since: markFile } });

    expect(record.status).toBe('incomplete');
    expect(record.failure).toMatchObject({ stage: 'collect statements', message: expect.stringMatching(/pg_stat_statements.*create extension/) });
    expect(record.totals?.requests).toBeGreaterThan(0);
  }, 120_000);
});
