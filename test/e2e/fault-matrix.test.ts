import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statfsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunRecord, writeRunRecord, type RunRecord } from '../../src/run/run-record.ts';
import { REPO_ROOT, runCli, startCli, type CliResult } from '../support/cli.ts';
import { createPreciousDatabase, type PreciousDatabase } from '../support/precious-database.ts';
import { isListening } from '../support/processes.ts';
import { createRunProject, leftoverProcesses, processesMatching, type RunProject } from '../support/run-project.ts';

/**
 * Bad input and faults, as a new user meets them, against real processes:
 * every case asserts the exit code and the message, that a precious database
 * on a server rehearse did not create is untouched, and that nothing is left
 * running or lying around. Loads are a few seconds at a tiny scale, on one
 * project whose seeded template every run shares.
 */
const SPIKE = `${REPO_ROOT}/scenarios/parents-evening-login-spike.ts`;
const SHORT = ['--duration', '4s', '--rate-scale', '0.2', '--probe-requests', '2'];
const STACK_TRACE = /\n\s+at /;

let project: RunProject;
let precious: PreciousDatabase;
let before: string;
let scratch: string;

const rehearse = (args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) =>
  runCli(args, { cwd: options.cwd ?? project.dir, env: { GITHUB_STEP_SUMMARY: '', ...options.env }, timeoutMs: 180_000 });
const run = (extra: string[] = [], config = project.config) => ['run', SPIKE, '--config', config, ...SHORT, ...extra];

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return condition();
}

/** Test-account folders a rehearse process left in the temp folder. */
function dataDirsOf(pid: number): string[] {
  return readdirSync(os.tmpdir()).filter((name) => name.startsWith(`rehearse-data-${pid}-`));
}

function runFolders(): string[] {
  const reports = path.join(project.dir, 'reports');
  return existsSync(reports) ? readdirSync(reports).filter((name) => name !== 'latest') : [];
}

/** Ports a run's output names: the Postgres server's and the app's. */
function portsIn(output: string): number[] {
  return [...output.matchAll(/(?:starting Postgres on 127\.0\.0\.1:|healthy at http:\/\/127\.0\.0\.1:)(\d+)/g)].map((match) => Number(match[1]));
}

async function nothingLeft(pid: number, output: string): Promise<void> {
  expect(await until(() => leftoverProcesses(project).length === 0, 20_000), `processes left: ${leftoverProcesses(project).join(', ')}`).toBe(true);
  // The guard removes folders once the processes it stops are gone.
  expect(await until(() => dataDirsOf(pid).length === 0, 5_000), `test data left: ${dataDirsOf(pid).join(', ')}`).toBe(true);
  for (const port of portsIn(output)) expect(await isListening(port), `port ${port}`).toBe(false);
}

function expectUserError(result: CliResult, message: RegExp): void {
  expect(result.code, result.stderr + result.stdout).toBe(2);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).not.toMatch(STACK_TRACE);
  expect(result.stderr).not.toContain('a bug in rehearse');
}

beforeAll(async () => {
  project = await createRunProject(0.002);
  // The app prints its DATABASE_URL, as real apps do: the password must not reach app.log.
  const config = await readFile(project.config, 'utf8');
  await writeFile(project.config, config.replace(/command: '([^']*)'/, (_, command: string) => `command: ${JSON.stringify(`echo "connecting with DATABASE_URL=$DATABASE_URL"; exec ${command}`)}`));
  precious = await createPreciousDatabase();
  before = await precious.fingerprint();
  scratch = await mkdtemp(path.join(os.tmpdir(), 'rehearse-faults-'));
  console.log(`fault matrix: project ${project.dir}; precious database on ${precious.where}`);
}, 120_000);

afterAll(async () => {
  await precious?.drop();
  await project?.remove();
  await rm(scratch, { recursive: true, force: true });
});

describe('a cold cluster', () => {
  it('recovers from a kill -9 during initdb, then refuses the second of two commands started at once, cleanly', async () => {
    const first = startCli(['seed', '--config', project.config], { cwd: project.dir });
    await first.waitFor(/initialising a Postgres cluster/, 120_000);
    first.child.kill('SIGKILL');
    await first.exited;
    await nothingLeft(first.child.pid!, first.output());

    const [a, b] = await Promise.all([rehearse(['seed', '--config', project.config]), rehearse(['seed', '--config', project.config])]);
    const [won, refused] = a.code === 0 ? [a, b] : [b, a];
    expect(won.code, won.stderr).toBe(0);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stderr).toMatch(/the project's Postgres cluster \(.+\.rehearse\/pg\) is in use by `rehearse seed --config .+` \(pid \d+, since .+\): one command at a time per cluster/);
    expect(refused.stderr).not.toContain('initdb');
    expect(refused.stderr).not.toMatch(STACK_TRACE);
    expect(leftoverProcesses(project)).toEqual([]);
  }, 240_000);
});

describe('a run that completes', () => {
  let record: RunRecord;
  let recordDir: string;

  it('refuses `db clean --all` while it runs, masks the app log, keeps no test accounts, and reports from anywhere', async () => {
    const cli = startCli(run(['--release', 'baseline']), { cwd: project.dir });
    await cli.waitFor(/running parents-evening-login-spike with k6/, 180_000);
    const clean = await rehearse(['db', 'clean', '--all', '--config', project.config]);
    expect(clean.code, clean.stderr).toBe(3);
    expect(clean.stderr).toMatch(/is in use by `rehearse run .+` \(pid \d+/);
    expect(existsSync(path.join(project.dir, '.rehearse', 'pg', 'data', 'global', 'pg_filenode.map'))).toBe(true);
    const code = await cli.exited;
    expect([0, 1], cli.output()).toContain(code);
    expect(cli.output()).toMatch(/(PASS|FAIL) — parents-evening-login-spike: baseline: \d+ of \d+ checks/);
    await nothingLeft(cli.child.pid!, cli.output());

    recordDir = path.join(project.dir, 'reports', runFolders().find((name) => name.endsWith('-baseline'))!);
    record = await readRunRecord(recordDir);
    expect(record.status).toBe('complete');
    expect(record.context.scenario.budgets?.pages).toHaveProperty('Video call');
    expect(existsSync(path.join(recordDir, 'data'))).toBe(false);
    const password = (JSON.parse(await readFile(path.join(project.dir, '.rehearse', 'pg', 'credentials.json'), 'utf8')) as { password: string }).password;
    const appLog = await readFile(path.join(recordDir, 'app.log'), 'utf8');
    expect(appLog).toMatch(/connecting with DATABASE_URL=postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/rehearse_run_/);
    for (const file of readdirSync(recordDir)) {
      if (!file.endsWith('.gz')) expect(await readFile(path.join(recordDir, file), 'utf8'), file).not.toContain(password);
    }

    // From another working directory the scenario's budgets still come with the record.
    const elsewhere = await rehearse(['report', recordDir, '--format', 'json', '--out', path.join(scratch, 'elsewhere')], { cwd: scratch });
    expect(elsewhere.stdout).not.toContain('were not checked');
    expect(elsewhere.stdout).toMatch(/checks (passed|failed)/);
    expect((JSON.parse(await readFile(path.join(scratch, 'elsewhere', 'report.json'), 'utf8')) as { checks: { id: string }[] }).checks.map((check) => check.id)).toContain('budget-p95:Video call');
  }, 300_000);

  it.each([
    ['a candidate that did not finish', async () => ['compare', recordDir, await variant('incomplete', { status: 'incomplete', failure: { stage: 'probe', message: 'HTTP 500 from /bookings' } })], 1, /^FAIL — .*candidate run \S+ is incomplete \(probe: HTTP 500 from \/bookings\): a run that did not finish cannot pass/m],
    ['an interrupted run alone', async () => ['report', await variant('interrupted', { status: 'interrupted', failure: { stage: 'load', message: 'interrupted by SIGINT during load' } })], 1, /^FAIL — .*is interrupted \(load: interrupted by SIGINT during load\)/m],
    ['a run with nothing to check', async () => ['report', await variant('unbudgeted', { context: { ...record.context, scenario: { name: record.context.scenario.name, file: 'gone.ts' } } }), '--no-scenario-budgets'], 1, /^FAIL — .*nothing was checked/m],
    ['the same run on both sides', async () => ['compare', recordDir, recordDir], 2, /given as both the baseline and the candidate/],
    ['a baseline that measured nothing', async () => ['compare', await variant('empty', { status: 'incomplete', failure: { stage: 'app', message: 'the app exited before it became healthy' }, pages: [], totals: null }), recordDir], 2, /measured nothing to compare with: it is incomplete \(app: the app exited/],
  ] as const)('gates on %s', async (_, args, code, message) => {
    const result = await rehearse([...(await args()), '--format', 'md', '--out', path.join(scratch, 'gate')]);
    expect(result.code, result.stdout + result.stderr).toBe(code);
    expect(code === 2 ? result.stderr : result.stdout).toMatch(message);
    expect(result.stderr).not.toMatch(STACK_TRACE);
  }, 120_000);

  /** A copy of the completed run, changed: a record as another outcome would have written it. */
  async function variant(name: string, changes: Partial<RunRecord>): Promise<string> {
    const dir = path.join(scratch, name);
    await writeRunRecord(dir, { ...record, id: `${record.id}-${name}`, ...changes });
    return dir;
  }
});

describe('bad input: exit 2 before anything starts', () => {
  const scenario = async (name: string, load: string) => {
    const source = (await readFile(SPIKE, 'utf8'))
      .replace(/load: spike\(\{[^)]*\}\)/, `load: ${load}`)
      .replace(/import \{ defineScenario, spike, think \} from 'rehearse'/, `import { defineScenario, spike, steady, think } from '${REPO_ROOT}/src/index.ts'`)
      .replaceAll("from './", `from '${REPO_ROOT}/scenarios/`);
    const file = path.join(scratch, `${name}.ts`);
    await writeFile(file, source);
    return file;
  };
  const cases: Array<[string, () => Promise<string[]>, RegExp]> = [
    ['a config with an unknown key', async () => {
      const file = path.join(scratch, 'bad.config.ts');
      await writeFile(file, `export default { db: { provider: 'embedded', host: 'x' } };`);
      return ['run', SPIKE, '--config', file];
    }, /bad\.config\.ts: db\.host: unknown key/],
    ['a missing scenario', async () => ['run', 'scenarios/nope.ts', '--config', project.config], /scenarios\/nope\.ts: scenario file not found/],
    ['--duration 0s', async () => run(['--duration', '0s']), /--duration: expected a duration > 0 such as "30s" or "2m", got "0s"/],
    ['--rate-scale 1e9', async () => run(['--rate-scale', '1e9']), /journeys\.parents\.load: needs up to [\d,]+ VUs .*over the [\d,]+ of this machine's ceiling, from [\d.]+ GiB of memory/],
    ['100,000 arrivals a second', async () => ['run', await scenario('flood', "steady({ rate: 100_000, duration: '1m' })"), '--config', project.config], /journeys\.parents\.load: needs up to 100,000 VUs \(100,000 allocated up front\), over the/],
    ['a 0s load stretched by --duration', async () => ['run', await scenario('zero', "steady({ rate: 2, duration: '0s' })"), '--config', project.config, '--duration', '30s'], /journeys\.parents\.load\.duration: expected a duration of at least 1s \(k6's shortest constant load\), got "0s"/],
    ['--max-vus lots', async () => run(['--max-vus', 'lots']), /--max-vus: expected a whole number > 0, got "lots"/],
    ['a baseline that does not exist', async () => run(['--baseline', path.join(scratch, 'no-such-run')]), /No run record at .*no-such-run/],
  ];

  it('a dataset whose SQL the seeded database refuses: exit 2 once found, the run recorded, nothing left', async () => {
    const file = path.join(scratch, 'bad-dataset.ts');
    await writeFile(
      file,
      `import { dataset, defineScenario, page, steady } from '${REPO_ROOT}/src/index.ts';
export default defineScenario({
  name: 'bad-dataset',
  description: 'a dataset naming a column the schema does not have',
  data: { parents: dataset('select nickname from parents', ['nickname']) },
  journeys: { parents: { data: 'parents', load: steady({ rate: 1, duration: '5s' }), steps: [page('Home', { path: '/healthz' })] } },
});
`,
    );
    const cli = startCli(['run', file, '--config', project.config], { cwd: project.dir });
    const code = await cli.exited;
    expect(code, cli.output()).toBe(2);
    expect(cli.output()).toMatch(/rehearse: .*bad-dataset\.ts: data\.parents\.sql failed: column "nickname" does not exist/);
    expect(cli.output()).not.toMatch(STACK_TRACE);
    const record = await readRunRecord(path.join(project.dir, 'reports', runFolders().find((name) => name.includes('bad-dataset'))!));
    expect(record.failure).toMatchObject({ stage: 'test data' });
    await nothingLeft(cli.child.pid!, cli.output());
  }, 180_000);

  it.each(cases)('%s', async (_, args, message) => {
    const runsBefore = runFolders();
    const result = await rehearse(await args());
    expectUserError(result, message);
    expect(result.stderr).not.toContain('starting Postgres');
    expect(runFolders()).toEqual(runsBefore);
    expect(leftoverProcesses(project)).toEqual([]);
  }, 120_000);
});

describe('a server rehearse did not create', () => {
  const cases: Array<[string, () => string[]]> = [
    ['run --url', () => run(['--url', precious.url])],
    ['seed --url with ?password=', () => ['seed', '--config', project.config, '--url', `${precious.url}?password=hunter2`]],
    ['db reset --url', () => ['db', 'reset', '--config', project.config, '--url', precious.url]],
    ['db clean --url', () => ['db', 'clean', '--config', project.config, '--url', precious.url]],
  ];

  it.each(cases)('%s is refused before anything is written, saying how to mark it', async (_, args) => {
    const runsBefore = runFolders();
    const result = await rehearse(args());
    expectUserError(result, /refusing to write to postgres:\/\/\S+: rehearse did not create this database and it is not marked disposable[\s\S]*rehearse db mark-disposable --url '\S+' --yes/);
    expect(result.stderr + result.stdout).not.toContain('hunter2');
    expect(await precious.fingerprint()).toBe(before);
    expect(runFolders()).toEqual(runsBefore);
  }, 120_000);

  it('is named by doctor: DATABASE_URL set but not used by an embedded config, and not marked disposable', async () => {
    const result = await rehearse(['doctor', '--config', project.config], { env: { DATABASE_URL: precious.url } });
    expect(result.stdout).toMatch(/database used +embedded Postgres \(the default\); DATABASE_URL is set but not used \(the provider is embedded\): pass --db url or set REHEARSE_DB=url/);
    expect(result.stdout).toMatch(/db: url +PostgreSQL [\d.]+.*; not marked disposable, so rehearse will refuse to write there/);
    expect(await precious.fingerprint()).toBe(before);
  }, 120_000);
});

describe('an app whose every answer is an error, and a disk that fills up', () => {
  let failing: http.Server;
  beforeAll(async () => {
    failing = http.createServer((request, response) => response.writeHead(500, { 'content-type': 'text/plain' }).end('upstream unavailable'));
    await new Promise<void>((resolve) => failing.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => failing.close(() => resolve())));

  it('keeps the results of a completed load when the record cannot be written, and the report fails every page', async (context) => {
    const reports = path.join(project.dir, 'reports');
    await mkdir(reports, { recursive: true });
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', reports]);
    if (mounted.status !== 0) {
      console.log(`SKIP full-disk run: cannot mount a small tmpfs over the reports folder (${mounted.stderr.toString().trim() || 'not root'})`);
      context.skip();
    }
    const label = `third-party-${'x'.repeat(290)}`;
    const config = path.join(project.dir, 'third-party.config.ts');
    const source = await readFile(project.config, 'utf8');
    // A third-party app with no releases of its own: --release is then a free label.
    const thirdParty = source.replace(/app: \{[\s\S]*?\n  \},/, `app: { baseUrl: 'http://127.0.0.1:${(failing.address() as AddressInfo).port}' },`).replace(/\n  releases: .*,/, '');
    await writeFile(config, thirdParty);
    let fallback: string | undefined;
    try {
      const cli = startCli(run(['--release', label], config), { cwd: project.dir });
      await cli.waitFor(/probing each page alone/, 180_000);
      // The disk fills up once k6's samples are written: only the record is left to write.
      const { bavail, bsize } = statfsSync(reports);
      await writeFile(path.join(reports, 'filler'), Buffer.alloc(Number(bavail) * Number(bsize))).catch(() => undefined);
      const code = await cli.exited;
      const output = cli.output();
      expect(code, output).toBe(3);
      const saved = /The record was saved to (\S+) instead/.exec(output);
      expect(output).toMatch(/could not write the run record \S+\/run\.json: ENOSPC/);
      expect(saved, output).not.toBeNull();
      fallback = saved![1]!;
      expect(output).not.toMatch(/a bug in rehearse|ENAMETOOLONG/);
      const runDir = path.join(reports, readdirSync(reports).find((name) => name.includes('third-party'))!);
      expect(path.basename(runDir).length).toBeLessThanOrEqual(100);
      expect(readdirSync(runDir)).toContain('k6-samples.csv.gz');
      expect(readdirSync(runDir).filter((name) => name.endsWith('.tmp'))).toEqual([]);
      await nothingLeft(cli.child.pid!, output);
    } finally {
      spawnSync('umount', [reports]);
    }
    const kept = await readRunRecord(fallback!);
    expect(kept.context.release).toBe(label);
    expect(kept.pages.every((page) => page.errorRate === 1)).toBe(true);
    const report = await rehearse(['report', fallback!, '--format', 'json', '--out', path.join(scratch, 'third-party')]);
    expect(report.code, report.stdout).toBe(1);
    expect(report.stdout).toMatch(/^FAIL — /);
    expect(report.stdout).toMatch(/✗ overall: k6 found its threshold http_req_failed rate<=0\.01 broken in run \S+/);
    expect(report.stdout).toMatch(/✗ overall: error rate 100\.0 % is over its 1\.0 % budget \(scenario, overall\)/);
    const analysis = JSON.parse(await readFile(path.join(scratch, 'third-party', 'report.json'), 'utf8')) as { pages: { page: string; verdict: string }[] };
    expect(analysis.pages.map((page) => page.verdict)).not.toContain('pass');
    await rm(fallback!, { force: true });
  }, 300_000);
});

describe('rehearse killed or interrupted at each stage', () => {
  /** Run databases of killed runs: a later command must say it dropped each. */
  const leftBehind: number[] = [];
  let later = '';
  let interruptedPid = 0;

  it('a Ctrl-C to the whole process group stops everything and drops the run database itself', async () => {
    const cli = startCli(run(), { cwd: project.dir, detached: true });
    await cli.waitFor(/running parents-evening-login-spike with k6/, 180_000);
    process.kill(-cli.child.pid!, 'SIGINT');
    expect(await cli.exited, cli.output()).toBe(130);
    await nothingLeft(cli.child.pid!, cli.output());
    interruptedPid = cli.child.pid!;
  }, 240_000);

  it.each([
    ['seed', /preparing the data/],
    ['app', /starting the app/],
    ['load', /running parents-evening-login-spike with k6/],
    ['probe', /probing each page alone/],
  ] as const)('kill -9 during %s: what it started stops by itself, and the next command recovers', async (stage, pattern) => {
    const cli = startCli(run(), { cwd: project.dir });
    await cli.waitFor(pattern, 180_000);
    if (stage !== 'seed') leftBehind.push(cli.child.pid!);
    cli.child.kill('SIGKILL');
    await cli.exited;
    later += cli.output();
    await nothingLeft(cli.child.pid!, cli.output());
    const record = await readRunRecord(path.join(project.dir, 'reports', runFolders().sort().at(-1)!));
    expect(record.status).toBe('incomplete');
  }, 240_000);

  it('kill -9 of rehearse and its guard: the next command stops the orphans it can prove are its own', async () => {
    const cli = startCli(run(), { cwd: project.dir });
    const output = await cli.waitFor(/healthy at http:\/\/127\.0\.0\.1:(\d+)/, 180_000);
    await cli.waitFor(/running parents-evening-login-spike with k6/, 60_000);
    leftBehind.push(cli.child.pid!);
    for (const guard of processesMatching(`orphan-guard-process.mjs ${cli.child.pid} `)) process.kill(guard, 'SIGKILL');
    cli.child.kill('SIGKILL');
    await cli.exited;
    later += cli.output();
    expect(await isListening(Number(output[1])), 'the orphaned app still answers').toBe(true);

    const clean = await rehearse(['db', 'clean', '--config', project.config]);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).toMatch(new RegExp(`recovered: stopped the project's Postgres server \\(pid \\d+\\), left running by \`rehearse run .+\` \\(pid ${cli.child.pid}\\), which did not finish`));
    expect(clean.stderr).toMatch(/recovered: stopped .*(server\.ts|sh -c).* left running by/);
    await nothingLeft(cli.child.pid!, cli.output());
    later += clean.stderr + clean.stdout;
    for (const pid of leftBehind) expect(later, `run database of killed run ${pid}`).toMatch(new RegExp(`recovered: dropped .*rehearse_run_${pid}_`));
    // The interrupted run dropped its own database: nothing had to recover it.
    expect(later).not.toContain(`rehearse_run_${interruptedPid}_`);

    const again = await rehearse(['db', 'clean', '--config', project.config]);
    expect(again.stdout).toContain('no seeded templates or run copies to drop');
    expect(await precious.fingerprint()).toBe(before);
    expect(leftoverProcesses(project)).toEqual([]);
  }, 300_000);
});
