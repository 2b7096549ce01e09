import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.ts';
import { createRunProject, leftoverProcesses, type RunProject } from '../support/run-project.ts';

const BREAKPOINT = `${REPO_ROOT}/scenarios/breakpoint.ts`;
/** Four short plateaus, well below what the fixture takes: the structure is under test, not the fixture's capacity. */
const SHORT = ['--from', '2', '--to', '8', '--steps', '4', '--hold', '6s', '--warmup', '2s', '--probe-requests', '5'];

describe('rehearse capacity, end to end on the school-portal fixture', () => {
  let project: RunProject;
  beforeAll(async () => {
    // An expected peak below the first step: whatever the plateaus measure, the release is not below it.
    project = await createRunProject(0.002, undefined, { capacity: { peak: { parents: 1 } } });
  });
  afterAll(async () => {
    await project?.remove();
  });

  it('refuses steps that do not climb before anything starts (exit 2)', async () => {
    const { code, stderr } = await runCli(['capacity', BREAKPOINT, '--config', project.config, '--from', '10', '--to', '5'], { cwd: project.dir, timeoutMs: 60_000 });
    expect(code, stderr).toBe(2);
    expect(stderr).toContain('--from: expected a first step below the last (5 arrivals/s), got 10');
  });

  it('drives one plateau per step, records each, and reports the capacity, its steps and the costliest page', async () => {
    const { code, stdout, stderr } = await runCli(['capacity', BREAKPOINT, '--config', project.config, '--release', 'baseline', ...SHORT], { cwd: project.dir, timeoutMs: 180_000 });
    expect(stderr, stderr).toContain('capacity: 4 steps of 2, 4, 6, 8 arrivals/s; expected peak 1 arrivals/s (config capacity.peak)');
    expect(stderr).toContain('step 1 of 4: 2 arrivals/s (2s warm-up, then 6s measured)');
    expect(stderr).toContain('step 4 of 4: 8 arrivals/s');
    expect(code, stdout).toBe(0);

    const record = await project.onlyRecord();
    expect(record.status).toBe('complete');
    expect(record.context.capacity).toEqual({ expectedPeak: 1, peaks: { parents: 1 }, source: 'config' });
    const measured = record.load!.plan.filter((entry) => !entry.warmup);
    expect(measured.map((entry) => [entry.scenario, entry.step, entry.offeredRate, entry.plannedArrivals])).toEqual([
      ['parents_s01', 0, 2, 12],
      ['parents_s02', 1, 4, 24],
      ['parents_s03', 2, 6, 36],
      ['parents_s04', 3, 8, 48],
    ]);
    expect(record.load!.plan.filter((entry) => entry.warmup).map((entry) => entry.scenario)).toEqual(['parents_s01_warmup', 'parents_s02_warmup', 'parents_s03_warmup', 'parents_s04_warmup']);
    const delivered = new Map(record.load!.scenarios.map((scenario) => [scenario.scenario, scenario]));
    for (const entry of measured) expect(delivered.get(entry.scenario)?.iterations, entry.scenario).toBeGreaterThan(0);
    // No k6 thresholds: a capacity run is meant to go past its budgets.
    expect(record.k6.thresholdsFailed).toBe(false);

    const report = JSON.parse(await readFile(path.join(project.dir, 'reports', record.id, 'report.json'), 'utf8'));
    const capacity = report.capacity;
    expect(capacity.steps.map((step: { offered: number }) => step.offered)).toEqual([2, 4, 6, 8]);
    expect(['within', 'at-least', 'below-first-step']).toContain(capacity.bound);
    expect(capacity.budgets).toEqual([
      { page: 'Login', metric: 'p95', limit: 1500 },
      { page: 'My Bookings', metric: 'p95', limit: 500 },
      { page: null, metric: 'errorRate', limit: 0.02 },
    ]);
    expect(capacity.sentence).toMatch(/^(Headroom|Capacity)/);
    for (const step of capacity.steps) {
      expect(step.pages.map((page: { page: string }) => page.page).sort()).toEqual(['Login', 'My Bookings', 'Video call']);
      expect(Object.keys(step.cpu).sort()).toEqual(['app', 'k6', 'others', 'postgres']);
    }
    // Which page eats the capacity: the costliest page of the mix is named.
    expect(capacity.pageCosts.map((cost: { page: string }) => cost.page).sort()).toEqual(['Login', 'My Bookings', 'Video call']);
    const markdown = await readFile(path.join(project.dir, 'reports', record.id, 'report.md'), 'utf8');
    expect(markdown).toContain('### Capacity');
    expect(markdown).toMatch(/\n(Login|My Bookings|Video call) takes \d+(\.\d)? % of the mix's cost per request/);
    const csv = await readFile(path.join(project.dir, 'reports', record.id, 'capacity.csv'), 'utf8');
    expect(csv.trim().split('\n')).toHaveLength(1 + 4 * 3);
    const html = await readFile(path.join(project.dir, 'reports', record.id, 'report.html'), 'utf8');
    expect(html).toContain('p95 per page at each step, against its budget');
    expect(leftoverProcesses(project)).toEqual([]);
  });
});
