import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.ts';
import { createRunProject, leftoverProcesses, type RunProject } from '../support/run-project.ts';

const SPIKE = `${REPO_ROOT}/scenarios/parents-evening-login-spike.ts`;
const SHORT = ['--duration', '6s', '--rate-scale', '0.25', '--probe-requests', '2'];

/** Production's tuning as a profile holds it; no tables, so the model alone shapes the data. */
const PROFILE = {
  format: 'rehearse-profile',
  version: 1,
  capturedAt: '2026-11-30T00:00:00.000Z',
  server: { version: '18.1', versionNum: 180001 },
  schema: 'public',
  includesValues: false,
  settings: { random_page_cost: '1.1', jit: 'on', work_mem: '32MB', shared_buffers: '8GB', effective_cache_size: '24GB' },
  tables: [],
};

describe('rehearse run --profile', () => {
  let project: RunProject;
  beforeAll(async () => {
    project = await createRunProject();
    await writeFile(path.join(project.dir, 'production.json'), JSON.stringify(PROFILE));
  });
  afterAll(async () => {
    await project?.remove();
  });

  it("runs on the profile's major and records production's planner settings on the run's database, and those not applied with why", async () => {
    const { code, stdout, stderr } = await runCli(['run', SPIKE, '--config', project.config, '--profile', 'production.json', ...SHORT], { cwd: project.dir, timeoutMs: 240_000 });
    expect([0, 1], stderr).toContain(code);
    expect(stderr).toContain('embedded Postgres 18 (the default; major from the profile production.json)');
    expect(stderr).toMatch(/production's planner settings \(profile production.json, PostgreSQL 18.1\) on database \S+: 4 of 5 applied/);
    const record = await project.onlyRecord();
    const settings = record.context.profileSettings!;
    expect(settings.source).toBe('production.json');
    expect(settings.settings.filter((s) => !s.notApplied).map((s) => s.name).sort()).toEqual(['effective_cache_size', 'jit', 'random_page_cost', 'work_mem']);
    expect(settings.settings.find((s) => s.name === 'shared_buffers')?.notApplied).toMatch(/needs a restart/);
    expect(stdout).toMatch(/run \S+: (complete|incomplete)/);
    const report = await readFile(path.join(project.dir, 'reports', record.id, 'report.md'), 'utf8');
    expect(report).toMatch(/\| planner settings \| from production.json \(PostgreSQL 18.1\): random_page_cost=1.1, jit=on, work_mem=32MB, .*not applied: shared_buffers=8GB \(set only when the server starts/);
    expect(leftoverProcesses(project)).toEqual([]);
  });
});
