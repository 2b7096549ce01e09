import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AbSummary } from '../../src/ab/ab-summary.ts';
import type { Analysis } from '../../src/analyze/analysis.ts';
import { REPO_ROOT, runCli } from '../support/cli.ts';
import { createRunProject, leftoverProcesses, type RunProject } from '../support/run-project.ts';

const SPIKE = `${REPO_ROOT}/scenarios/parents-evening-login-spike.ts`;
// Short runs: the verdicts they reach are whatever 8 seconds can tell; the structure, the counter gate and the exit code are what is asserted.
const SHORT = ['--duration', '8s', '--rate-scale', '0.25', '--probe-requests', '5'];
const PAGES = ['Login', 'My Bookings', 'Video call'];
const VERDICT_WORDS = ['DIFFERENT', 'SAME', 'NOT SURE'];

/** A second checkout's config beside the project (same app and model unless `edit` changes them), as a pull-request job has the base branch. */
async function baseCheckout(project: RunProject, edit: (source: string) => string = (source) => source): Promise<string> {
  const dir = await mkdtemp(path.join(project.dir, 'base-'));
  const file = path.join(dir, 'rehearse.config.ts');
  await writeFile(file, edit(await readFile(project.config, 'utf8')));
  return file;
}

/** The A/B folder of `release`: its summary, its report's analysis and Markdown. */
async function abFolder(project: RunProject, release: string) {
  const folders = (await readdir(path.join(project.dir, 'reports'))).filter((name) => name.startsWith('ab-') && name.endsWith(`-${release}`));
  expect(folders).toHaveLength(1);
  const dir = path.join(project.dir, 'reports', folders[0]!);
  const summary = JSON.parse(await readFile(path.join(dir, 'ab.json'), 'utf8')) as AbSummary;
  const analysis = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as Analysis;
  const markdown = await readFile(path.join(dir, 'report.md'), 'utf8');
  return { dir, summary, analysis, markdown };
}

describe('rehearse ab, end to end on the school-portal fixture', () => {
  // One project for every test: the data is seeded once, and every later run clones its template.
  let project: RunProject;
  beforeAll(async () => {
    project = await createRunProject();
  });
  afterAll(async () => {
    await project?.remove();
  });

  it('refuses a baseline checkout that seeds other data, and an unknown release, before anything starts (exit 2)', async () => {
    const otherSeed = await baseCheckout(project, (source) => source.replace('seed: 7', 'seed: 8'));
    const refused = await runCli(['ab', SPIKE, '--config', project.config, '--baseline-config', otherSeed], { cwd: project.dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/data\.seed: 8 in the baseline's config \(.*\), 7 in this one \(.*\); both sides must rehearse the same data: pass --seed/);

    const { code, stderr } = await runCli(['ab', SPIKE, '--config', project.config, '--baseline-release', 'baseline', '--release', 'no-such-release'], { cwd: project.dir });
    expect(code).toBe(2);
    expect(stderr).toMatch(/--release: unknown release "no-such-release"; known: baseline, /);
    expect(existsSync(path.join(project.dir, 'reports'))).toBe(false);
  });

  it('alternates the sides, judges every page with a verdict word, and exits by the gate', async () => {
    const { code, stdout, stderr } = await runCli(['ab', SPIKE, '--config', project.config, '--baseline-release', 'baseline', '--release', 'bookings-costly-render', '--max-repeats', '2', ...SHORT], {
      cwd: project.dir,
      timeoutMs: 150_000,
    });
    const { dir, summary, analysis, markdown } = await abFolder(project, 'bookings-costly-render');
    console.log(`ab bookings-costly-render (exit ${code}): ${summary.verdicts.map((verdict) => `${verdict.page} ${verdict.verdict} ${verdict.ratio.toFixed(2)}× (${verdict.low.toFixed(2)}–${verdict.high.toFixed(2)})`).join('; ')}; stopped: ${summary.stop.sentence}`);

    // A B, then B A (one run per side never decides a timing): every run a complete rehearsal inside the A/B folder.
    const order = summary.runs.map((run) => run.side);
    expect(order, summary.stop.sentence).toEqual(['baseline', 'candidate', 'candidate', 'baseline']);
    for (const run of summary.runs) {
      expect(run).toMatchObject({ status: 'complete', compared: true });
      expect(existsSync(path.join(dir, run.dir, 'run.json'))).toBe(true);
    }
    expect(summary.pairs).toBe(order.length / 2);
    expect(summary).toMatchObject({ complete: true, maxRepeats: 2, baseline: { release: 'baseline' }, candidate: { release: 'bookings-costly-render' }, data: { scale: 0.002, seed: 7, model: 'shared' } });
    expect(stderr).toMatch(/reusing template/);
    expect(stderr).toMatch(/^pair 1 of at most 2: /m);

    // Every page judged on every run of each side, in the exact words, in ab.json, report.json and report.md.
    expect(summary.verdicts.map((verdict) => verdict.page).sort()).toEqual(PAGES);
    for (const verdict of summary.verdicts) {
      expect(VERDICT_WORDS).toContain(verdict.verdict);
      expect(verdict.runs).toEqual({ baseline: summary.pairs, candidate: summary.pairs });
      const line = `A/B timing verdict — ${verdict.page}: ${verdict.verdict}`;
      expect(analysis.notes.some((note) => note.startsWith(line))).toBe(true);
      // The verdict `ab` stopped on is the one the comparison reports and gates on.
      expect(analysis.pages.find((page) => page.page === verdict.page)?.p95Verdict).toMatchObject({ verdict: verdict.verdict, ratio: verdict.ratio, low: verdict.low, high: verdict.high });
      expect(markdown).toContain(line);
      expect(stdout).toContain(`  ${verdict.page}: ${verdict.verdict}`);
    }
    expect(analysis.candidate.map((run) => run.id).sort()).toEqual(summary.runs.filter((run) => run.side === 'candidate').map((run) => run.id).sort());
    expect(analysis.baseline.map((run) => run.id).sort()).toEqual(summary.runs.filter((run) => run.side === 'baseline').map((run) => run.id).sort());
    // The release changes computation only: no counter may fail, so the stop is the verdicts' (or the bound's).
    expect(['decided', 'max-repeats']).toContain(summary.stop.reason);
    if (summary.stop.reason === 'max-repeats') expect(summary.verdicts.some((verdict) => verdict.verdict === 'NOT SURE')).toBe(true);
    // The gate is the comparison's, and the exit code says it: a page DIFFERENT and slower fails it, NOT SURE does not (no --strict).
    for (const verdict of summary.verdicts.filter((entry) => entry.direction === 'slower')) {
      expect(summary.gate.failures.some((failure) => failure.startsWith(`${verdict.page}: p95`) && failure.includes('DIFFERENT (slower)'))).toBe(true);
    }
    expect(summary.gate.failures).toEqual(analysis.checks.filter((check) => check.status === 'fail').map((check) => check.sentence));
    expect(code).toBe(summary.gate.status === 'fail' ? 1 : 0);
    expect(stdout).toContain(`wrote ${path.relative(project.dir, path.join(dir, 'report.md'))}`);
    expect(leftoverProcesses(project)).toEqual([]);
  });

  it('fails after one pair on a counter regression, the baseline rehearsed from another checkout\'s config on this one\'s template', async () => {
    const base = await baseCheckout(project);
    const { code, stdout, stderr } = await runCli(['ab', SPIKE, '--config', project.config, '--baseline-config', base, '--release', 'bookings-n-plus-one', '--max-repeats', '3', ...SHORT], {
      cwd: project.dir,
      timeoutMs: 120_000,
    });
    const { summary, analysis } = await abFolder(project, 'bookings-n-plus-one');
    console.log(`ab bookings-n-plus-one (exit ${code}): ${summary.verdicts.map((verdict) => `${verdict.page} ${verdict.verdict}`).join('; ')}; stopped: ${summary.stop.sentence}`);
    expect(code).toBe(1);
    expect(summary.runs.map((run) => run.side)).toEqual(['baseline', 'candidate']);
    expect(summary).toMatchObject({ baseline: { release: null, config: base }, data: { model: 'shared' } });
    // Both sides cloned the template the first test seeded, in this project's cluster: nothing was seeded again.
    expect(stderr).not.toMatch(/building template/);
    expect(existsSync(path.join(path.dirname(base), '.rehearse'))).toBe(false);
    expect(summary.stop.reason).toBe('counter-regression');
    expect(summary.stop.sentence).toMatch(/My Bookings: .*queries per request/);
    expect(summary.gate.status).toBe('fail');
    expect(analysis.checks.find((check) => check.id === 'queries-per-request:My Bookings')?.status).toBe('fail');
    expect(stdout).toMatch(/stopped: a counter regressed after 1 pair/);
    expect(leftoverProcesses(project)).toEqual([]);
  });
});
