import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.ts';
import { captureProfile, histogramShape } from '../../src/profile/capture-profile.ts';
import { compareFidelity, renderFidelity } from '../../src/profile/fidelity.ts';
import { differingPlans, parseQueryFile } from '../../src/profile/plan-shape.ts';
import { loadProfile, modelFromProfile } from '../../src/profile/profile-model.ts';
import { ProfileError, type ColumnProfile, type Profile } from '../../src/profile/profile-schema.ts';
import { listedByFrequency, valueShape } from '../../src/seed/profile-columns.ts';
import { shapedRanks, type ValueShape } from '../../src/seed/shaped-ranks.ts';

function ranksOf(shape: ValueShape, rows: number): number[] {
  const rank = shapedRanks(shape, rows, 12345);
  return Array.from({ length: rows }, (_, row) => rank(row));
}

function correlation(values: readonly number[]): number {
  const n = values.length;
  const mx = (n - 1) / 2;
  const my = values.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  values.forEach((y, x) => {
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}

describe('shaped ranks', () => {
  it('gives every distinct value a row, even one value per row', () => {
    const ranks = ranksOf({ distinct: 10_000, frequencies: [], nulls: 0, correlation: 0 }, 10_000);
    expect(new Set(ranks).size).toBe(10_000);
  });

  it('places NULLs, the most common values and the rest in their exact shares', () => {
    const ranks = ranksOf({ distinct: 50, frequencies: [0.4, 0.1], nulls: 0.2, correlation: 0 }, 20_000);
    const count = (r: number) => ranks.filter((x) => x === r).length / ranks.length;
    expect(count(-1)).toBeCloseTo(0.2, 3);
    expect(count(0)).toBeCloseTo(0.4, 3);
    expect(count(1)).toBeCloseTo(0.1, 3);
    expect(new Set(ranks.filter((r) => r >= 0)).size).toBe(50);
  });

  it('lays values out in physical order as far as the correlation asks', () => {
    for (const target of [1, 0.9, 0.5, 0, -1]) {
      const ranks = ranksOf({ distinct: 40_000, frequencies: [], nulls: 0, correlation: target }, 40_000);
      expect(Math.abs(correlation(ranks) - target), `correlation ${target}`).toBeLessThan(0.1);
    }
  });
});

describe('a column shaped by a profile', () => {
  it('scales a distinct share with the rows and keeps a distinct count', () => {
    const stats = { nullFrac: 0, avgWidth: 8, correlation: null, mcvFrequencies: [] };
    expect(valueShape({ ...stats, nDistinct: -0.5 }, 1000, 0).distinct).toBe(500);
    expect(valueShape({ ...stats, nDistinct: 30 }, 1000, 0).distinct).toBe(30);
    expect(valueShape({ ...stats, nDistinct: 30 }, 10, 0).distinct).toBe(10);
  });

  it('ranks a listed column so its average width matches production\'s when values are not in the profile', () => {
    const shape: ValueShape = { distinct: 3, frequencies: [0.7, 0.2, 0.1], nulls: 0, correlation: 0 };
    // 0.7 × "shipped" (8 bytes with its header) + 0.2 × "new" (4) + 0.1 × "paid" (5) = 6.9
    expect(listedByFrequency(['new', 'paid', 'shipped'], shape, { avgWidth: 6.9 })).toEqual(['shipped', 'new', 'paid']);
    expect(listedByFrequency(['new', 'paid', 'shipped'], shape, { avgWidth: 0, mcvValues: ['paid', 'new', 'shipped'] })).toEqual(['paid', 'new', 'shipped']);
  });
});

const column = (name: string, overrides: Partial<ColumnProfile> = {}): ColumnProfile => ({
  name, type: 'integer', nullFrac: 0, avgWidth: 4, nDistinct: -1, correlation: 1, mcvFrequencies: [], histogramBounds: 101, ...overrides,
});

const profile = (tables: Profile['tables']): Profile => ({
  format: 'rehearse-profile', version: 1, capturedAt: '2026-12-01T00:00:00Z', server: { version: '18.1', versionNum: 180001 },
  schema: 'public', includesValues: false, settings: {}, tables,
});

const table = (name: string, rows: number, columns: ColumnProfile[]): Profile['tables'][number] => ({ name, rows, pages: 10, bytes: 81920, columns, indexes: [], constraints: [] });

describe('fidelity', () => {
  it('compares counts at the seeded scale and lists the columns out of tolerance', () => {
    const production = profile([table('orders', 10_000, [column('id'), column('status', { nDistinct: 4, mcvFrequencies: [0.7, 0.2, 0.05, 0.05] }), column('note', { nullFrac: 0.9 })])]);
    const seeded = profile([table('orders', 1_000, [column('id'), column('status', { nDistinct: 4, mcvFrequencies: [0.5, 0.3, 0.1, 0.1] }), column('note', { nullFrac: 0.91 })])]);
    const report = compareFidelity(production, seeded, 0.1);
    expect(report.tables).toEqual([{ name: 'orders', productionRows: 10_000, expectedRows: 1_000, seededRows: 1_000 }]);
    expect(report.columns.map((c) => [c.column, c.outOfTolerance])).toEqual([['id', []], ['status', ['topFrequency']], ['note', []]]);
    expect(report.withinTolerance.topFrequency).toBeCloseTo(2 / 3);
    expect(report.goalMet).toBe(false);
    expect(renderFidelity(report)).toContain('orders.status: topFrequency 0.700 → 0.500');
  });

  it('lists the queries whose plan shape differs from production\'s', () => {
    const production = [{ query: 'q1', shape: 'Index Scan using a' }, { query: 'q2', shape: 'Seq Scan; seq scan on t' }];
    expect(differingPlans(production, [{ query: 'q1', shape: 'Index Scan using a' }, { query: 'q2', shape: 'Bitmap Heap Scan' }])).toEqual([{ query: 'q2', production: 'Seq Scan; seq scan on t', seeded: 'Bitmap Heap Scan' }]);
  });
});

describe('profile files and capture inputs', () => {
  it('turns a profile into a model whose own rows and generators win', () => {
    const model = modelFromProfile(profile([table('orders', 500, [column('id')])]), { name: 'shop', tables: { orders: { rows: 20, columns: { id: { kind: 'sequence' } } } } });
    expect(model.tables.orders).toEqual({ rows: 20, columns: { id: { kind: 'sequence' } }, stats: { id: { nullFrac: 0, avgWidth: 4, nDistinct: -1, correlation: 1, mcvFrequencies: [], sample: { sampleRows: 30_000, rowsPerPage: 50 } } } });
  });

  it('refuses a profile file that is not a profile, naming the file and the path', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-profile-'));
    const file = path.join(dir, 'profile.json');
    await writeFile(file, JSON.stringify({ ...profile([table('orders', 5, [column('id', { nullFrac: 2 })])]) }));
    const error = await loadProfile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProfileError);
    expect((error as ProfileError).exitCode).toBe(2);
    expect((error as Error).message).toContain('tables[0].columns[0].nullFrac');
    await expect(loadProfile(path.join(dir, 'missing.json'))).rejects.toThrow(/profile not found/);
  });

  it('refuses to explain a query that writes, before connecting', async () => {
    await expect(captureProfile({ url: 'postgres://nobody@127.0.0.1:1/none', explain: ['select 1', "update orders set status = 'x'"] })).rejects.toThrow(UsageError);
  });

  it('reads a file of queries and keeps a histogram\'s shape without its values', () => {
    expect(parseQueryFile('-- hot queries\nselect 1;\nselect *\n  from t where a = $1;\n')).toEqual(['select 1', 'select *\n  from t where a = $1']);
    expect(histogramShape(['10', '20', '40', '110'])).toEqual([0, 0.1, 0.3, 1]);
    expect(histogramShape(['a', 'b'])).toBeUndefined();
  });
});
