import { existsSync } from 'node:fs';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.ts';

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
