import { readlinkSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, startCli } from '../support/cli.ts';
import { appProcesses, createRunProject, leftoverProcesses, processesMatching, type RunProject } from '../support/run-project.ts';

const SPIKE = `${REPO_ROOT}/scenarios/parents-evening-login-spike.ts`;
const SHORT = ['--duration', '8s', '--rate-scale', '0.25', '--probe-requests', '5'];

describe('rehearse run, end to end on the school-portal fixture', () => {
  let project: RunProject;
  beforeAll(async () => {
    project = await createRunProject();
  });
  afterAll(async () => {
    await project?.remove();
  });

  it('records every page, the statements with plans, activity and the per-page query profile', async () => {
    const { code, stdout, stderr } = await runCli(['run', SPIKE, '--config', project.config, '--release', 'baseline', ...SHORT], { cwd: project.dir, timeoutMs: 240_000 });
    expect(stderr, stderr).toContain('starting Postgres (embedded)');
    expect(stderr, stderr).toMatch(/running parents-evening-login-spike with k6/);
    expect([0, 1]).toContain(code);
    expect(stdout).toMatch(/run \S+-parents-evening-login-spike-baseline: complete/);

    const record = await project.onlyRecord();
    expect(record.status).toBe('complete');
    expect(record.context).toMatchObject({ release: 'baseline', scale: 0.002, seed: 7, dbProvider: 'embedded', postgresVersion: expect.stringMatching(/^\d+/) });

    const pages = Object.fromEntries(record.pages.map((page) => [page.page, page]));
    expect(Object.keys(pages).sort()).toEqual(['Login', 'My Bookings', 'Video call']);
    for (const page of record.pages) {
      expect(page.requests).toBeGreaterThan(0);
      expect(page.latencyMs.p95).toBeGreaterThan(0);
      expect(page.latencyMs.p95).toBeLessThanOrEqual(page.latencyMs.max);
    }

    // What k6 measured matches what the app counted.
    const metrics = record.appMetrics!.samples.at(-1)!.values;
    const counted = (route: string) =>
      Object.entries(metrics)
        .filter(([series]) => series.startsWith('portal_http_requests_total{') && series.includes(`route="${route}"`))
        .reduce((sum, [, value]) => sum + value, 0);
    expect(counted('/login')).toBe(pages.Login!.requests);
    expect(counted('/bookings')).toBe(pages['My Bookings']!.requests);

    const bookings = record.statements.find((statement) => /from appointments a/.test(statement.query) && /join students s/.test(statement.query));
    expect(bookings, 'the My Bookings query').toBeDefined();
    expect(bookings!.calls).toBeGreaterThan(0);
    expect(bookings!.plan?.summary.nodeTypes.length).toBeGreaterThan(0);

    expect(record.activity.samples.length).toBeGreaterThan(3);
    expect(record.activity.samples.some((sample) => sample.connections > 0)).toBe(true);

    const profiles = Object.fromEntries(record.queryProfiles.map((profile) => [profile.page, profile]));
    expect(Object.keys(profiles).sort()).toEqual(['Login', 'My Bookings', 'Video call']);
    expect(profiles['My Bookings']!.requests).toBe(10); // 5 parents and 5 teachers
    expect(profiles['My Bookings']!.queriesPerRequest).toBeGreaterThanOrEqual(1);
    // Body bytes of the probe's answers: an HTML page, not an empty one.
    for (const profile of record.queryProfiles) expect(profile.responseBytesPerRequest, profile.page).toBeGreaterThan(200);
    // rehearse started the app, so the probe read its CPU: every page costs some.
    for (const profile of record.queryProfiles) expect(profile.appCpuMsPerRequest, profile.page).toBeGreaterThan(0);
    expect(profiles['My Bookings']!.statements.some((statement) => statement.fingerprint === bookings!.fingerprint)).toBe(true);

    expect(record.stages.map((stage) => `${stage.name}:${stage.status}`)).toEqual([
      'database:ok', 'seed:ok', 'test data:ok', 'app:ok', 'load:ok',
      'collect activity:ok', 'collect statements:ok', 'collect cpu:ok', 'collect app metrics:ok', 'results:ok', 'probe:ok',
    ]);
    // CPU of what rehearse started: the app served, Postgres answered, k6 drove.
    expect(record.cpu!.measured.sort()).toEqual(['app', 'k6', 'others', 'postgres']);
    // Other work on the machine is measured beside them, with how long the rehearsal's threads waited for a CPU.
    expect(record.cpu!.samples.every((sample) => sample.cores.others !== undefined && sample.waiting !== undefined)).toBe(true);
    for (const part of ['app', 'k6', 'postgres']) expect(record.cpu!.samples.some((sample) => sample.cores[part]! > 0), part).toBe(true);
    expect(record.phases).toEqual([expect.objectContaining({ name: 'load', exitCode: expect.any(Number) })]);
    expect(record.files).toEqual({ k6Raw: 'k6-samples.csv.gz', appLog: 'app.log' });
    expect(readlinkSync(`${project.dir}/reports/latest`)).toBe(record.id);
    expect(JSON.stringify(record)).not.toMatch(/postgres:\/\/[^@\s]*:[^@\s]*@/);
    expect(leftoverProcesses(project)).toEqual([]);
  });
});

describe('rehearse run, when something fails or the user interrupts', () => {
  let project: RunProject;
  beforeEach(async () => {
    project = await createRunProject();
  });
  afterEach(async () => {
    await project?.remove();
  });

  async function runUntil(pattern: RegExp, act: (cli: ReturnType<typeof startCli>) => void | Promise<void>, extra: string[] = []) {
    const cli = startCli(['run', SPIKE, '--config', project.config, ...SHORT, '--duration', '30s', ...extra], { cwd: project.dir });
    await cli.waitFor(pattern, 180_000);
    await act(cli);
    const code = await cli.exited;
    return { code, output: cli.output(), record: await project.onlyRecord() };
  }

  it('ends incomplete, naming the app, when the app dies mid-run', async () => {
    const { code, record } = await runUntil(/running parents-evening-login-spike with k6/, async () => {
      // Long enough for the spike's first arrivals to have been served.
      await new Promise((resolve) => setTimeout(resolve, 7_000));
      for (const pid of appProcesses(project)) process.kill(pid, 'SIGKILL');
    });
    expect(code).toBe(3);
    expect(record.status).toBe('incomplete');
    expect(record.failure).toMatchObject({ stage: 'app', message: expect.stringContaining('the app exited during the load') });
    // What was gathered before the app died is kept: the requests k6 made and the statements they ran.
    const status = Object.fromEntries(record.stages.map((stage) => [stage.name, stage.status]));
    expect(status).toMatchObject({ load: 'failed', 'collect statements': 'ok', results: 'ok', probe: 'not-run' });
    expect(record.pages.length).toBeGreaterThan(0);
    expect(record.statements.length).toBeGreaterThan(0);
    expect(leftoverProcesses(project)).toEqual([]);
  });

  it('ends incomplete, naming the database, when Postgres dies mid-run', async () => {
    const { code, record } = await runUntil(/running parents-evening-login-spike with k6/, async () => {
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      for (const pid of processesMatching(`${project.dir}/.rehearse/pg/data`)) process.kill(pid, 'SIGKILL');
    });
    expect(code).toBe(3);
    expect(record.status).toBe('incomplete');
    expect(record.failure?.stage).toBe('database');
    expect(leftoverProcesses(project)).toEqual([]);
  });

  it('exits 3 with the last lines of its log when the app never becomes healthy', async () => {
    const broken = project.config.replace(/\.ts$/, '.broken.ts');
    const { readFile, writeFile } = await import('node:fs/promises');
    const source = await readFile(project.config, 'utf8');
    await writeFile(broken, source.replace(/command: '[^']*'/, `command: 'node -e "console.error(\\'cannot bind: port taken\\'); process.exit(1)"'`));
    const { code, stdout } = await runCli(['run', SPIKE, '--config', broken, ...SHORT], { cwd: project.dir, timeoutMs: 180_000 });
    expect(code).toBe(3);
    expect(stdout).toContain('the app exited before it became healthy');
    expect(stdout).toContain('cannot bind: port taken');
    const record = await project.onlyRecord();
    expect(record.failure?.stage).toBe('app');
    expect(leftoverProcesses(project)).toEqual([]);
  });

  const steps: [string, RegExp][] = [
    ['seed', /preparing the data/],
    ['app', /starting the app/],
    ['load', /running parents-evening-login-spike with k6/],
    ['probe', /probing each page alone/],
  ];

  it.each(steps)('records "interrupted" and stops everything on SIGINT during %s', async (stage, pattern) => {
    const { code, record } = await runUntil(pattern, (cli) => {
      cli.child.kill('SIGINT');
    }, stage === 'probe' ? ['--duration', '4s'] : []);
    expect(code).toBe(130);
    expect(record.status).toBe('interrupted');
    expect(record.failure?.stage).toBe(stage);
    expect(leftoverProcesses(project)).toEqual([]);
  });
});
