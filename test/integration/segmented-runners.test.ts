import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregateK6Csv } from '../../src/collect/aggregate-k6-csv.ts';
import { locateK6, type K6Binary } from '../../src/k6/locate-k6.ts';
import { defineScenario, steady } from '../../src/index.ts';
import { localK6Driver } from '../../src/run/load-driver.ts';
import { writeScript } from '../../src/scenario/build-script.ts';
import { exportTestData } from '../../src/scenario/export-test-data.ts';
import { plannedScenarios } from '../../src/scenario/planned-scenarios.ts';
import { parentsWithBookings } from '../../scenarios/school-portal-data.ts';
import { login, posts } from '../../scenarios/school-portal-pages.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { startPortalProcess, type PortalProcess } from '../support/school-portal-app.ts';
import { startPortalDatabaseServer, type PortalDatabaseServer } from '../support/school-portal-database.ts';

/** 10 arrivals a second for 4 s (ramps included, as the plan says), each a login then the posts feed. */
const SCENARIO = defineScenario({
  name: 'two-runners',
  description: 'a short steady load shared by two k6 runners',
  data: { parents: parentsWithBookings },
  journeys: { parents: { data: 'parents', load: steady({ rate: 10, duration: '4s', maxVUs: 20 }), steps: [login, posts] } },
});

describe('one load on two segmented k6 runners against the school-portal app', () => {
  let k6: K6Binary;
  let server: PortalDatabaseServer;
  let portal: PortalProcess;
  let dir: string;
  let plannedArrivals: number;

  beforeAll(async () => {
    k6 = await locateK6();
    server = await startPortalDatabaseServer();
    const database = await server.copy('runners');
    portal = await startPortalProcess({ databaseUrl: database.url });
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-runners-'));
    const db = new pg.Pool({ connectionString: database.url, max: 1 });
    try {
      const built = await writeScript(SCENARIO, 'two-runners.ts', { root: REPO_ROOT, out: path.join(dir, 'two-runners.js') });
      await exportTestData(db, SCENARIO, built.dataDir);
      plannedArrivals = plannedScenarios(built.plan).reduce((sum, scenario) => sum + (scenario.plannedArrivals ?? 0), 0);
    } finally {
      await db.end();
    }
  }, 120_000);

  afterAll(async () => {
    await portal?.stop();
    await server?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('runs each runner on its own segment, released together, and merges their samples into one result whose counts are the sum', async () => {
    const phases: string[] = [];
    const driven = await localK6Driver(k6, { runners: 2 }).run(
      [{ name: 'load', script: path.join(dir, 'two-runners.js'), rawFile: path.join(dir, 'k6-samples.csv.gz'), env: { BASE_URL: portal.url } }],
      { signal: new AbortController().signal, onPhase: (phase) => phases.push(phase.name) },
    );
    expect(driven.failure).toBeUndefined();
    const [phase] = driven.phases;
    expect(phase).toMatchObject({
      name: 'load',
      exitCode: 0,
      segmentSequence: '0,1/2,1',
      runners: [
        { segment: '0:1/2', rawFile: 'k6-samples.runner-1.csv.gz', exitCode: 0 },
        { segment: '1/2:1', rawFile: 'k6-samples.runner-2.csv.gz', exitCode: 0 },
      ],
    });

    const files = phase!.runners!.map((runner) => path.join(dir, runner.rawFile));
    const merged = await aggregateK6Csv(files);
    const [first, second] = await Promise.all(files.map((file) => aggregateK6Csv(file)));
    const requestsOf = (results: typeof merged) => Object.fromEntries(results.pages.map((page) => [page.page, page.requests]));
    // One result whose counts are the runners' summed; each runner had its share (this loaded machine may not start every arrival in 4 s).
    const sum = (page: string) => [first!, second!].reduce((total, results) => total + (results.pages.find((entry) => entry.page === page)?.requests ?? 0), 0);
    expect(requestsOf(merged)).toEqual({ Login: sum('Login'), Posts: sum('Posts') });
    expect(first!.totals.requests).toBeGreaterThan(0);
    expect(second!.totals.requests).toBeGreaterThan(0);
    // k6 rounds each segment's share of arrivals: up to one more per runner.
    expect(merged.totals.requests / 2).toBeLessThanOrEqual(plannedArrivals + 2);
    expect(merged.totals.requests / 2).toBeGreaterThanOrEqual(plannedArrivals / 2);
    const iterations = (results: typeof merged) => results.delivered.scenarios.reduce((total, scenario) => total + scenario.iterations, 0);
    expect(iterations(merged)).toBe(iterations(first!) + iterations(second!));
    expect(merged.totals.errors).toBe(0);
    expect(merged.checks.every((check) => check.fails === 0)).toBe(true);
    expect(merged.samples).toMatchObject({ malformed: 0, late: 0 });
    // Released together: both runners' first requests fall within a second or so of each other.
    expect(Math.abs(first!.totals.firstSampleAt! - second!.totals.firstSampleAt!)).toBeLessThanOrEqual(1_000);
  }, 60_000);
});
