import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analyze/analysis.ts';
import { REPO_ROOT, runCli } from '../support/cli.ts';
import { createRunProject, leftoverProcesses, type RunProject } from '../support/run-project.ts';

/**
 * Two arrivals a second of a journey that holds its VU for over two seconds,
 * with one VU allowed: k6 can start about one arrival in five.
 */
const STARVED = `import { defineScenario, steady, think } from ${JSON.stringify(path.join(REPO_ROOT, 'src/index.ts'))};
import { parentsWithBookings } from ${JSON.stringify(path.join(REPO_ROOT, 'scenarios/school-portal-data.ts'))};
import { login, myBookings } from ${JSON.stringify(path.join(REPO_ROOT, 'scenarios/school-portal-pages.ts'))};

export default defineScenario({
  name: 'starved',
  description: 'a journey starved of VUs: the load generator cannot deliver its arrivals',
  data: { parents: parentsWithBookings },
  journeys: { parents: { data: 'parents', load: steady({ rate: 2, duration: '10s', maxVUs: 1 }), steps: [login, think(2), myBookings] } },
  budgets: { pages: { 'My Bookings': { p95Ms: 10_000, errorRate: 0.01 } } },
});
`;

describe('a run whose load generator is starved of VUs', () => {
  let project: RunProject;
  beforeAll(async () => {
    project = await createRunProject();
  });
  afterAll(async () => {
    await project?.remove();
  });

  it('is reported as "load not delivered": it fails, and its p95 budget is a warning, not a pass', async () => {
    const scenario = path.join(project.dir, 'starved.ts');
    await writeFile(scenario, STARVED);
    // A counter budget (the config's): it still applies to a run whose load was not delivered.
    const config = await readFile(project.config, 'utf8');
    await writeFile(project.config, config.replace('export default {', "export default {\n  budgets: { pages: { 'My Bookings': { queriesPerRequest: 100 } } },"));
    const { code, stdout, stderr } = await runCli(['run', scenario, '--config', project.config, '--probe-requests', '2'], { cwd: project.dir, timeoutMs: 120_000 });
    expect(code, stderr).toBe(1);
    expect(stdout).toMatch(/load NOT delivered — parents: \d+ of 20 planned arrivals dropped \([\d.]+ %\): k6 ran out of VUs \(1 allocated, maxVUs 1\) — raise the journey's maxVUs/);

    const record = await project.onlyRecord();
    expect(record.status).toBe('complete');
    expect(record.load!.scenarios[0]!.dropped).toBeGreaterThan(10);

    const report = JSON.parse(await readFile(path.join(project.dir, 'reports', record.id, 'report.json'), 'utf8')) as Analysis;
    expect(report.verdict).toBe('fail');
    expect(report.headline).toMatch(/^FAIL — starved: \S+: the load of candidate run \S+ was not delivered — parents: \d+ of 20 planned arrivals dropped/);
    expect(report.delivery).toMatchObject({ delivered: false, runs: [{ delivered: false, journeys: [{ journey: 'parents', planned: 20, maxVUs: 1 }] }] });
    const status = (kind: string) => report.checks.find((check) => check.kind === kind);
    expect(status('load-delivered')).toMatchObject({ status: 'fail' });
    expect(status('budget-p95')).toMatchObject({ status: 'warn', sentence: expect.stringMatching(/not trusted: the load was not delivered$/) });
    // Counters and errors are not timings: they still judge the run.
    expect(status('budget-queries-per-request')).toMatchObject({ status: 'pass' });
    expect(status('budget-error-rate')).toMatchObject({ status: 'pass' });
    // k6 passing its thresholds (p95 among them) is no more trusted than the p95 budget.
    expect(status('k6-thresholds')).toMatchObject({ status: 'warn' });
    expect(await readFile(path.join(project.dir, 'reports', record.id, 'report.md'), 'utf8')).toContain('### Load delivered');
    expect(leftoverProcesses(project)).toEqual([]);
  }, 150_000);
});
