import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeRunRecord } from '../../src/run/run-record.ts';
import { runCli } from '../support/cli.ts';
import { page, profile, runRecord, statement } from '../support/run-record-builders.ts';

const SESSION = 'select * from sessions where token = $1';

describe('rehearse report and compare, on records written by hand', () => {
  let dir: string;
  const run = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-report-inputs-'));
    const profiles = (calls: number) => [profile('Posts', [{ name: 'a1', query: SESSION, callsPerRequest: calls }])];
    await writeRunRecord(run('base'), runRecord({ id: 'base', scenario: 'posts-feed-burst', pages: [page('Posts')], statements: [statement('a1', SESSION)], profiles: profiles(1) }));
    await writeRunRecord(run('base2'), runRecord({ id: 'base2', scenario: 'posts-feed-burst', pages: [page('Posts')], statements: [statement('a1', SESSION)], profiles: profiles(1) }));
    await writeRunRecord(run('worse'), runRecord({ id: 'worse', release: 'worse', scenario: 'posts-feed-burst', pages: [page('Posts')], statements: [statement('a1', SESSION)], profiles: profiles(9) }));
    await writeRunRecord(run('spike'), runRecord({ id: 'spike', scenario: 'parents-evening-login-spike' }));
    await mkdir(run('corrupt'));
    await writeFile(path.join(run('corrupt'), 'run.json'), '{"schemaVersion": 1, "id": ');
    await mkdir(run('future'));
    await writeFile(path.join(run('future'), 'run.json'), JSON.stringify({ schemaVersion: 99, id: 'future' }));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  const cli = (args: string[]) => runCli(args, { cwd: dir, env: { GITHUB_STEP_SUMMARY: '' } });

  it('exits 0 and writes every format into the candidate run directory by default', async () => {
    const { code, stdout, stderr } = await cli(['compare', run('base'), run('base2'), '--no-scenario-budgets']);
    expect(code, stderr).toBe(0);
    expect(stdout.split('\n')[0]).toMatch(/^PASS — posts-feed-burst: baseline against baseline: \d+ of \d+ checks passed/);
    for (const name of ['report.md', 'report.html', 'report.json', 'pages.csv', 'queries.csv', 'timeline.csv', 'junit.xml']) {
      expect(stdout).toContain(`wrote base2/${name}`);
      await readFile(path.join(run('base2'), name), 'utf8');
    }
  });

  it('exits 1 on a regression, prints the failing sentence and appends the Markdown to $GITHUB_STEP_SUMMARY', async () => {
    const summary = path.join(dir, 'summary.md');
    const { code, stdout } = await runCli(['compare', run('base'), run('worse'), '--format', 'md', '--out', run('out'), '--no-scenario-budgets'], { cwd: dir, env: { GITHUB_STEP_SUMMARY: summary } });
    expect(code).toBe(1);
    expect(stdout).toContain('✗ Posts: 9 queries per request, baseline 1 (9×)');
    expect(await readFile(summary, 'utf8')).toContain('## ❌ FAIL — posts-feed-burst: worse against baseline');
  });

  it('accepts repeats per side, comma-separated or listed', async () => {
    const compared = await cli(['compare', `${run('base')},${run('base2')}`, run('worse'), '--format', 'json', '--out', run('out-repeats'), '--no-scenario-budgets']);
    expect(compared.code).toBe(1);
    expect(compared.stdout).toContain('worse against baseline (2 runs)');
    const reported = await cli(['report', run('worse'), '--baseline', run('base'), run('base2'), '--format', 'json', '--out', run('out-report'), '--no-scenario-budgets']);
    expect(reported.stdout).toContain('worse against baseline (2 runs)');
  });

  it('notes, rather than fails on, a scenario file it cannot find', async () => {
    const { stdout } = await cli(['report', run('base'), '--format', 'md', '--out', run('out-note')]);
    expect(stdout).toContain("note: The scenario's budgets were not checked: scenarios/posts-feed-burst.ts (from run base) was not found.");
  });

  it.each([
    ['a missing run', () => ['report', run('nowhere')], /No run record at .*nowhere: pass a run directory \(reports\/<run-id>\) or its run.json/],
    ['a corrupt record', () => ['compare', run('base'), run('corrupt')], /corrupt\/run.json is not valid JSON .*: the run record is damaged; run the scenario again./],
    ['an incompatible schema version', () => ['compare', run('future'), run('base')], /future\/run.json has run record schemaVersion 99; rehearse .* reads schemaVersion 1/],
    ['a baseline from another scenario', () => ['compare', run('spike'), run('base')], /Baseline run spike is from scenario "parents-evening-login-spike", but candidate base is from scenario "posts-feed-burst": a baseline must be a run of the same scenario./],
    ['an unknown format', () => ['report', run('base'), '--format', 'md,pdf'], /--format: expected a comma-separated list of md, html, json, csv, junit, got "md,pdf"/],
    ['a bad tolerance', () => ['report', run('base'), '--tolerance', 'lots'], /--tolerance: expected a percentage such as 10% or a fraction such as 0.1, got "lots"/],
  ])('exits 2 with a clear message on %s', async (_, args, message) => {
    const { code, stderr } = await cli(args());
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
