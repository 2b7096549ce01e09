import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analyze/analysis.ts';
import { readRunRecord, type RunRecord } from '../../src/run/run-record.ts';
import { REPO_ROOT, runCli } from '../support/cli.ts';
import { createRunProject, type RunProject } from '../support/run-project.ts';

// Real runs of the school-portal fixture at a small scale: two baseline
// runs per scenario (their two ordered pairs are the no-false-alarm
// comparisons; the long A/A series is a benchmark's, not CI's) and one run of
// each release. About 16 runs of ~25 s on 2 cores: the light ones two at a
// time, each lane on its own project (its own cluster, so neither sees the
// other's statements), which together use well under one core; the busy ones
// (contention shows only at the spike's full rate) one at a time.
const SPIKE = path.join(REPO_ROOT, 'scenarios/parents-evening-login-spike.ts');
const POSTS = path.join(REPO_ROOT, 'scenarios/posts-feed-burst.ts');
/** Every run is 10 s; contention (a lock or a connection held ~50 ms per sign-in) shows only when sign-ins overlap, at the spike's full rate. */
const LOADS = { light: ['--duration', '10s', '--rate-scale', '0.3'], busy: ['--duration', '10s', '--rate-scale', '1'] } as const;
type Load = keyof typeof LOADS;

interface Regression {
  release: string;
  scenario: string;
  page: string;
  /** The query the release changed. */
  query: RegExp;
  /** The release changed the query's text (so its fingerprint is not the baseline's); the others change how often it runs or its plan. */
  rewritten: boolean;
  /** What the lead sentence must also say about the cause. */
  cause?: RegExp;
}

/** A release whose regression is not in a query's counters: the lead sentence must name the kind of cause. */
interface Diagnosis {
  release: string;
  scenario: string;
  load: Load;
  /** The page the lead sentence is about, or null for an app-wide cause (the pool). */
  page: string | null;
  /** The real cause, as the lead sentence must name it. */
  cause: RegExp;
}

/** A change that costs nothing more: the comparison passes. */
interface Harmless {
  release: string;
  scenario: string;
}

const REGRESSIONS: Regression[] = [
  { release: 'bookings-n-plus-one', scenario: SPIKE, page: 'My Bookings', query: /where (c\.)?id = \$1|from appointments a where a\.(parent|teacher)_id = \$1/, rewritten: true },
  { release: 'drop-bookings-index', scenario: SPIKE, page: 'My Bookings', query: /a\.teacher_id = \$1/, rewritten: false },
  { release: 'posts-cache-per-user', scenario: POSTS, page: 'Posts', query: /from posts/, rewritten: false },
  { release: 'recipients-unbounded', scenario: POSTS, page: 'Posts', query: /post_recipients/, rewritten: true },
  { release: 'posts-feed-no-limit', scenario: POSTS, page: 'Posts', query: /from posts/, rewritten: true, cause: /is a LIMIT missing\?/ },
  { release: 'posts-json-filter', scenario: POSTS, page: 'Posts', query: /attributes/, rewritten: true, cause: /Seq Scan on posts/ },
];

const DIAGNOSES: Diagnosis[] = [
  { release: 'login-hot-row', scenario: SPIKE, load: 'busy', page: 'Login', cause: /^(?=.*login_counters)(?=.*\block)/ },
  { release: 'login-transaction-across-hash', scenario: SPIKE, load: 'busy', page: 'Login', cause: /sat idle/ },
  { release: 'pool-too-small', scenario: SPIKE, load: 'busy', page: null, cause: /waiting for a connection/ },
];

const HARMLESS: Harmless[] = [
  { release: 'bookings-read-transaction', scenario: SPIKE },
  { release: 'bookings-query-rewritten', scenario: SPIKE },
];

const RELEASES: Array<{ release: string; scenario: string; load?: Load }> = [...REGRESSIONS, ...DIAGNOSES, ...HARMLESS];
const key = (scenario: string, release: string, load: Load = 'light') => `${scenario}:${load}:${release}`;

describe('rehearse compare on real runs of the fixture releases', () => {
  /** Two projects of the same model, scale and seed: the same data in two clusters. */
  let lanes: RunProject[];
  let project: RunProject;
  let out: string;
  const runs = new Map<string, string[]>();

  async function rehearse(scenario: string, release: string, load: Load = 'light', lane = project): Promise<string> {
    const reports = path.join(lane.dir, 'reports');
    const before = new Set(await readdir(reports).catch(() => []));
    const { code, stderr } = await runCli(['run', scenario, '--config', lane.config, '--release', release, ...LOADS[load]], { cwd: lane.dir, timeoutMs: 240_000 });
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

  /** Runs the jobs in order on the lanes, one job per lane at a time. */
  async function onLanes(jobs: Array<(lane: RunProject) => Promise<void>>): Promise<void> {
    const queue = [...jobs];
    await Promise.all(lanes.map(async (lane) => {
      for (let job = queue.shift(); job; job = queue.shift()) await job(lane);
    }));
  }

  beforeAll(async () => {
    lanes = await Promise.all([createRunProject(0.005), createRunProject(0.005)]);
    project = lanes[0]!;
    out = await mkdtemp(path.join(os.tmpdir(), 'rehearse-reports-'));
    const record = (scenario: string, release: string, load: Load = 'light') => async (lane: RunProject) => {
      const run = await rehearse(scenario, release, load, lane);
      runs.set(key(scenario, release, load), [...(runs.get(key(scenario, release, load)) ?? []), run]);
    };
    const light = RELEASES.filter((release) => (release.load ?? 'light') === 'light');
    const busy = RELEASES.filter((release) => release.load === 'busy');
    // Each lane seeds its template with its first run; the two baseline runs of a scenario come from different lanes.
    await onLanes([
      ...[SPIKE, POSTS, SPIKE, POSTS].map((scenario) => record(scenario, 'baseline')),
      ...light.map(({ scenario, release }) => record(scenario, release)),
    ]);
    for (const job of [record(SPIKE, 'baseline', 'busy'), ...busy.map(({ scenario, release }) => record(scenario, release, 'busy'))]) await job(project);
  }, 1_200_000);

  afterAll(async () => {
    await Promise.all((lanes ?? []).map((lane) => lane.remove()));
    await rm(out, { recursive: true, force: true });
  });

  for (const expected of REGRESSIONS) {
    it(`fails ${expected.release} against baseline, naming ${expected.page} and the query the release changed`, async () => {
      const baseline = runs.get(key(expected.scenario, 'baseline'))![0]!;
      const candidate = runs.get(key(expected.scenario, expected.release))![0]!;
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
      if (expected.cause) expect(first.sentence).toMatch(expected.cause);
      console.log(`${expected.release}: ${first.sentence}`);
      expect(stdout.split('\n')[1]).toContain(first.sentence);
    });
  }

  for (const expected of DIAGNOSES) {
    it(`fails ${expected.release} against baseline, and the lead sentence names the real cause`, async () => {
      const baseline = runs.get(key(expected.scenario, 'baseline', expected.load))![0]!;
      const candidate = runs.get(key(expected.scenario, expected.release, expected.load))![0]!;
      // Regressions only: the busy load may break an absolute budget on this machine in any run.
      const { code, stdout, analysis } = await compare(baseline, candidate, expected.release, ['--no-scenario-budgets']);
      const first = analysis.checks[0]!;
      const waits = analysis.checks.filter((check) => ['lock-waits', 'idle-in-transaction', 'pool-waits'].includes(check.kind) && check.measured !== 0);
      console.log(`${expected.release}: ${first.sentence}\n  ${waits.map((check) => `${check.status} ${check.sentence}`).join('\n  ')}`);
      expect(code, stdout).toBe(1);
      expect(first.status).toBe('fail');
      if (expected.page) expect(first.page, first.sentence).toBe(expected.page);
      expect(first.sentence).toMatch(expected.cause);
      expect(stdout.split('\n')[1]).toContain(first.sentence);
    });
  }

  for (const expected of HARMLESS) {
    it(`passes ${expected.release} against baseline: the change costs nothing more`, async () => {
      const baseline = runs.get(key(expected.scenario, 'baseline'))![0]!;
      const candidate = runs.get(key(expected.scenario, expected.release))![0]!;
      // Regressions only, as for baseline against baseline: an absolute budget may break on a loaded machine.
      const { code, analysis } = await compare(baseline, candidate, expected.release, ['--no-scenario-budgets']);
      const failed = analysis.checks.filter((check) => check.status === 'fail').map((check) => check.sentence);
      console.log(`${expected.release}: ${analysis.headline}`);
      expect(failed).toEqual([]);
      expect(code).toBe(0);
    });
  }

  it('never fails baseline against baseline (4 comparisons: both ordered pairs of 2 baseline runs, per scenario)', async () => {
    const outcomes: string[] = [];
    for (const scenario of [SPIKE, POSTS]) {
      const baselines = runs.get(key(scenario, 'baseline'))!;
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
    expect(outcomes).toHaveLength(4);
    expect(outcomes.filter((outcome) => !outcome.startsWith('0 ')), outcomes.join('\n')).toEqual([]);
  });

  it('gates on budgets: below the measured p95, queries per request and query calls it fails with exit 1 and JUnit failures, above them it passes', async () => {
    // The baseline run that had the machine to itself: a light run shares it with the other lane, and a
    // run the other lane kept waiting has its timing budgets rightly untrusted (warnings, not failures).
    const run = runs.get(key(SPIKE, 'baseline', 'busy'))![0]!;
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
