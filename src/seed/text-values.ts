import { UsageError } from '../errors.ts';
import { copySafe, type CompileEnv, type CompiledColumn } from './compile-column.ts';
import { escapeCopyText } from './copy-text.ts';
import { sampleInt, scatter, type Distribution } from './distribution.ts';
import type { ColumnSpec } from './model.ts';
import { randomBelow, randomUnit } from './prng.ts';
import type { Raw, ValueFn } from './row-context.ts';
import { distinctValues, valuePool } from './value-pools.ts';

const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example', 'school.example'];

export function choiceFn(values: readonly (string | number | boolean)[], weights: readonly number[] | undefined, stream: number): ValueFn {
  if (values.length === 0) throw new UsageError('a choice generator needs at least one value');
  if (!weights) return (_ctx, row) => values[randomBelow(values.length, stream, row)]!;
  const cumulative: number[] = [];
  let sum = 0;
  for (let i = 0; i < values.length; i++) cumulative.push((sum += weights[i] ?? 0));
  return (_ctx, row) => {
    const u = randomUnit(stream, row) * sum;
    let i = 0;
    while (i < cumulative.length - 1 && cumulative[i]! <= u) i++;
    return values[i]!;
  };
}

/**
 * A pool value. Unique: while the table has no more rows than the pool has
 * different values, each row takes its own (a permutation of the pool: 80
 * tags are 80 different words); beyond that a row suffix makes them differ.
 */
export function fakeColumn(spec: Extract<ColumnSpec, { kind: 'fake' }>, maxLength: number | undefined, env: CompileEnv, stream: number): CompiledColumn {
  const pool = valuePool(spec.what);
  const limit = maxLength ?? Infinity;
  const safe = copySafe(pool);
  if (!spec.unique) return { value: (_ctx, row) => clip(pool[randomBelow(pool.length, stream, row)]!, limit), ...safe };
  const distinct = distinctValues(spec.what).filter((value) => value.length <= limit);
  if (env.table.rows <= distinct.length) return { value: (_ctx, row) => distinct[scatter(row, distinct.length, stream)]!, ...safe };
  if (spec.what === 'email') return { value: (_ctx, row) => pool[randomBelow(pool.length, stream, row)]!.replace('@', `.${row + 1}@`), ...safe };
  return {
    value: (_ctx, row) => {
      const suffix = `-${row + 1}`;
      return clip(pool[randomBelow(pool.length, stream, row)]!, limit - suffix.length) + suffix;
    },
    ...safe,
  };
}

export function clip(value: string, limit: number): string {
  return value.length <= limit ? value : value.slice(0, Math.max(0, limit)).trimEnd();
}

const SENTENCES_PER_PARAGRAPH: Distribution = { kind: 'uniform', min: 2, max: 6 };
const PARAGRAPH_BREAK = '\n\n';

/**
 * Words (a title: sentence case, no full stop), sentences or paragraphs,
 * each drawn from a pool on its own, so a body of four paragraphs of four
 * sentences is one of 8,000^16 and its length varies like real text.
 */
export function textColumn(spec: Extract<ColumnSpec, { kind: 'text' }>, maxLength: number | undefined, stream: number): CompiledColumn {
  const limit = Math.min(spec.maxLength ?? Infinity, maxLength ?? Infinity);
  const count = spec.count;
  if (spec.unit === 'word') {
    const adjectives = valuePool('adjective');
    const nouns = valuePool('noun');
    return {
      value: (_ctx, row) => {
        const n = Math.max(1, sampleInt(count, stream, row));
        let out = '';
        for (let i = 0; i < n; i++) {
          const pool = i % 3 === 1 || i === n - 1 ? nouns : adjectives;
          const word = pool[randomBelow(pool.length, stream, row, i + 1)]!;
          out += i === 0 ? word[0]!.toUpperCase() + word.slice(1) : ` ${word}`;
        }
        return clip(out, limit);
      },
      ...copySafe([]),
    };
  }
  const sentences = valuePool('phrase');
  const paragraph = (row: number, draw: number, n: number) => {
    let out = '';
    for (let i = 0; i < n; i++) out += (i ? ' ' : '') + sentences[randomBelow(sentences.length, stream, row, draw + i)]!;
    return out;
  };
  if (spec.unit === 'sentence') {
    return { value: (_ctx, row) => clip(paragraph(row, 1, Math.max(1, sampleInt(count, stream, row))), limit), ...copySafe(sentences) };
  }
  return {
    value: (_ctx, row) => {
      const n = Math.max(1, sampleInt(count, stream, row));
      let out = '';
      for (let p = 0; p < n; p++) out += (p ? PARAGRAPH_BREAK : '') + paragraph(row, 64 * (p + 1), sampleInt(SENTENCES_PER_PARAGRAPH, stream, row, 32 + p));
      return clip(out, limit);
    },
  };
}

const SLUGS = new Map<string, string>();

/** Lower case letters and digits of a value, for email local parts. */
export function compact(value: string): string {
  let cached = SLUGS.get(value);
  if (cached === undefined) {
    cached = value.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '');
    if (SLUGS.size < 100_000) SLUGS.set(value, cached);
  }
  return cached;
}

/** `How to Train a Dragon!` → `how-to-train-a-dragon`. */
export function slugify(value: string): string {
  const plain = NON_ASCII.test(value) ? value.normalize('NFKD') : value;
  return plain.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
}

const NON_ASCII = /[^\x00-\x7f]/;

/** The name parts cut so the whole address fits the column (the number and domain, which make it unique, stay). */
function shortenEmail(value: [string, string, number, string], maxLength: number): Raw {
  const [a, b, n, domain] = value;
  const fixed = String(n).length + domain.length + 2 + (b ? 1 : 0);
  const room = maxLength - fixed;
  if (a.length + b.length <= room) return value;
  const keepB = b ? Math.min(b.length, Math.max(1, Math.floor(room / 2))) : 0;
  return [a.slice(0, Math.max(1, room - keepB)), b.slice(0, keepB), n, domain];
}

/** A slug of another column; unique with a base-36 row suffix (`how-to-train-a-dragon-2s`). */
export function slugColumn(spec: Extract<ColumnSpec, { kind: 'slug' }>, maxLength: number | undefined, env: CompileEnv): CompiledColumn {
  const source = env.table.columnIndex(spec.from);
  const sourceText = env.table.textOf(source);
  const limit = Math.min(spec.maxLength ?? Infinity, maxLength ?? Infinity);
  return {
    value: (ctx, row) => {
      const raw = ctx.get(source);
      const base = slugify(raw === null ? '' : typeof raw === 'string' ? raw : sourceText(raw)) || 'item';
      if (!spec.unique) return clip(base, limit);
      const suffix = `-${(row + 1).toString(36)}`;
      return clip(base, limit - suffix.length).replace(/-+$/, '') + suffix;
    },
    ...copySafe([]),
  };
}

/**
 * first.last.<row>@domain, or <username>.<row>@domain: unique by
 * construction and looks like the person's own address. The value is kept
 * in parts ([first, last, number, domain]) and written part by part:
 * joining them into a string first costs more than everything else in the row.
 */
export function emailColumn(spec: Extract<ColumnSpec, { kind: 'email' }>, maxLength: number | undefined, env: CompileEnv, stream: number): CompiledColumn {
  const first = spec.first ? env.table.columnIndex(spec.first) : -1;
  const last = spec.last ? env.table.columnIndex(spec.last) : -1;
  const from = spec.from ? env.table.columnIndex(spec.from) : -1;
  const domains = spec.domains ?? EMAIL_DOMAINS;
  const users = valuePool('username');
  const parts: ValueFn = (ctx, row) => {
    const domain = domains[randomBelow(domains.length, stream, row)]!;
    if (from >= 0) {
      const source = ctx.get(from);
      if (source !== null) return [compact(String(source)) || 'user', '', row + 1, domain];
    }
    const firstName = first >= 0 ? ctx.get(first) : null;
    const lastName = last >= 0 ? ctx.get(last) : null;
    if (firstName !== null && lastName !== null) return [compact(String(firstName)), compact(String(lastName)), row + 1, domain];
    return [compact(users[randomBelow(users.length, stream, row, 1)]!), '', row + 1, domain];
  };
  const value: ValueFn = maxLength === undefined ? parts : (ctx, row) => shortenEmail(parts(ctx, row) as [string, string, number, string], maxLength);
  const text = (raw: Raw) => {
    const [a, b, n, domain] = raw as [string, string, number, string];
    return b ? `${a}.${b}.${n}@${domain}` : `${a}.${n}@${domain}`;
  };
  if (!copySafe(domains).write) return { value, text: (raw) => escapeCopyText(text(raw)) };
  return {
    value,
    text,
    write: (raw, w) => {
      const [a, b, n, domain] = raw as [string, string, number, string];
      w.safe(a);
      if (b) {
        w.byte(46);
        w.safe(b);
      }
      w.byte(46);
      w.int(n);
      w.byte(64);
      w.safe(domain);
    },
  };
}
