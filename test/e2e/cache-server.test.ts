import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Analysis } from '../../src/analyze/analysis.ts';
import { findRedisServer } from '../../src/cache-server/start-redis.ts';
import { readRunRecord } from '../../src/run/run-record.ts';
import { REPO_ROOT, runCli } from '../support/cli.ts';
import { createRunProject, leftoverProcesses, type RunProject } from '../support/run-project.ts';

const POSTS = path.join(REPO_ROOT, 'scenarios/posts-feed-burst.ts');
const SHORT = ['--duration', '5s', '--rate-scale', '0.25', '--probe-requests', '5'];
const redisServer = await findRedisServer();
if (!redisServer) console.warn('SKIP test/e2e/cache-server.test.ts: redis-server is not installed (apt-get install -y redis-server)');

describe.skipIf(!redisServer)('rehearse run with a cache server (services.redis: { start: true })', () => {
  let project: RunProject;
  let out: string;
  const runs = new Map<string, string>();
  const summaries = new Map<string, string>();
  let redisBefore: number[] = [];

  async function rehearse(release: string): Promise<string> {
    const reports = path.join(project.dir, 'reports');
    const before = new Set(await readdir(reports).catch(() => []));
    const { code, stdout, stderr } = await runCli(['run', POSTS, '--config', project.config, '--release', release, ...SHORT], { cwd: project.dir, timeoutMs: 180_000 });
    expect([0, 1], stderr).toContain(code);
    const created = (await readdir(reports)).filter((entry) => !before.has(entry) && entry !== 'latest');
    expect(created).toHaveLength(1);
    summaries.set(release, stdout);
    return path.join(reports, created[0]!);
  }

  beforeAll(async () => {
    project = await createRunProject(0.002, undefined, { services: { redis: { start: true } } });
    redisBefore = redisServers();
    out = await mkdtemp(path.join(os.tmpdir(), 'rehearse-cache-reports-'));
    for (const release of ['baseline', 'posts-cache-per-user']) runs.set(release, await rehearse(release));
  }, 400_000);

  afterAll(async () => {
    await project?.remove();
    if (out) await rm(out, { recursive: true, force: true });
  });

  it('watches the redis-server it started every second of the load, and stops it', async () => {
    const record = await readRunRecord(runs.get('baseline')!);
    expect(record.stages.map((stage) => `${stage.name}:${stage.status}`)).toContain('cache server:ok');
    expect(record.stages.map((stage) => `${stage.name}:${stage.status}`)).toContain('collect cache server:ok');
    const cache = record.cacheServer!;
    expect(cache).toMatchObject({ source: 'started', notMeasured: null, intervalMs: 1000 });
    expect(cache.samples.length).toBeGreaterThanOrEqual(3);
    const total = (name: string) => cache.samples.reduce((sum, sample) => sum + (sample.commands[name] ?? 0), 0);
    // The fixture's posts feed went through Redis: lookups, and the stores after misses.
    expect(total('get')).toBeGreaterThan(0);
    expect(total('set')).toBeGreaterThan(0);
    expect(cache.samples.some((sample) => sample.hits > 0)).toBe(true);
    expect(cache.samples.every((sample) => sample.usedMemoryBytes > 0)).toBe(true);
    expect(cache.samples.some((sample) => sample.connectedClients >= 1)).toBe(true);
    const posts = record.queryProfiles.find((profile) => profile.page === 'Posts')!;
    expect(posts.cacheCommandsPerRequest).toBeGreaterThanOrEqual(1);
    expect(posts.cacheCommands?.get).toBeCloseTo(1);
    expect(summaries.get('baseline')).toMatch(/cache server during the load: \d+ commands\/s \(busiest second \d+\), [\d.]+ % hits, CPU [\d.]+ cores at peak/);
    expect(summaries.get('baseline')).toMatch(/cache cmds\/request/);
    expect(leftoverProcesses(project)).toEqual([]);
    // A system Redis may run beside it; every one the runs started is gone.
    expect(redisServers().filter((pid) => !redisBefore.includes(pid))).toEqual([]);
  });

  it('fails posts-cache-per-user against baseline on the Posts page: every lookup misses on the cache server', async () => {
    const dir = path.join(out, 'posts-cache-per-user');
    const result = await runCli(['compare', runs.get('baseline')!, runs.get('posts-cache-per-user')!, '--format', 'json,md,csv', '--out', dir], { cwd: project.dir });
    expect(result.code, result.stdout + result.stderr).toBe(1);
    const analysis = JSON.parse(await readFile(path.join(dir, 'report.json'), 'utf8')) as Analysis;
    const check = analysis.checks.find((entry) => entry.kind === 'cache-commands-per-request' && entry.page === 'Posts')!;
    expect(check, JSON.stringify(analysis.checks.map((entry) => entry.sentence))).toBeDefined();
    expect(check.status, check.sentence).toBe('fail');
    expect(check.sentence).toMatch(/^Posts: [\d.]+ cache commands per request, baseline [\d.]+/);
    expect(check.sentence).toMatch(/GET 1, SET 1 per request \(baseline GET 1[^)]*\); 1 missed lookups per request, baseline /);
    expect(await readFile(path.join(dir, 'report.md'), 'utf8')).toContain('cache commands per request');
    // The server's CPU is judged too; at this load both runs' Redis is nearly idle, inside the threshold.
    const cpu = analysis.checks.find((entry) => entry.kind === 'cache-cpu')!;
    expect(cpu.sentence).toMatch(/^Cache server: CPU [\d.]+ % of a core at peak, baseline [\d.]+ %/);
    expect(cpu.status, cpu.sentence).toBe('pass');
    // The CSV report carries the cache server's counters per page and per run.
    const pages = (await readFile(path.join(dir, 'pages.csv'), 'utf8')).trim().split('\n');
    // The cache columns close each row (an earlier cell may be a quoted sentence with commas).
    expect(pages[0]!.split(',').slice(-6, -4)).toEqual(['cache_commands_per_request', 'baseline_cache_commands_per_request']);
    const posts = pages.find((line) => line.startsWith('Posts,'))!.split(',');
    expect(Number(posts.at(-6))).toBeGreaterThan(Number(posts.at(-5)));
    const cache = (await readFile(path.join(dir, 'cache.csv'), 'utf8')).trim().split('\n');
    expect(cache.slice(1).map((line) => line.split(',').slice(1, 3).join(','))).toEqual(['candidate,started', 'baseline,started']);
  });
});

/** Every redis-server process on the machine. */
function redisServers(): number[] {
  return spawnSync('pgrep', ['-x', 'redis-server'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean).map(Number);
}
