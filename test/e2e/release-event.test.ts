import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import repositoryConfig from '../../rehearse.config.ts';
import { REPO_ROOT, runCli } from '../support/cli.ts';
import { createRunProject, leftoverProcesses, SCHOOL_PORTAL, type RunProject } from '../support/run-project.ts';

const STEADY = `${REPO_ROOT}/scenarios/steady-browse.ts`;

/** The repository's releases, with their migration folders made absolute for a project in a temporary folder. */
function releasesFromRepository() {
  return Object.fromEntries(
    Object.entries(repositoryConfig.releases ?? {}).map(([name, release]) => [name, release.migrations ? { ...release, migrations: path.join(REPO_ROOT, release.migrations) } : release]),
  );
}

describe('rehearse run --deploy-at --rollback-at, end to end on the school-portal fixture', () => {
  let project: RunProject;
  beforeAll(async () => {
    project = await createRunProject(0.002, SCHOOL_PORTAL, { releases: releasesFromRepository() });
  });
  afterAll(async () => {
    await project?.remove();
  });

  it('deploys a harmless release under load, rolls it back, and reports both as recovered', async () => {
    const args = ['run', STEADY, '--config', project.config, '--release', 'posts-summary-column', '--duration', '24s', '--rate-scale', '0.5', '--probe-requests', '2', '--deploy-at', '8s', '--rollback-at', '16s'];
    const { code, stdout, stderr } = await runCli(args, { cwd: project.dir, timeoutMs: 240_000 });
    expect(stderr, stderr).toMatch(/release event: traffic moved to posts-summary-column/);
    expect(stderr, stderr).toMatch(/release event: traffic moved back to baseline/);

    const record = await project.onlyRecord();
    expect(record.status).toBe('complete');
    const event = record.releaseEvent!;
    expect(event.actions.map((action) => [action.kind, action.error])).toEqual([['deploy', null], ['rollback', null]]);
    expect(event.actions.every((action) => action.switchedAt !== null)).toBe(true);
    expect(event.statements.map((statement) => [statement.sql, statement.error])).toEqual([
      ["set lock_timeout = '2s'", null],
      ['alter table posts add column summary text', null],
    ]);
    expect(event.findings).toEqual([]);
    // A switch loses no request: the proxy delivered every one, and k6 saw no more than a few errors.
    expect(event.proxyErrors).toBe(0);
    expect(record.totals!.errors).toBeLessThanOrEqual(2);

    expect(stdout).toMatch(/Release event/);
    expect(stdout).toMatch(/rollback.*restored service/);
    expect(code, stdout).toBe(0);
    expect(leftoverProcesses(project)).toEqual([]);
  });
});
