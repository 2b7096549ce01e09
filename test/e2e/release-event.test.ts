import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import repositoryConfig from '../../rehearse.config.ts';
import { REPO_ROOT, runCli } from '../support/cli.ts';
import { createRunProject, leftoverProcesses, SCHOOL_PORTAL, type RunProject } from '../support/run-project.ts';

/**
 * Parents reading Posts and My Bookings steadily for 24 s, without page budgets: what is judged is
 * the release event (the rollback check and budgets.release), not this machine's speed.
 */
const SCENARIO = `import { defineScenario, steady, think } from '${REPO_ROOT}/src/index.ts';
import { parentsWithBookings } from '${REPO_ROOT}/scenarios/school-portal-data.ts';
import { login, myBookings, posts } from '${REPO_ROOT}/scenarios/school-portal-pages.ts';

export default defineScenario({
  name: 'release-load',
  description: 'Parents reading posts and bookings while a release is deployed and rolled back.',
  data: { parents: parentsWithBookings },
  journeys: {
    parents: { data: 'parents', load: steady({ rate: 2, duration: '24s' }), steps: [login, posts, think([0.5, 1]), myBookings, think([0.5, 1]), posts, think([0.5, 1]), myBookings] },
  },
});
`;

/** The repository's releases, with their migration folders made absolute for a project in a temporary folder. */
function releasesFromRepository() {
  return Object.fromEntries(
    Object.entries(repositoryConfig.releases ?? {}).map(([name, release]) => [name, release.migrations ? { ...release, migrations: path.join(REPO_ROOT, release.migrations) } : release]),
  );
}

/**
 * appointments-token-rewrite's migration with a per-row cost, so that this test's small table takes
 * seconds to rewrite under its ACCESS EXCLUSIVE lock, as a production-sized one does.
 */
const SLOW_REWRITE = `create function slow_token() returns uuid language sql volatile as $$ select gen_random_uuid() from pg_sleep(case when random() < 0.25 then 0.001 else 0 end) $$;
alter table appointments add column token uuid not null default slow_token();
`;

/** A migrate command that fails the way a migration tool does: a message, then a non-zero exit. */
const FAILING_MIGRATE = `node -e "console.log('migrating 003_posts_index.sql'); console.error('error: relation \\"postz\\" does not exist'); process.exit(3)"`;

describe('rehearse run --deploy-at --rollback-at, end to end on the school-portal fixture', () => {
  let project: RunProject;
  beforeAll(async () => {
    const slow = await mkdtemp(path.join(os.tmpdir(), 'rehearse-slow-rewrite-'));
    await writeFile(path.join(slow, '002_appointments_token.sql'), SLOW_REWRITE);
    const releases = {
      ...releasesFromRepository(),
      'migrate-fails': { env: { PORTAL_RELEASE: 'baseline' }, migrate: FAILING_MIGRATE },
      'slow-rewrite': { env: { PORTAL_RELEASE: 'appointments-token-rewrite' }, migrations: slow },
    };
    project = await createRunProject(0.002, SCHOOL_PORTAL, { releases, budgets: { release: { maxLockWaitMs: 2_000, maxErrorRateDuringSwitch: 0.05 } } } as never);
    await writeFile(path.join(project.dir, 'release-load.ts'), SCENARIO);
  });
  afterAll(async () => {
    await project?.remove();
  });

  it('deploys a harmless release under load, rolls it back, and reports both as recovered', async () => {
    const args = ['run', 'release-load.ts', '--config', project.config, '--release', 'posts-summary-column', '--probe-requests', '2', '--deploy-at', '5s', '--rollback-at', '17s'];
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

    expect(stdout).toMatch(/Release event: baseline → posts-summary-column/);
    expect(stdout).toMatch(/Rollback to baseline at 17s: traffic moved at 1\d(\.\d)?s, 0 request\(s\) failed during the switch; the rollback restored service/);
    // Recovery is reported per page and action: seconds, or that it did not recover.
    expect(stdout).toMatch(/rollback Posts: before .* · recovery (stayed in band|back in band before the switch|\d+ s after the switch|did not recover before the load ended)/);
    const report = await readFile(path.join(project.dir, 'reports', record.id, 'report.md'), 'utf8');
    expect(report).toMatch(/### Release event/);
    expect(report).toMatch(/alter table posts add column summary text/);
    expect(code, stdout).toBe(0);
    expect(leftoverProcesses(project)).toEqual([]);
  });

  it('deploys a release that migrates by a command: run in the app directory on the run database, output in migrate.log', async () => {
    await rm(path.join(project.dir, 'reports'), { recursive: true, force: true });
    const args = ['run', 'release-load.ts', '--config', project.config, '--release', 'appointments-token-command', '--probe-requests', '2', '--deploy-at', '5s'];
    const { code, stdout, stderr } = await runCli(args, { cwd: project.dir, timeoutMs: 240_000 });
    expect(stderr, stderr).toMatch(/release event: running node fixtures\/school-portal\/releases\/appointments-token-command\/migrate\.mjs on the live database/);
    expect(stderr, stderr).toMatch(/release event: traffic moved to appointments-token-command/);

    const record = await project.onlyRecord();
    const event = record.releaseEvent!;
    expect(event.migrate).toEqual({ kind: 'command', source: 'node fixtures/school-portal/releases/appointments-token-command/migrate.mjs' });
    expect(event.migrateCommand).toMatchObject({ exitCode: 0, cwd: REPO_ROOT, log: 'migrate.log' });
    expect(event.actions.map((action) => [action.kind, action.error, action.switchedAt !== null])).toEqual([['deploy', null, true]]);
    // Its statements, each as its session was seen running it (a fast one may fall between two samples).
    expect(event.statements.length).toBeGreaterThanOrEqual(1);
    expect(event.statements.every((statement) => statement.file === event.migrate.source)).toBe(true);
    const log = await readFile(path.join(project.dir, 'reports', record.id, 'migrate.log'), 'utf8');
    expect(log).toMatch(/migrated 002_appointments_token\.sql in \d+ ms/);
    expect(stdout).toMatch(/Migrate command `node fixtures\/school-portal\/releases\/appointments-token-command\/migrate\.mjs` \(in .*\): exited 0 after/);
    expect(code, stdout).toBe(0);
    expect(leftoverProcesses(project)).toEqual([]);
  });

  it('stops the deploy where the migrate command fails, as a pipeline does: the baseline keeps serving, the report shows its last lines', async () => {
    await rm(path.join(project.dir, 'reports'), { recursive: true, force: true });
    const args = ['run', 'release-load.ts', '--config', project.config, '--release', 'migrate-fails', '--probe-requests', '2', '--deploy-at', '5s'];
    const { code, stdout } = await runCli(args, { cwd: project.dir, timeoutMs: 240_000 });
    const record = await project.onlyRecord();
    const event = record.releaseEvent!;
    expect(event.migrateCommand).toMatchObject({ exitCode: 3, outputTail: 'migrating 003_posts_index.sql\nerror: relation "postz" does not exist' });
    expect(event.actions[0]).toMatchObject({ kind: 'deploy', switchedAt: null, error: expect.stringMatching(/^migration failed: node -e .* exited 3: error: relation "postz" does not exist$/) as string });
    expect(event.candidateLog).toBeNull();
    expect(await readdir(path.join(project.dir, 'reports', record.id))).not.toContain('app-candidate.log');
    expect(stdout).toMatch(/exited 3 after .* — the deploy stopped there and baseline kept serving\. Last lines of its output:\n {4}\| migrating 003_posts_index\.sql\n {4}\| error: relation "postz" does not exist/);
    expect(code, stdout).toBe(1);
    expect(leftoverProcesses(project)).toEqual([]);
  });
  /** One deploy of `release` at 5 s into 14 s of load: its record, output and exit code. */
  async function deploy(release: string, extra: string[] = []) {
    await rm(path.join(project.dir, 'reports'), { recursive: true, force: true });
    const args = ['run', 'release-load.ts', '--config', project.config, '--release', release, '--probe-requests', '2', '--duration', '14s', '--deploy-at', '5s', ...extra];
    const { code, stdout } = await runCli(args, { cwd: project.dir, timeoutMs: 240_000 });
    return { code, stdout, record: await project.onlyRecord() };
  }

  it('fails a migration that rewrites a hot table under ACCESS EXCLUSIVE on the event budget, naming the statement, the lock, the table and the pages that waited; its safe twin passes', async () => {
    const hot = await deploy('slow-rewrite');
    const failed = hot.record.releaseEvent!.statements.find((statement) => /add column token/.test(statement.sql))!;
    expect(failed.locks.some((lock) => lock.mode === 'AccessExclusiveLock' && lock.relation === 'appointments'), JSON.stringify(failed.locks)).toBe(true);
    expect(failed.longestWaitMs).toBeGreaterThan(2_000);
    expect(hot.stdout).toMatch(/✗ Migration \S*002_appointments_token\.sql statement 2 \(alter table appointments add column token[^)]*\): held AccessExclusiveLock on appointments for [\d.]+ s; \d+ session\(s\) waited behind it.*; \d+ My Bookings request\(s\) waited/);
    expect(hot.code, hot.stdout).toBe(1);

    const twin = await deploy('appointments-token-batched');
    const lockChecks = twin.stdout.split('\n').filter((line) => /Migration \S*002_appointments_token\.sql/.test(line));
    expect(twin.record.releaseEvent!.statements.every((statement) => statement.error === null && statement.longestWaitMs <= 2_000)).toBe(true);
    expect(lockChecks.filter((line) => line.includes('✗')), twin.stdout).toEqual([]);
    expect(twin.code, twin.stdout).toBe(0);
    expect(leftoverProcesses(project)).toEqual([]);
  });

  it('says a rollback did not restore service when the migration renamed a column the baseline reads, with the app\'s first error', async () => {
    // Without the posts cache, every Posts request after the rollback reads posts.body, as a busy production's cold keys do.
    const { code, stdout, record } = await deploy('posts-body-renamed', ['--rollback-at', '9s', '--app-env', 'POSTS_CACHE_TTL_MS=0']);
    const rollback = record.releaseEvent!.actions.find((action) => action.kind === 'rollback')!;
    expect(rollback.switchedAt).not.toBeNull();
    expect(stdout).toMatch(/✗ Release event: the rollback did not restore service \(Posts [\d.]+ % errors\) — the schema stayed as posts-body-renamed's migration left it, and baseline does not work on it; the app's first error after it: .*column p\.body does not exist/);
    expect(code, stdout).toBe(1);
    expect(leftoverProcesses(project)).toEqual([]);
  });
});
