import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analyze/analysis.ts';
import { readRunRecord, type RunRecord } from '../../src/run/run-record.ts';
import { REPO_ROOT, runCli } from '../support/cli.ts';
import { createRunProject, type RunProject } from '../support/run-project.ts';

// Real runs of the school-portal fixture at a small scale: three baseline
// runs per scenario (their six ordered pairs are the repeated no-false-alarm
// comparisons) and one run of each release. About 10 runs of ~25 s on 2 cores.
const SPIKE = path.join(REPO_ROOT, 'scenarios/parents-evening-login-spike.ts');
const POSTS = path.join(REPO_ROOT, 'scenarios/posts-feed-burst.ts');
const SHORT = ['--duration', '10s', '--rate-scale', '0.3'];

interface Release {
  release: string;
  scenario: string;
  page: string;
  /** The query the release changed. */
  query: RegExp;
  /** The release changed the query's text (so its fingerprint is not the baseline's); the others change how often it runs or its plan. */
  rewritten: boolean;
}

const RELEASES: Release[] = [
  { release: 'bookings-n-plus-one', scenario: SPIKE, page: 'My Bookings', query: /where (c\.)?id = \$1|from appointments a where a\.(parent|teacher)_id = \$1/, rewritten: true },
  { release: 'drop-bookings-index', scenario: SPIKE, page: 'My Bookings', query: /a\.teacher_id = \$1/, rewritten: false },
  { release: 'posts-cache-per-user', scenario: POSTS, page: 'Posts', query: /from posts/, rewritten: false },
  { release: 'recipients-unbounded', scenario: POSTS, page: 'Posts', query: /post_recipients/, rewritten: true },
];

describe('rehearse compare on real runs of the fixture releases', () => {
  let project: RunProject;
  let out: string;
  const runs = new Map<string, string[]>();

  async function rehearse(scenario: string, release: string): Promise<string> {
    const reports = path.join(project.dir, 'reports');
    const before = new Set(await readdir(reports).catch(() => []));
    const { code, stderr } = await runCli(['run', scenario, '--config', project.config, '--release', release, '--app-env', `PORTAL_RELEASE=${release}`, ...SHORT], { cwd: project.dir, timeoutMs: 240_000 });
    const created = (await readdir(reports)).filter((entry) => !before.has(entry) && entry !== 'latest');
    expect([0, 1], stderr).toContain(code);
    expect(created).toHaveLength(1);
    return path.join(reports, created[0]!);
  }

  async function compare(baseline: string, candidate: string, name: string, extra: string[] = []) {
    const dir = path.join(out, name);
    const result = await runCli(['compare', baseline, candidate, '--format', 'json,junit,md', '--out', dir, ...extra], { cwd: project.dir });
    const text = await readFile(path.join(dir, 'report.json'), 'utf8').catch(() => {
      throw new Error(`rehearse compare wrote no report (exit ${result.code}):\n${result.stdout}${result.stderr}`);
    });
    const analysis = JSON.parse(text) as Analysis;
    return { ...result, analysis, dir };
  }

  beforeAll(async () => {
    project = await createRunProject(0.005);
    out = await mkdtemp(path.join(os.tmpdir(), 'rehearse-reports-'));
    for (const scenario of [SPIKE, POSTS]) runs.set(`${scenario}:baseline`, []);
    for (let repeat = 0; repeat < 3; repeat += 1) {
      for (const scenario of [SPIKE, POSTS]) runs.get(`${scenario}:baseline`)!.push(await rehearse(scenario, 'baseline'));
    }
    for (const { scenario, release } of RELEASES) runs.set(`${scenario}:${release}`, [await rehearse(scenario, release)]);
  }, 900_000);

  afterAll(async () => {
    await project?.remove();
    await rm(out, { recursive: true, force: true });
  });

  for (const expected of RELEASES) {
    it(`fails ${expected.release} against baseline, naming ${expected.page} and the query the release changed`, async () => {
      const baseline = runs.get(`${expected.scenario}:baseline`)![0]!;
      const candidate = runs.get(`${expected.scenario}:${expected.release}`)![0]!;
      const { code, stdout, analysis } = await compare(baseline, candidate, expected.release);
      expect(code, stdout).toBe(1);
      const first = analysis.checks[0]!;
      expect(first.status).toBe('fail');
      expect(first.page, first.sentence).toBe(expected.page);
      expect(first.sentence.startsWith(expected.page), first.sentence).toBe(true);
      const baselineRecord: RunRecord = await readRunRecord(baseline);
      const candidateRecord = await readRunRecord(candidate);
      const named = [...candidateRecord.statements, ...candidateRecord.queryProfiles.flatMap((profile) => profile.statements)].find((statement) => statement.fingerprint === first.fingerprint);
      expect(named, first.sentence).toBeDefined();
      expect(named!.query, first.sentence).toMatch(expected.query);
      expect(first.sentence).toContain(named!.id);
      if (expected.rewritten) {
        // The release rewrote or added this query: its text is not among the baseline's.
        expect(baselineRecord.statements.map((statement) => statement.fingerprint)).not.toContain(named!.fingerprint);
      }
      console.log(`${expected.release}: ${first.sentence}`);
      expect(stdout.split('\n')[1]).toContain(first.sentence);
    });
  }

  it('never fails baseline against baseline (12 comparisons: every ordered pair of 3 baseline runs, per scenario)', async () => {
    const outcomes: string[] = [];
    for (const scenario of [SPIKE, POSTS]) {
      const baselines = runs.get(`${scenario}:baseline`)!;
      for (const [i, a] of baselines.entries()) {
        for (const [j, b] of baselines.entries()) {
          if (i === j) continue;
          // Regressions only: an absolute budget (and k6's verdict on it) may break on a loaded machine, in any run.
          const { code, analysis } = await compare(a, b, `bb-${path.basename(scenario)}-${i}-${j}`, ['--no-scenario-budgets']);
          outcomes.push(`${code} ${analysis.headline}: ${analysis.checks.filter((check) => check.status === 'fail').map((check) => check.sentence).join(' | ')}`);
        }
      }
    }
    console.log(outcomes.join('\n'));
    expect(outcomes).toHaveLength(12);
    expect(outcomes.filter((outcome) => !outcome.startsWith('0 ')), outcomes.join('\n')).toEqual([]);
  });

  it('gates on budgets: below the measured p95, queries per request and query calls it fails with exit 1 and JUnit failures, above them it passes', async () => {
    const run = runs.get(`${SPIKE}:baseline`)![0]!;
    const record = await readRunRecord(run);
    const login = record.pages.find((page) => page.page === 'Login')!;
    const bookings = record.queryProfiles.find((profile) => profile.page === 'My Bookings')!;
    const requests = record.pages.reduce((sum, page) => sum + page.requests, 0);
    const query = record.statements.find((statement) => /from appointments a/.test(statement.query))!;
    expect(query, 'the My Bookings query').toBeDefined();
    const callsPerRequest = query.calls / requests;
    for (const [name, factor, code] of [
      ['tight', 0.5, 1],
      ['loose', 20, 0],
    ] as const) {
      // The query is keyed by its SQL text as the report prints it; rehearse matches it by fingerprint.
      const budgets = {
        pages: { Login: { p95Ms: login.latencyMs.p95 * factor + (code === 0 ? 5000 : 0) }, 'My Bookings': { queriesPerRequest: bookings.queriesPerRequest * factor } },
        queries: { [query.query]: { callsPerRequest: callsPerRequest * factor } },
      };
      const config = path.join(project.dir, `budget-${name}.config.ts`);
      await writeFile(config, `export default ${JSON.stringify({ budgets })};\n`);
      const dir = path.join(out, `budget-${name}`);
      const result = await runCli(['report', run, '--config', config, '--no-scenario-budgets', '--format', 'junit,md', '--out', dir], { cwd: project.dir });
      expect(result.code, result.stdout + result.stderr).toBe(code);
      const junit = await readFile(path.join(dir, 'junit.xml'), 'utf8');
      for (const id of ['budget-p95:Login', 'budget-queries-per-request:My Bookings', `budget-query-calls:${query.id}`]) expect(junit).toContain(`name="${id}"`);
      if (code === 1) {
        expect(junit).toMatch(/<failure message="Login: p95 [^"]+ is over its [^"]+ budget \(config\)"/);
        expect(junit).toMatch(/<failure message="My Bookings: queries per request [^"]+ is over its [^"]+ budget \(config\)"/);
        expect(junit).toContain(`query ${query.id} — calls per request of the load`);
        expect(result.stdout).toContain('Login: p95');
      } else {
        expect(junit).not.toContain('<failure');
      }
    }
  });
});
