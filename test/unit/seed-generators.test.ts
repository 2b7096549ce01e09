import { describe, expect, it } from 'vitest';
import { escapeCopyText, formatDate, formatTimestamp } from '../../src/seed/copy-text.ts';
import { CopyWriter } from '../../src/seed/copy-writer.ts';
import { defaultColumnSpec } from '../../src/seed/default-columns.ts';
import { pickIndex, sampleInt, zipfRank } from '../../src/seed/distribution.ts';
import { gen } from '../../src/seed/column-specs.ts';
import { DistinctPicker, popularRows } from '../../src/seed/distinct-picks.ts';
import { modelHash, seedIdentity } from '../../src/seed/model-hash.ts';
import { randomUnit, streamId } from '../../src/seed/prng.ts';
import { renderSeedSummary } from '../../src/seed/render-seed-summary.ts';
import { drawRowsPerParent, parentOfRow, spreadRows } from '../../src/seed/row-counts.ts';
import type { ColumnInfo } from '../../src/seed/schema-snapshot.ts';
import schoolPortal from '../../fixtures/school-portal/model.ts';

const column = (name: string, baseType: string, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name,
  type: baseType,
  baseType,
  isArray: false,
  notNull: true,
  identity: false,
  generated: false,
  ...extra,
});

describe('the counter-based PRNG', () => {
  it('gives the same value for the same stream and row, and different values otherwise', () => {
    const stream = streamId(42, 'teachers', 'email');
    expect(randomUnit(stream, 7)).toBe(randomUnit(stream, 7));
    expect(randomUnit(stream, 7)).not.toBe(randomUnit(stream, 8));
    expect(randomUnit(stream, 7)).not.toBe(randomUnit(streamId(43, 'teachers', 'email'), 7));
    expect(streamId(42, 'a', 'bc')).not.toBe(streamId(42, 'ab', 'c'));
  });

  it('is uniform enough: the mean of 100k draws is close to 0.5', () => {
    const stream = streamId(1, 'uniformity');
    let sum = 0;
    for (let row = 0; row < 100_000; row++) sum += randomUnit(stream, row);
    expect(sum / 100_000).toBeCloseTo(0.5, 2);
  });
});

describe('distributions', () => {
  it('draws Zipf ranks inside [0, n) with rank 0 the most frequent', () => {
    const counts = new Array(10).fill(0);
    const stream = streamId(3, 'zipf');
    for (let row = 0; row < 50_000; row++) counts[zipfRank(10, 1.1, randomUnit(stream, row))]++;
    expect(counts.every((c) => c > 0)).toBe(true);
    expect(counts[0]).toBeGreaterThan(counts[9] * 5);
  });

  it('keeps integer draws inside inclusive bounds', () => {
    const stream = streamId(5, 'ints');
    for (let row = 0; row < 10_000; row++) {
      const uniform = sampleInt({ kind: 'uniform', min: 1, max: 13 }, stream, row);
      const normal = sampleInt({ kind: 'normal', mean: 1.8, sd: 0.55, min: 1, max: 3 }, stream, row);
      expect(uniform).toBeGreaterThanOrEqual(1);
      expect(uniform).toBeLessThanOrEqual(13);
      expect([1, 2, 3]).toContain(normal);
    }
  });

  it('makes a few parents hot under a skewed pick, spread over the table', () => {
    const hits = new Map<number, number>();
    const stream = streamId(9, 'pick');
    for (let row = 0; row < 20_000; row++) {
      const index = pickIndex({ kind: 'zipf', s: 1.1 }, 1_000, stream, row);
      hits.set(index, (hits.get(index) ?? 0) + 1);
    }
    const sorted = [...hits.values()].sort((a, b) => b - a);
    expect(sorted[0]).toBeGreaterThan(20 * sorted[Math.floor(sorted.length / 2)]!);
    const hottest = [...hits.entries()].sort((a, b) => b[1] - a[1])[0]![0];
    expect(hottest).not.toBe(0);
  });
});

describe('row counts per parent', () => {
  it('spreads exactly the total, with power-law sizes: at --scale 1 the largest school has ≥ 10× the median students', () => {
    const offsets = spreadRows(2_000, 1_000_000, { kind: 'zipf', s: 0.5 }, 17, Infinity, 1);
    expect(offsets[2_000]).toBe(1_000_000);
    const sizes = Array.from({ length: 2_000 }, (_, p) => offsets[p + 1]! - offsets[p]!).sort((a, b) => a - b);
    expect(sizes[0]).toBeGreaterThanOrEqual(1);
    expect(sizes[1_999]!).toBeGreaterThanOrEqual(10 * sizes[1_000]!);
  });

  it('caps runs at the number of distinct partners and finds the parent of a row', () => {
    const offsets = spreadRows(3, 100, { kind: 'uniform' }, 1, 10);
    expect(offsets[3]).toBe(30);
    expect(parentOfRow(offsets, 0)).toBe(0);
    expect(parentOfRow(offsets, 10)).toBe(1);
    expect(parentOfRow(offsets, 29)).toBe(2);
    const each = drawRowsPerParent(1_000, { kind: 'normal', mean: 1.8, sd: 0.55, min: 1, max: 3 }, 5);
    expect(each[1_000]! / 1_000).toBeGreaterThan(1.6);
    expect(each[1_000]! / 1_000).toBeLessThan(2.0);
  });

  it('puts the school-portal model at ≥ 10 million rows at --scale 1', () => {
    const absolute = Object.values(schoolPortal.tables).reduce((sum, table) => {
      const rows = table.rows;
      if (typeof rows === 'number') return sum + rows;
      return sum + ('total' in rows ? rows.total : 1_000_000 * 1.8);
    }, 0);
    expect(absolute).toBeGreaterThanOrEqual(10_000_000);
  });
});

describe('generators picked from column names and types', () => {
  const context = { table: 'people', siblings: ['first_name', 'last_name', 'email'], values: [], unique: false };

  it('knows people, contacts and times by name', () => {
    expect(defaultColumnSpec(column('first_name', 'text'), context)).toMatchObject({ kind: 'fake', what: 'firstName' });
    expect(defaultColumnSpec(column('email', 'varchar', { maxLength: 120 }), { ...context, unique: true })).toMatchObject({ kind: 'email', first: 'first_name', last: 'last_name' });
    expect(defaultColumnSpec(column('phone', 'text'), context)).toMatchObject({ kind: 'fake', what: 'phone' });
    expect(defaultColumnSpec(column('created_at', 'timestamptz'), context)).toMatchObject({ kind: 'timestamp' });
    expect(defaultColumnSpec(column('date_of_birth', 'date'), context)).toMatchObject({ kind: 'date', from: '1950-01-01T00:00:00.000Z' });
  });

  it('reads what text holds from its name: paragraphs for a body, a sentence for a title, a slug of the title, a URL for an image', () => {
    const articles = { table: 'articles', siblings: ['title', 'slug', 'body', 'cover_image'], values: [], unique: false };
    expect(defaultColumnSpec(column('body', 'text'), articles)).toMatchObject({ kind: 'text', unit: 'paragraph' });
    expect(defaultColumnSpec(column('body', 'text'), { ...articles, table: 'comments' })).toMatchObject({ kind: 'text', unit: 'sentence' });
    expect(defaultColumnSpec(column('title', 'varchar', { maxLength: 255 }), articles)).toMatchObject({ kind: 'text', unit: 'word', maxLength: 255 });
    expect(defaultColumnSpec(column('slug', 'varchar'), { ...articles, unique: true })).toMatchObject({ kind: 'slug', from: 'title', unique: true });
    expect(defaultColumnSpec(column('cover_image', 'text'), articles)).toMatchObject({ kind: 'pattern', pattern: expect.stringMatching(/^https:\/\/images\./) });
    expect(defaultColumnSpec(column('email', 'text'), { table: 'users', siblings: ['username', 'email'], values: [], unique: true })).toMatchObject({ kind: 'email', from: 'username' });
  });

  it('knows types: uuid, jsonb, enums with their default first, numeric precision, arrays', () => {
    expect(defaultColumnSpec(column('id', 'uuid'), context)).toEqual({ kind: 'uuid' });
    expect(defaultColumnSpec(column('payload', 'jsonb'), context)).toEqual({ kind: 'json', shape: 'metadata' });
    expect(defaultColumnSpec(column('settings', 'jsonb'), context)).toEqual({ kind: 'json', shape: 'settings' });
    expect(defaultColumnSpec(column('mood', 'mood', { enumLabels: ['sad', 'ok'], default: "'ok'::mood" }), context)).toEqual({ kind: 'choice', values: ['sad', 'ok'], weights: [500, 1000] });
    expect(defaultColumnSpec(column('price', 'numeric', { precision: 6, scale: 2 }), context)).toMatchObject({ kind: 'float', decimals: 2, dist: { max: 9_999 } });
    expect(defaultColumnSpec(column('tags', 'text', { isArray: true }), context)).toMatchObject({ kind: 'array' });
    expect(defaultColumnSpec(column('geom', 'geometry'), context)).toBeUndefined();
  });

  it('follows CHECK ranges and lists over name rules', () => {
    const values = [{ kind: 'range' as const, min: { value: 1, inclusive: true }, max: { value: 5, inclusive: true } }];
    expect(defaultColumnSpec(column('level', 'int4'), { ...context, values })).toEqual({ kind: 'int', dist: { kind: 'uniform', min: 1, max: 5 } });
    expect(defaultColumnSpec(column('rating', 'int2'), { ...context, values })).toEqual({ kind: 'choice', values: [1, 2, 3, 4, 5], weights: [1, 2, 4, 8, 16] });
    const listed = [{ kind: 'oneOf' as const, values: ['draft', 'active', 'archived'] }, { kind: 'noneOf' as const, values: ['archived'] }];
    expect(defaultColumnSpec(column('status', 'varchar'), { ...context, values: listed })).toMatchObject({ kind: 'choice', values: ['draft', 'active'] });
  });
});

describe('distinct picks for a link table', () => {
  it('gives one parent different rows, never the parent itself, the popular ones most', () => {
    const hits = new Map<number, number>();
    const picker = new DistinctPicker(500, popularRows({ kind: 'zipf', s: 1.1 }, 500, 11), 7);
    for (let parent = 0; parent < 500; parent++) {
      const picks = [...picker.picks(parent, 20, parent)];
      expect(new Set(picks).size).toBe(20);
      expect(picks).not.toContain(parent);
      for (const row of picks) hits.set(row, (hits.get(row) ?? 0) + 1);
    }
    const counts = [...hits.values()].sort((a, b) => b - a);
    expect(counts[0]).toBeGreaterThan(300);
    expect(counts[Math.floor(counts.length / 2)]).toBeLessThan(20);
    expect(new Set(new DistinctPicker(10, popularRows({ kind: 'zipf', s: 1.1 }, 10, 11), 7).picks(3, 10))).toHaveLength(10);
  });
});

describe('COPY text encoding', () => {
  it('escapes the characters COPY treats specially and formats UTC timestamps', () => {
    expect(escapeCopyText('a\tb\nc\\d')).toBe('a\\tb\\nc\\\\d');
    expect(escapeCopyText('plain')).toBe('plain');
    const ms = Date.UTC(2025, 9, 16, 18, 45, 7);
    expect(formatTimestamp(ms)).toBe('2025-10-16 18:45:07+00');
    expect(formatDate(ms)).toBe('2025-10-16');
  });
});

describe('the COPY byte writer', () => {
  it('writes numbers, escaped and UTF-8 text and timestamps exactly as the text encoder does', () => {
    const writer = new CopyWriter(8);
    writer.int(0);
    writer.byte(9);
    writer.int(-1234567890123);
    writer.byte(9);
    writer.text('tab\there\\ and\nnewline');
    writer.byte(9);
    writer.text('Zoë\t');
    writer.byte(9);
    writer.safe('naïve');
    writer.byte(9);
    writer.timestamp(Date.UTC(2025, 9, 16, 18, 45, 7));
    writer.byte(9);
    writer.date(Date.UTC(2025, 9, 16));
    expect(writer.take().toString('utf8')).toBe(
      ['0', '-1234567890123', escapeCopyText('tab\there\\ and\nnewline'), escapeCopyText('Zoë\t'), 'naïve', '2025-10-16 18:45:07+00', '2025-10-16'].join('\t'),
    );
    expect(writer.take().length).toBe(0);
  });
});

describe('template identity', () => {
  it('changes with the model, the schema, the scale and the seed, and nothing else', () => {
    const base = seedIdentity(schoolPortal, 'schema-a', 1, 42);
    expect(seedIdentity({ ...schoolPortal, baseDir: '/elsewhere' }, 'schema-a', 1, 42)).toBe(base);
    expect(seedIdentity(schoolPortal, 'schema-b', 1, 42)).not.toBe(base);
    expect(seedIdentity(schoolPortal, 'schema-a', 2, 42)).not.toBe(base);
    expect(seedIdentity(schoolPortal, 'schema-a', 1, 43)).not.toBe(base);
    expect(modelHash({ ...schoolPortal, tables: { ...schoolPortal.tables, schools: { rows: 3_000 } } })).not.toBe(modelHash(schoolPortal));
  });

  it('covers what a custom generator makes, not only its source', () => {
    const withPlans = (plans: string[]) => ({ name: 'm', tables: { accounts: { rows: 10, columns: { plan: gen.custom((row) => plans[row % plans.length]!) } } } });
    expect(modelHash(withPlans(['free', 'team']))).toBe(modelHash(withPlans(['free', 'team'])));
    expect(modelHash(withPlans(['free', 'team']))).not.toBe(modelHash(withPlans(['free', 'enterprise'])));
  });
});

describe('the seed summary', () => {
  it('lists tables largest first with rows/s, totals, checksum and template reuse', () => {
    const text = renderSeedSummary({
      database: 'postgres://postgres:***@127.0.0.1:5432/rehearse',
      scale: 0.5,
      seed: 7,
      tables: [
        { name: 'schools', rows: 10, seconds: 0.01 },
        { name: 'students', rows: 5_000, seconds: 0.5 },
      ],
      totalRows: 5_010,
      seconds: 1,
      checksum: 'abc',
      template: { name: 'rehearse_tpl_x', reused: true },
      warnings: [],
    });
    const lines = text.split('\n');
    expect(lines[2]).toMatch(/^students\s+5,000\s+0\.50\s+10,000$/);
    expect(text).toContain('total');
    expect(text).toContain('checksum  abc');
    expect(text).toContain('rehearse_tpl_x (reused');
    expect(text).not.toContain('secret');
  });
});
