import { UsageError } from '../errors.ts';
import { copySafe, type CompileEnv, type CompiledColumn } from './compile-column.ts';
import { escapeCopyText } from './copy-text.ts';
import { sampleInt, scatter, type Distribution } from './distribution.ts';
import type { ColumnSpec, JsonShape } from './model.ts';
import { randomBelow, randomU32, randomUnit } from './prng.ts';
import { capacityOf, generateMatch, parseRegex, RegexNotGenerable, shapeValue, singleClass, uniqueShape, type RegexNode } from './regex-values.ts';
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
export function emailColumn(spec: Extract<ColumnSpec, { kind: 'email' }>, env: CompileEnv, stream: number): CompiledColumn {
  const first = spec.first ? env.table.columnIndex(spec.first) : -1;
  const last = spec.last ? env.table.columnIndex(spec.last) : -1;
  const from = spec.from ? env.table.columnIndex(spec.from) : -1;
  const domains = spec.domains ?? EMAIL_DOMAINS;
  const users = valuePool('username');
  const value: ValueFn = (ctx, row) => {
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

/**
 * Text matching a regular expression. A single repeated bracket expression
 * (`^[a-z0-9_]{3,30}$`, a handle) is filled from a realistic pool, kept to
 * the allowed characters; anything else is drawn from the pattern. Unique:
 * the row number in mixed radix over the shape's positions (distinct by
 * construction), the other positions random.
 */
export function regexColumn(spec: Extract<ColumnSpec, { kind: 'regex' }>, maxLength: number | undefined, env: CompileEnv, stream: number): CompiledColumn {
  let node: RegexNode;
  try {
    node = parseRegex(spec.pattern);
  } catch (error) {
    if (error instanceof RegexNotGenerable) throw new UsageError(`${env.table.name}: values cannot be generated for the pattern ${spec.pattern}: ${error.message}`);
    throw error;
  }
  const random = (row: number, base: number) => {
    let draw = base;
    return () => randomUnit(stream, row, draw++);
  };
  const single = singleClass(node);
  const limit = maxLength ?? Infinity;
  if (single && !spec.unique) return { value: (_ctx, row) => fromPool(single, row, stream, random(row, 100)) };
  if (!spec.unique) return { value: (_ctx, row) => generateMatch(node, random(row, 0)) };
  const rows = env.table.rows;
  if (single) {
    const suffix = uniqueSuffix(single, rows, spec.caseInsensitive ?? false);
    if (suffix) return { value: (_ctx, row) => suffix.join(fromPool({ ...single, min: Math.max(0, single.min - suffix.width), max: single.max - suffix.width }, row, stream, random(row, 100)), row) };
  }
  const shape = shortestShape(node, rows, limit, spec.caseInsensitive ?? false);
  const counter = counterWidth(shape, rows);
  const positions = shape.length;
  const multiplier = coprimeMultiplier(capacityOf(shape.slice(positions - counter)));
  const capacity = capacityOf(shape.slice(positions - counter));
  return {
    value: (_ctx, row) => {
      const n = Number((BigInt(row) * BigInt(multiplier) + BigInt(stream)) % BigInt(capacity));
      const next = random(row, 200);
      let head = '';
      for (let i = 0; i < positions - counter; i++) head += shape[i]![Math.floor(next() * shape[i]!.length)]!;
      return head + shapeValue(shape.slice(positions - counter), n);
    },
  };
}

/** A handle-like value: a username in the class's letter case, characters outside the class dropped, padded or cut to the length. */
function fromPool(single: { chars: string; min: number; max: number }, row: number, stream: number, next: () => number): string {
  const pool = valuePool('username');
  let value = pool[randomBelow(pool.length, stream, row)]!;
  if (!/[a-z]/.test(single.chars) && /[A-Z]/.test(single.chars)) value = value.toUpperCase();
  else if (!/[A-Z]/.test(single.chars)) value = value.toLowerCase();
  value = [...value].filter((c) => single.chars.includes(c)).join('').slice(0, single.max);
  while (value.length < single.min) value += single.chars[Math.floor(next() * single.chars.length)]!;
  return value;
}

/**
 * A realistic value made unique: the pool value (kept out of the separator)
 * and the row number after a separator the class allows (`jane_smith_12`),
 * or in fixed width without one, so no two rows can read the same.
 */
function uniqueSuffix(single: { chars: string; min: number; max: number }, rows: number, caseInsensitive: boolean): { width: number; join: (base: string, row: number) => string } | undefined {
  const digits = [...'0123456789'].every((d) => single.chars.includes(d));
  if (!digits) return undefined;
  const separator = ['_', '-', '.'].find((c) => single.chars.includes(c));
  const width = String(rows).length + (separator ? 1 : 0);
  if (width > single.max) return undefined;
  const fold = (text: string) => (caseInsensitive ? text.toLowerCase() : text);
  return {
    width,
    join: (base, row) => {
      const clean = separator ? base.split(separator).join('') : base;
      const number = separator ? `${separator}${row + 1}` : String(row + 1).padStart(width, '0');
      return fold(clean.slice(0, single.max - number.length) + number);
    },
  };
}

/** Repeats as short as they may be while the shape still holds `rows` values and fits `limit`. */
function shortestShape(node: RegexNode, rows: number, limit: number, caseInsensitive: boolean): string[] {
  const fold = (shape: string[]) => (caseInsensitive ? shape.map(oneCase) : shape);
  let best = fold(uniqueShape(node));
  for (let extra = 0; extra <= 64; extra++) {
    const shape = fold(uniqueShape(trimRepeats(node, extra)));
    if (capacityOf(shape) >= rows && shape.length <= limit) return shape;
    if (capacityOf(shape) >= capacityOf(best)) best = shape;
  }
  if (capacityOf(best) < rows) throw new UsageError(`the pattern allows only ${capacityOf(best)} different values, fewer than the ${rows} rows asked`);
  return best;
}

function trimRepeats(node: RegexNode, extra: number): RegexNode {
  switch (node.kind) {
    case 'chars': return node;
    case 'seq': return { kind: 'seq', items: node.items.map((item) => trimRepeats(item, extra)) };
    case 'alt': return { kind: 'alt', options: node.options.map((option) => trimRepeats(option, extra)) };
    case 'repeat': return { kind: 'repeat', node: trimRepeats(node.node, extra), min: node.min, max: Math.min(node.max, Math.max(node.min, 1) + extra) };
  }
}

/** One character per letter whatever its case (the first the set lists), so case-insensitive values stay distinct. */
function oneCase(chars: string): string {
  const seen = new Set<string>();
  return [...chars].filter((c) => !seen.has(c.toLowerCase()) && seen.add(c.toLowerCase())).join('');
}

/** How many trailing positions count rows (the rest are random). */
function counterWidth(shape: string[], rows: number): number {
  let capacity = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    capacity *= shape[i]!.length;
    if (capacity >= rows * 16 || capacity >= 2 ** 40) return shape.length - i;
  }
  return shape.length;
}

/** A multiplier coprime with n, so row → row·m + c (mod n) visits every value once. */
function coprimeMultiplier(n: number): number {
  for (const prime of [7919, 104_729, 1_299_709, 15_485_863]) if (n % prime !== 0) return prime;
  return 1;
}

/** A plausible JSON document for the column: settings, an address, metadata, tags, or keyed values. */
export function jsonColumn(spec: Extract<ColumnSpec, { kind: 'json' }>, stream: number): CompiledColumn {
  const shape: JsonShape = spec.shape ?? 'object';
  const build = spec.keys ? keyedObject(spec.keys, stream) : JSON_BUILDERS[shape](stream);
  return { value: (_ctx, row) => build(row), ...copySafe([]) };
}

type JsonBuilder = (stream: number) => (row: number) => string;

const pickFrom = <T>(values: readonly T[], stream: number, row: number, draw: number): T => values[randomBelow(values.length, stream, row, draw)]!;

const JSON_BUILDERS: Record<JsonShape, JsonBuilder> = {
  settings: (stream) => (row) =>
    JSON.stringify({
      theme: pickFrom(['light', 'dark', 'system'], stream, row, 1),
      language: pickFrom(['en', 'en-GB', 'fr', 'de', 'es'], stream, row, 2),
      notifications: { email: randomUnit(stream, row, 3) < 0.7, push: randomUnit(stream, row, 4) < 0.4 },
      timezone: pickFrom(['Europe/London', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo'], stream, row, 5),
    }),
  address: (stream) => {
    const [streets, towns, postcodes, countries] = [valuePool('street'), valuePool('town'), valuePool('postcode'), valuePool('country')];
    return (row) => JSON.stringify({ street: pickFrom(streets, stream, row, 1), city: pickFrom(towns, stream, row, 2), postcode: pickFrom(postcodes, stream, row, 3), country: pickFrom(countries, stream, row, 4) });
  },
  metadata: (stream) => {
    const words = valuePool('noun');
    return (row) => {
      const tags = Array.from({ length: randomBelow(4, stream, row, 1) }, (_, i) => pickFrom(words, stream, row, 10 + i));
      return JSON.stringify({ source: pickFrom(['web', 'ios', 'android', 'api', 'import'], stream, row, 2), version: 1 + randomBelow(5, stream, row, 3), tags, reviewed: randomUnit(stream, row, 4) < 0.5 });
    };
  },
  tags: (stream) => {
    const words = valuePool('noun');
    return (row) => JSON.stringify(Array.from({ length: randomBelow(5, stream, row, 1) }, (_, i) => pickFrom(words, stream, row, 10 + i)));
  },
  array: (stream) => JSON_BUILDERS.tags(stream),
  object: (stream) => keyedObject(['source', 'score', 'active'], stream),
};

function keyedObject(keys: readonly string[], stream: number): (row: number) => string {
  const words = valuePool('word');
  return (row) => {
    const entries = keys.map((key, i) => {
      const kind = randomU32(stream, row, i * 2) % 3;
      const value = kind === 0 ? JSON.stringify(words[randomBelow(words.length, stream, row, i * 2 + 1)]) : kind === 1 ? String(randomBelow(1000, stream, row, i * 2 + 1)) : randomUnit(stream, row, i * 2 + 1) < 0.5 ? 'true' : 'false';
      return `${JSON.stringify(key)}: ${value}`;
    });
    return `{${entries.join(', ')}}`;
  };
}
