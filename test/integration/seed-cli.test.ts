import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli, startCli } from '../support/cli.ts';

/** A project using the school-portal model through rehearse.config.ts, with the embedded cluster kept in .rehearse/pg. */
describe('rehearse seed, db reset and db clean from the command line', () => {
  let project: string;

  beforeAll(async () => {
    project = await mkdtemp(path.join(os.tmpdir(), 'rehearse-seed-cli-'));
    // Like a checkout: as root the server runs as "postgres", which must reach .rehearse/pg inside.
    await chmod(project, 0o755);
    const model = path.join(REPO_ROOT, 'fixtures/school-portal/model.ts');
    await writeFile(path.join(project, 'rehearse.config.ts'), `export default { data: { model: ${JSON.stringify(model)}, scale: 0.002, seed: 3 } };\n`);
  });

  afterAll(async () => {
    await rm(project, { recursive: true, force: true });
  });

  it('seeds, prints one JSON object, and keeps the template in the project cluster', async () => {
    const first = await runCli(['seed', '--json'], { cwd: project });
    expect(first.code, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout) as Record<string, unknown>;
    expect(Object.keys(result)).toEqual(expect.arrayContaining(['database', 'scale', 'seed', 'tables', 'totalRows', 'seconds', 'checksum']));
    expect(result.database).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/rehearse$/);
    expect(result).toMatchObject({ scale: 0.002, seed: 3, template: { reused: false } });
    expect((result.tables as { name: string; rows: number; seconds: number }[]).find((t) => t.name === 'students')).toMatchObject({ rows: 2_000 });
    expect(existsSync(path.join(project, '.rehearse/pg/data/PG_VERSION'))).toBe(true);

    const second = await runCli(['seed'], { cwd: project });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('reusing template');
    expect(second.stdout).toContain(`checksum  ${result.checksum as string}`);
    expect(second.stdout).toMatch(/^students\s+2,000/m);
  });

  it('resets the database from its template, then cleans the templates away', async () => {
    const reset = await runCli(['db', 'reset'], { cwd: project });
    expect(reset.code, reset.stderr).toBe(0);
    expect(reset.stdout).toMatch(/\/rehearse is a fresh copy of rehearse_tpl_/);

    const clean = await runCli(['db', 'clean'], { cwd: project });
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stdout).toMatch(/dropped rehearse_tpl_/);

    const afterClean = await runCli(['db', 'reset'], { cwd: project });
    expect(afterClean.code).toBe(2);
    expect(afterClean.stderr).toContain('run `rehearse seed` first');

    const all = await runCli(['db', 'clean', '--all'], { cwd: project });
    expect(all.code, all.stderr).toBe(0);
    expect(existsSync(path.join(project, '.rehearse/pg'))).toBe(false);
  });
});

/** A new user's project: a scratch config, models of their own, and a look at the data. */
describe('rehearse seed with a model nobody wrote generators for, then db psql', () => {
  let project: string;
  const conduit = path.join(REPO_ROOT, 'test/fixtures/schemas/conduit/model.ts');

  beforeAll(async () => {
    project = await mkdtemp(path.join(os.tmpdir(), 'rehearse-seed-models-'));
    await chmod(project, 0o755);
    await writeFile(path.join(project, 'rehearse.config.ts'), `export default { data: { scale: 0.05, seed: 5 } };\n`);
  });

  afterAll(async () => {
    await runCli(['db', 'clean', '--all'], { cwd: project });
    await rm(project, { recursive: true, force: true });
  });

  it('refuses a model with a negative row count, naming the file, the path and what was expected, before starting anything', async () => {
    await writeFile(path.join(project, 'bad-model.ts'), `export default { name: 'bad', tables: { users: { rows: -5 } } };\n`);
    const result = await runCli(['seed', '--model', 'bad-model.ts'], { cwd: project });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('rehearse: bad-model.ts: tables.users.rows: expected a whole number of rows, 0 or more, got -5\n');
    expect(existsSync(path.join(project, '.rehearse/pg'))).toBe(false);
  });

  it('loads a model from a folder whose package.json is not "type": "module"', async () => {
    const folder = path.join(project, 'models');
    await mkdir(folder);
    await writeFile(path.join(folder, 'package.json'), '{ "name": "models", "type": "commonjs" }\n');
    await writeFile(path.join(folder, 'model.ts'), `export const model = { name: 'cjs', migrations: ['schema.sql'], tables: { notes: { rows: 600 } } };\n`);
    await writeFile(path.join(folder, 'schema.sql'), 'create table notes (id bigserial primary key, body text not null, created_at timestamptz not null);\n');
    const result = await runCli(['seed', '--model', 'models/model.ts', '--json', '--database', 'notes'], { cwd: project });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ totalRows: 30 });
  });

  it('seeds the conduit from row counts into the default database, replacing what another model left there, and shows it with db psql -c', async () => {
    const first = await runCli(['seed', '--model', conduit, '--json'], { cwd: project });
    expect(first.code, first.stderr).toBe(0);
    const other = await runCli(['seed', '--model', 'models/model.ts'], { cwd: project });
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toContain('database rehearse held other tables (article_tags, articles, comments, favorites, follows, tags, …); it gets model "cjs" instead');
    const back = await runCli(['seed', '--model', conduit], { cwd: project });
    expect(back.code, back.stderr).toBe(0);
    expect(back.stderr).toContain('reusing template');
    const look = await runCli(['db', 'psql', '-c', 'select count(*) as follows, count(distinct follower_id) as followers from follows'], { cwd: project });
    expect(look.code, look.stderr).toBe(0);
    expect(look.stdout).toMatch(/^ follows \| followers\n-+\+-+\n +600 \| +\d+\n\(1 row\)\n$/);
    const wrong = await runCli(['db', 'psql', '-c', 'select nope from follows'], { cwd: project });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('ERROR:  column "nope" does not exist');
  });

  it('stops at the first Ctrl-C in the middle of the load, stops the server, and leaves the cluster usable', async () => {
    const cli = startCli(['seed', '--model', conduit, '--scale', '10', '--seed', '9'], { cwd: project });
    await cli.waitFor(/seeding 7 tables/, 120_000);
    // Well inside the COPY of the largest tables (several seconds at this scale).
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(130);
    expect(cli.output()).toContain('rehearse: interrupted; everything it started has been stopped');
    const after = await runCli(['db', 'psql', '--database', 'postgres', '-c', 'select count(*) as builds from pg_database where datname like $$rehearse_build_%$$'], { cwd: project });
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toMatch(/^ builds\n-+\n +0\n\(1 row\)\n$/);
  });
});
