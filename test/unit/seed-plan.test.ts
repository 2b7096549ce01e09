import { describe, expect, it } from 'vitest';
import { gen } from '../../src/seed/column-specs.ts';
import { planSeed } from '../../src/seed/plan.ts';
import { RowGenerator } from '../../src/seed/row-generator.ts';
import { ModelError, SeedRefusedError } from '../../src/seed/seed-errors.ts';
import type { ColumnInfo, ConstraintInfo, SchemaSnapshot, TableInfo } from '../../src/seed/schema-snapshot.ts';

const col = (name: string, baseType = 'int8', notNull = true): ColumnInfo => ({ name, type: baseType, baseType, isArray: false, notNull, identity: false, generated: false });
const pk = (table: string, ...columns: string[]): ConstraintInfo => ({ name: `${table}_pkey`, kind: 'primary', columns, definition: `PRIMARY KEY (${columns.join(', ')})` });
const fk = (table: string, column: string, refTable: string): ConstraintInfo => ({
  name: `${table}_${column}_fkey`,
  kind: 'foreign',
  columns: [column],
  refTable,
  refColumns: ['id'],
  definition: `FOREIGN KEY (${column}) REFERENCES ${refTable}(id)`,
});
const table = (name: string, columns: ColumnInfo[], constraints: ConstraintInfo[]): TableInfo => ({ name, schema: 'public', relname: name, columns, constraints, indexes: [], sequences: [] });

/** authors ← books, and a link table tags × books keyed by (book_id, tag_id). */
const SNAPSHOT: SchemaSnapshot = {
  schema: 'public',
  tables: [
    table('authors', [col('id'), col('name', 'text'), col('mentor_id', 'int8', false)], [pk('authors', 'id'), fk('authors', 'mentor_id', 'authors')]),
    table('books', [col('id'), col('author_id'), col('title', 'text')], [pk('books', 'id'), fk('books', 'author_id', 'authors')]),
    table('tags', [col('id'), col('label', 'text')], [pk('tags', 'id')]),
    table('book_tags', [col('book_id'), col('tag_id')], [pk('book_tags', 'book_id', 'tag_id'), fk('book_tags', 'book_id', 'books'), fk('book_tags', 'tag_id', 'tags')]),
  ],
};

describe('planning a seed', () => {
  it('scales counts, runs children per parent and finds the column that links them', async () => {
    const plan = await planSeed(SNAPSHOT, { name: 't', tables: { authors: { rows: 100 }, books: { rows: { per: 'authors', total: 1_000 } }, tags: { rows: 10 }, book_tags: { rows: 0 } } }, { scale: 0.5, seed: 1 });
    const books = plan.tables.find((t) => t.name === 'books')!;
    expect(books.rows).toBe(500);
    expect(books.group).toMatchObject({ parent: 'authors', via: ['author_id'] });
    expect(books.columns.find((c) => c.name === 'author_id')!.spec).toEqual({ kind: 'parent', column: 'id' });
    expect(plan.emptied).toEqual(['book_tags']);
    const mentor = plan.tables.find((t) => t.name === 'authors')!.columns.find((c) => c.name === 'mentor_id')!.spec;
    expect(mentor).toMatchObject({ kind: 'ref', table: 'authors', nulls: 0.7 });
  });

  it('turns a table keyed by two foreign keys into runs per parent (the larger side) with distinct, popular partners, capped so no pair repeats', async () => {
    const plan = await planSeed(SNAPSHOT, { name: 't', defaultRows: 50, tables: { tags: { rows: 3 } } }, { scale: 1, seed: 1 });
    const links = plan.tables.find((t) => t.name === 'book_tags')!;
    expect(links.group).toMatchObject({ parent: 'books', via: ['book_id'], distinct: { foreignKey: 'book_tags_tag_id_fkey' } });
    expect(links.columns.find((c) => c.name === 'tag_id')!.spec).toMatchObject({ kind: 'distinctRef', table: 'tags', pick: { kind: 'zipf' } });
    expect(links.rows).toBe(50);
    const generator = new RowGenerator(plan, 1);
    const text = generator.table('book_tags').render(generator.table('book_tags').newContext(), 0, links.rows);
    const pairs = text.trim().split('\n');
    expect(new Set(pairs).size).toBe(pairs.length);
  });

  it('says what is wrong with a model in terms of the model, every problem at once', async () => {
    const plan = (model: Parameters<typeof planSeed>[1]) => planSeed(SNAPSHOT, model, { scale: 1, seed: 1 });
    await expect(plan({ name: 'm', tables: { readers: { rows: 1 } } })).rejects.toThrow(/readers: the model lists this table, which the database does not have \(tables: authors, book_tags, books, tags\)/);
    await expect(plan({ name: 'm', tables: { tags: { rows: 1, columns: { colour: gen.fake('colour') } } } })).rejects.toThrow(/tags\.colour: the model has a generator for a column the table does not have/);
    const refused = plan({ name: 'm', tables: { books: { rows: 5 }, tags: { rows: 2, columns: { label: gen.const('x') } }, book_tags: { rows: 0 } } });
    await expect(refused).rejects.toThrow(SeedRefusedError);
    await expect(refused).rejects.toThrow(/books\.author_id \(books_author_id_fkey\): references authors, which the model does not seed; give authors rows/);
    await expect(plan({ name: 'm', tables: { tags: { rows: -3 } } })).rejects.toThrow(ModelError);
    await expect(plan({ name: 'm', tables: { tags: { rows: 2.5 } } })).rejects.toThrow(/tables\.tags\.rows: expected a whole number of rows, 0 or more, got 2\.5/);
  });

  it('fits text to the column: emails and URLs cut to varchar(n), still distinct', async () => {
    const members = table('members', [col('id'), col('first_name', 'text'), col('last_name', 'text'), { ...col('email', 'varchar'), maxLength: 24 }, { ...col('avatar_url', 'varchar'), maxLength: 30 }], [
      pk('members', 'id'),
      { name: 'members_email_key', kind: 'unique', columns: ['email'], definition: 'UNIQUE (email)' },
    ]);
    const plan = await planSeed({ schema: 'public', tables: [members] }, { name: 'm', tables: { members: { rows: 2_000 } } }, { scale: 1, seed: 3 });
    const generator = new RowGenerator(plan, 3);
    const rows = generator.table('members').render(generator.table('members').newContext(), 0, 2_000).trim().split('\n').map((line) => line.split('\t'));
    const emails = rows.map((r) => r[3]!);
    expect(Math.max(...emails.map((e) => e.length))).toBeLessThanOrEqual(24);
    expect(new Set(emails).size).toBe(2_000);
    expect(emails.every((e) => /^[a-z0-9]+(\.[a-z0-9]+)?\.\d+@[a-z.]+$/.test(e))).toBe(true);
    expect(Math.max(...rows.map((r) => (r[4] === '\\N' ? 0 : r[4]!.length)))).toBeLessThanOrEqual(30);
  });

  it('generates the same rows for the same seed and other rows for another', async () => {
    const model = { name: 't', defaultRows: 20, tables: {} };
    const plans = new Map([[1, await planSeed(SNAPSHOT, model, { scale: 1, seed: 1 })], [2, await planSeed(SNAPSHOT, model, { scale: 1, seed: 2 })]]);
    const render = (seed: number) => {
      const generator = new RowGenerator(plans.get(seed)!, seed);
      const books = generator.table('books');
      return books.render(books.newContext(), 0, books.rows);
    };
    expect(render(1)).toBe(render(1));
    expect(render(2)).not.toBe(render(1));
  });
});
