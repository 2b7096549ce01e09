import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.ts';

describe('the rehearse command line', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists every command with a one-line description', async () => {
    const { code, stdout } = await runCli(['--help']);
    expect(code).toBe(0);
    for (const command of ['doctor', 'db', 'seed', 'scenario', 'run', 'report', 'compare', 'demo']) {
      expect(stdout).toMatch(new RegExp(`^  ${command}\\b.*\\S`, 'm'));
    }
  });

  it('prints its version', async () => {
    const { code, stdout } = await runCli(['--version']);
    expect(code).toBe(0);
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('exits 2 on an unknown command or flag', async () => {
    expect((await runCli(['deploy'])).code).toBe(2);
    expect((await runCli(['db', 'up', '--db', 'docker'])).stderr).toContain('--db: expected "embedded" | "testcontainers" | "url", got "docker"');
  });

  const badConfigs: [string, string, RegExp][] = [
    ['wrong provider', `export default { db: { provider: 'docker' } };`, /bad\.config\.ts: db\.provider: expected "embedded" \| "testcontainers" \| "url", got "docker"/],
    ['unknown key', `export default { db: { provider: 'embedded', host: 'x' } };`, /bad\.config\.ts: db\.host: unknown key/],
    ['missing app command', `export default { app: { healthPath: '/up' } };`, /bad\.config\.ts: app: expected exactly one of "command"/],
    ['wrong type', `export default { data: { scale: '10x' } };`, /bad\.config\.ts: data\.scale: expected number, got "10x"/],
    ['no default export', `export const config = {};`, /expected a default export/],
    ['syntax error', `export default {\n  db: { provider: 'embedded' ,\n  oops oops\n};\n`, /bad\.config\.ts:3:\d+: ERROR: Expected "}" but found "oops"/],
    ['a throw while loading', `const x = 1;\nthrow new Error('boom');\nexport default {};\n`, /bad\.config\.ts(:\d+:\d+)?: boom/],
  ];

  it.each(badConfigs)('stops before anything starts on a config with %s: exit 2, file and path named', async (_label, source, message) => {
    const file = path.join(dir, 'bad.config.ts');
    await writeFile(file, source);
    const { code, stderr, stdout } = await runCli(['db', 'up', '--config', file], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stdout).not.toContain('is up');
  });

  it('finds rehearse.config.ts in the working directory', async () => {
    const project = await mkdtemp(path.join(dir, 'project-'));
    await writeFile(path.join(project, 'rehearse.config.ts'), `export default { db: { provider: 'sqlite' } };`);
    const { code, stderr } = await runCli(['db', 'up'], { cwd: project });
    expect(code).toBe(2);
    expect(stderr).toContain('rehearse.config.ts: db.provider: expected');
  });

  it('refuses an unknown --release before anything starts, listing the config’s releases', async () => {
    const project = await mkdtemp(path.join(dir, 'releases-'));
    const config = path.join(project, 'rehearse.config.ts');
    await writeFile(config, `export default { app: { command: 'node server.js' }, data: { model: ${JSON.stringify(path.join(REPO_ROOT, 'fixtures/school-portal/model.ts'))} }, releases: { baseline: {}, candidate: { env: { FEATURE: 'on' } } } };`);
    const spike = path.join(REPO_ROOT, 'scenarios/parents-evening-login-spike.ts');
    const { code, stderr } = await runCli(['run', spike, '--config', config, '--release', 'candiate'], { cwd: project });
    expect(code).toBe(2);
    expect(stderr).toContain('--release: unknown release "candiate"; known: baseline, candidate');
    expect(existsSync(path.join(project, 'reports'))).toBe(false);
    expect(existsSync(path.join(project, '.rehearse'))).toBe(false);
  });

  it('refuses an unknown demo release, listing the bundled config’s releases', async () => {
    const { code, stderr } = await runCli(['demo', '--release', 'bookings-n-plus-two'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown release "bookings-n-plus-two"; known: baseline, bookings-n-plus-one, .*login-hot-row/);
  });

  it('reports a missing --config file with exit 2', async () => {
    const { code, stderr } = await runCli(['doctor', '--config', 'nope.config.ts'], { cwd: dir });
    expect(code).toBe(2);
    expect(stderr).toContain('nope.config.ts: config file not found');
  });
});

describe('rehearse doctor', () => {
  it('prints one line per part and exits 0 when the embedded default works', async () => {
    const { code, stdout } = await runCli(['doctor']);
    expect(stdout).toMatch(/^ {2}ok +Node\.js +v\d+/m);
    expect(stdout).toMatch(/^ {2}ok +db: embedded +PostgreSQL \d+\.\d+, pg_stat_statements loaded/m);
    for (const label of ['k6', 'Go', 'Docker engine', 'db: testcontainers', 'db: url']) {
      expect(stdout).toMatch(new RegExp(`^ {2}(ok|warn|MISSING|skip) +${label} `, 'm'));
    }
    expect(code).toBe(0);
    expect(stdout).toContain('The embedded default path works.');
  });
});

describe('rehearse scenario', () => {
  it('lists the shipped scenarios with their descriptions', async () => {
    const { code, stdout } = await runCli(['scenario', 'list']);
    expect(code).toBe(0);
    for (const name of ['parents-evening-login-spike', 'posts-feed-burst', 'steady-browse', 'soak', 'breakpoint']) {
      expect(stdout).toMatch(new RegExp(`^  ${name} +\\S`, 'm'));
    }
    expect(stdout).not.toContain('school-portal-pages');
  });

  it('stops with exit 2 naming the file and field of an invalid scenario, writing nothing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-scenario-'));
    try {
      const file = path.join(dir, 'bad.ts');
      await writeFile(
        file,
        `import { dataset, defineScenario, page, steady } from ${JSON.stringify(path.join(REPO_ROOT, 'src/index.ts'))};
export default defineScenario({
  name: 'bad', description: 'broken on purpose',
  data: { users: dataset('select 1 as id', ['id']) },
  journeys: { users: { data: 'users', load: steady({ rate: -2, duration: '10s' }), steps: [page('Home', { path: '/u/{user_id}' })] } },
  budgets: { pages: { Homepage: { p95Ms: 100 } } },
});
`,
      );
      const out = path.join(dir, 'bad.js');
      const { code, stderr } = await runCli(['scenario', 'build', file, '--out', out]);
      expect(code).toBe(2);
      expect(stderr).toMatch(/bad\.ts: journeys\.users\.load\.rate: expected > 0, got -2/);
      expect(existsSync(out)).toBe(false);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes a script for a shipped scenario', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-scenario-'));
    try {
      const out = path.join(dir, 'spike.js');
      const { code, stdout } = await runCli(['scenario', 'build', 'scenarios/parents-evening-login-spike.ts', '--out', out, '--duration', '20s', '--rate-scale', '0.5']);
      expect(code).toBe(0);
      expect(stdout).toContain('scenarios/parents-evening-login-spike.ts →');
      const script = await readFile(out, 'utf8');
      expect(script).toMatch(/^\/\/ Generated by rehearse \d+\.\d+\.\d+ from scenarios\/parents-evening-login-spike\.ts\./);
      expect(script).toContain('"http_req_duration{page:My Bookings}": ["p(95)<500"]');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
