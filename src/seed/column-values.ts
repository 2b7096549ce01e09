import { UsageError } from '../errors.ts';
import { pickIndex, sampleInt, sampleReal, scatter, type Distribution, type Pick } from './distribution.ts';
import { escapeCopyText } from './copy-text.ts';
import { FAKE_KINDS, type ColumnSpec, type FakeKind } from './model.ts';
import { randomBelow, randomU32, randomUnit, streamId } from './prng.ts';
import { parentOfRow } from './row-counts.ts';
import type { Raw, RowContext, ValueFn } from './row-context.ts';
import type { TableGroup } from './plan.ts';
import type { CopyWriter } from './copy-writer.ts';
import type { ColumnInfo } from './schema-snapshot.ts';
import { valuePool } from './value-pools.ts';

/** What compiling one column may ask about the tables being generated. */
export interface GeneratedTableView {
  readonly name: string;
  readonly rows: number;
  readonly group?: TableGroup;
  columnIndex(name: string): number;
  columnInfo(name: string): ColumnInfo;
  /** `group`: the row's parent, when the caller knows it (saves a search). */
  valueAt(column: number, row: number, group?: number): Raw;
  /** COPY text of a value of this column. */
  textOf(column: number): (raw: Raw) => string;
  /** COPY text of `column` at a row, fast for sequence keys. */
  keyText(column: string): (row: number) => string;
  /** Writes a value of this column as COPY text. */
  writerOf(column: number): ValueWriter;
  /** Writes `column` at a row as COPY text, fast for sequence keys. */
  keyWriter(column: string): (row: number, writer: CopyWriter) => void;
  specOf(column: string): ColumnSpec | undefined;
  /** The single-column primary key, if there is one. */
  primaryKey(): string | undefined;
}

export interface CompileEnv {
  table: GeneratedTableView;
  tableNamed(name: string): GeneratedTableView;
  seed: number;
}

export type ValueWriter = (raw: Raw, writer: CopyWriter) => void;

export interface CompiledColumn {
  value: ValueFn;
  /** Overrides the type-based COPY encoding (keys render their target's key). */
  text?: (raw: Raw) => string;
  /** The same encoding, written into a buffer (the hot path); derived from `text` when absent. */
  write?: ValueWriter;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const TIMESTAMP_TYPES = new Set(['timestamp', 'timestamptz']);
const EMAIL_DOMAINS = ['example.com', 'example.org', 'example.net', 'mail.example', 'school.example'];

/** Turns a column spec into a function of the row context. */
export function compileColumn(spec: ColumnSpec, column: ColumnInfo, env: CompileEnv): CompiledColumn {
  const stream = streamId(env.seed, env.table.name, column.name);
  const compiled = compileInner(spec, column, env, stream);
  const nulls = spec.nulls ?? 0;
  if (nulls <= 0) return compiled;
  const nullStream = streamId(stream, 'nulls');
  const inner = compiled.value;
  return { ...compiled, value: (ctx, row) => (randomUnit(nullStream, row) < nulls ? null : inner(ctx, row)) };
}

function compileInner(spec: ColumnSpec, column: ColumnInfo, env: CompileEnv, stream: number): CompiledColumn {
  const self = env.table;
  switch (spec.kind) {
    case 'sequence': {
      const start = spec.start ?? 1;
      const step = spec.step ?? 1;
      return { value: (_ctx, row) => start + row * step };
    }
    case 'position':
      return { value: (ctx) => (self.group ? ctx.row - ctx.groupStart + 1 : ctx.row + 1) };
    case 'int': {
      const d = spec.dist;
      return { value: (_ctx, row) => sampleInt(d, stream, row) };
    }
    case 'float': {
      const d = spec.dist;
      const decimals = spec.decimals ?? column.scale;
      const text = (raw: Raw) => (decimals === undefined ? String(raw) : (raw as number).toFixed(decimals));
      return { value: (_ctx, row) => sampleReal(d, stream, row), text, write: (raw, w) => w.safe(text(raw)) };
    }
    case 'bool': {
      const p = spec.p ?? 0.5;
      return { value: (_ctx, row) => randomUnit(stream, row) < p };
    }
    case 'const': {
      const value = spec.value;
      const safe = copySafe([String(value)]);
      // Encoded once: a 95-character password hash on every user row adds up.
      const encoded = Buffer.from(String(value));
      return { value: () => value, ...safe, ...(safe.write ? { write: (_raw, w) => w.bytes(encoded) } : {}) };
    }
    case 'choice':
      return { value: choiceFn(spec.values, spec.weights, stream), ...copySafe(spec.values.map(String)) };
    case 'fake':
      return { value: fakeFn(spec.what, spec.unique ?? false, spec.maxLength ?? column.maxLength, stream), ...copySafe(valuePool(spec.what)) };
    case 'email':
      return emailColumn(spec, env, stream);
    case 'timestamp':
      return { value: timestampFn(spec.from, spec.to, spec.hours, spec.stepMinutes, spec.dist, stream) };
    case 'date': {
      const from = dayOf(spec.from);
      const days = Math.max(1, Math.round((dayOf(spec.to) - from) / DAY));
      return { value: (_ctx, row) => from + randomBelow(days, stream, row) * DAY };
    }
    case 'after':
      return { value: afterFn(spec.column, spec.delta, column, env, stream) };
    case 'parent':
      return parentColumn(spec.column, env);
    case 'ref':
      return refColumn(spec, env, stream);
    case 'distinctRef':
      return distinctRefColumn(spec.table, spec.column, spec.pick ?? { kind: 'uniform' }, env, stream);
    case 'through':
      return throughColumn(spec.column, spec.link, spec.take, env, stream);
    case 'fromParent': {
      const fk = self.columnIndex(spec.column);
      const parent = env.tableNamed(refTargetOf(self, spec.column));
      const take = parent.columnIndex(spec.take);
      return {
        value: (ctx) => {
          const idx = ctx.get(fk);
          return idx === null ? null : parent.valueAt(take, idx as number);
        },
        text: (raw) => parent.textOf(take)(raw),
        write: (raw, w) => parent.writerOf(take)(raw, w),
      };
    }
    case 'inParentWindow':
      return { value: windowFn(spec, env, stream) };
    case 'uuid':
      return { value: (_ctx, row) => uuidOf(stream, row), text: asIs, write: (raw, w) => w.safe(raw as string) };
    case 'pattern':
      return patternColumn(spec.pattern, stream);
    case 'json':
      return { value: jsonFn(spec.keys ?? ['source', 'score', 'active'], stream), ...copySafe([...(spec.keys ?? []), ...valuePool('word')].map((text) => JSON.stringify(text))) };
    case 'array':
      return arrayColumn(spec.of, spec.length, column, env, stream);
    case 'custom': {
      const fn = spec.fn;
      return {
        value: (_ctx, row) => {
          let draw = 0;
          return fn(row, () => randomUnit(stream, row, draw++));
        },
      };
    }
  }
}

const asIs = (raw: Raw) => raw as string;
const NEEDS_COPY_ESCAPE = /[\\\t\n\r]/;

/**
 * Values drawn only from these strings need no COPY escaping, so their text
 * is the value itself: skipping a regex test per value is measurable at
 * tens of millions of rows. Scalar columns only (arrays quote elements).
 */
function copySafe(sources: readonly string[]): { text?: CompiledColumn['text']; write?: ValueWriter } {
  if (sources.some((source) => NEEDS_COPY_ESCAPE.test(source))) return {};
  return { text: (raw) => (typeof raw === 'string' ? raw : String(raw)), write: (raw, w) => w.safe(typeof raw === 'string' ? raw : String(raw)) };
}

function patternPools(pattern: string): string[] {
  const kinds = [...pattern.matchAll(/\{(fake):([a-zA-Z]+)\}|\{(word)\}/g)].map((m) => (m[2] ?? 'word') as FakeKind);
  return kinds.filter((kind) => (FAKE_KINDS as readonly string[]).includes(kind)).flatMap((kind) => valuePool(kind));
}

function choiceFn(values: readonly (string | number)[], weights: readonly number[] | undefined, stream: number): ValueFn {
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

function fakeFn(what: Parameters<typeof valuePool>[0], unique: boolean, maxLength: number | undefined, stream: number): ValueFn {
  const pool = valuePool(what);
  const limit = maxLength ?? Infinity;
  if (!unique) return (_ctx, row) => clip(pool[randomBelow(pool.length, stream, row)]!, limit);
  if (what === 'email') return (_ctx, row) => pool[randomBelow(pool.length, stream, row)]!.replace('@', `.${row + 1}@`);
  return (_ctx, row) => {
    const suffix = `-${row + 1}`;
    return clip(pool[randomBelow(pool.length, stream, row)]!, limit - suffix.length) + suffix;
  };
}

function clip(value: string, limit: number): string {
  return value.length <= limit ? value : value.slice(0, Math.max(0, limit));
}

const SLUGS = new Map<string, string>();

function slug(value: string): string {
  let cached = SLUGS.get(value);
  if (cached === undefined) {
    cached = value.toLowerCase().normalize('NFKD').replace(/[^a-z0-9]+/g, '');
    if (SLUGS.size < 100_000) SLUGS.set(value, cached);
  }
  return cached;
}

/**
 * first.last.<row>@domain: unique by construction, looks like a person's
 * address. The value is kept in parts ([first, last, number, domain]) and
 * written part by part: joining them into a string first costs more than
 * everything else in the row.
 */
function emailColumn(spec: Extract<ColumnSpec, { kind: 'email' }>, env: CompileEnv, stream: number): CompiledColumn {
  const first = spec.first ? env.table.columnIndex(spec.first) : -1;
  const last = spec.last ? env.table.columnIndex(spec.last) : -1;
  const domains = spec.domains ?? EMAIL_DOMAINS;
  const users = valuePool('username');
  const value: ValueFn = (ctx, row) => {
    const domain = domains[randomBelow(domains.length, stream, row)]!;
    const firstName = first >= 0 ? ctx.get(first) : null;
    const lastName = last >= 0 ? ctx.get(last) : null;
    if (firstName !== null && lastName !== null) return [slug(String(firstName)), slug(String(lastName)), row + 1, domain];
    return [slug(users[randomBelow(users.length, stream, row, 1)]!), '', row + 1, domain];
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

function dayOf(text: string): number {
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new UsageError(`"${text}" is not a date (use ISO 8601, e.g. 2025-09-01 or 2025-09-01T16:00:00Z)`);
  return ms;
}

function timestampFn(fromText: string, toText: string, hours: readonly [number, number] | undefined, stepMinutes: number | undefined, d: Distribution | undefined, stream: number): ValueFn {
  const from = dayOf(fromText);
  const to = dayOf(toText);
  const step = (stepMinutes ?? 0) * MINUTE || 1000;
  if (hours) {
    const firstDay = Math.floor(from / DAY) * DAY;
    const days = Math.max(1, Math.round((to - firstDay) / DAY));
    const windowStart = hours[0] * 60 * MINUTE;
    const slots = Math.max(1, Math.floor(((hours[1] - hours[0]) * 60 * MINUTE) / step));
    return (_ctx, row) => firstDay + randomBelow(days, stream, row) * DAY + windowStart + randomBelow(slots, stream, row, 1) * step;
  }
  const slots = Math.max(1, Math.floor((to - from) / step));
  if (d) return (_ctx, row) => from + Math.min(slots - 1, Math.max(0, Math.floor(sampleReal(d, stream, row) * slots))) * step;
  return (_ctx, row) => from + randomBelow(slots, stream, row) * step;
}

function afterFn(other: string, delta: Distribution, column: ColumnInfo, env: CompileEnv, stream: number): ValueFn {
  const unit = TIMESTAMP_TYPES.has(column.baseType) ? MINUTE : column.baseType === 'date' ? DAY : 1;
  const baseOf = baseValue(other, env);
  return (ctx, row) => {
    const base = baseOf(ctx);
    if (base === null || typeof base !== 'number') return base;
    return base + sampleInt(delta, stream, row) * unit;
  };
}

/** `column` of this row, or `fk.column` of the row a foreign key points at. */
function baseValue(path: string, env: CompileEnv): (ctx: RowContext) => Raw {
  const [fkName, parentColumn] = path.split('.');
  const index = env.table.columnIndex(fkName!);
  if (parentColumn === undefined) return (ctx) => ctx.get(index);
  const parent = env.tableNamed(refTargetOf(env.table, fkName!));
  const take = parent.columnIndex(parentColumn);
  let lastIdx = -1;
  let lastValue: Raw = null;
  return (ctx) => {
    const idx = ctx.get(index);
    if (idx === null) return null;
    if (idx !== lastIdx) {
      lastValue = parent.valueAt(take, idx as number);
      lastIdx = idx as number;
    }
    return lastValue;
  };
}

function refTargetOf(table: GeneratedTableView, column: string): string {
  const spec = table.specOf(column);
  if (spec && (spec.kind === 'ref' || spec.kind === 'distinctRef')) return spec.table;
  if (spec && spec.kind === 'parent' && table.group) return table.group.parent;
  throw new UsageError(`${table.name}.${column}: expected a foreign-key column (a ref or the parent column)`);
}

function parentColumn(keyColumn: string | undefined, env: CompileEnv): CompiledColumn {
  const group = env.table.group;
  if (!group) throw new UsageError(`${env.table.name}: a "parent" column needs rows given per parent (rows: { per: … })`);
  const parent = env.tableNamed(group.parent);
  const key = keyColumn ?? primaryKeyOf(parent);
  const text = parent.keyText(key);
  const write = parent.keyWriter(key);
  return { value: (ctx) => ctx.group, text: (raw) => text(raw as number), write: (raw, w) => write(raw as number, w) };
}

function primaryKeyOf(table: GeneratedTableView): string {
  const pk = table.primaryKey();
  if (!pk) throw new UsageError(`${table.name} has no single-column primary key to reference; name the column in the generator`);
  return pk;
}

function refColumn(spec: Extract<ColumnSpec, { kind: 'ref' }>, env: CompileEnv, stream: number): CompiledColumn {
  const target = env.tableNamed(spec.table);
  const key = spec.column ?? primaryKeyOf(target);
  const text = target.keyText(key);
  const write = target.keyWriter(key);
  const pick = spec.pick ?? { kind: 'uniform' };
  const n = target.rows;
  const groupKey = spec.group;
  const groupStream = groupKey ? streamId(env.seed, env.table.name, groupKey) : stream;
  let choose: (ctx: RowContext, row: number) => number = (_ctx, row) => pickIndex(pick, n, groupStream, row);
  if (spec.within) choose = withinChooser(spec.within, target, pick, env, groupStream);
  const value: ValueFn = groupKey
    ? (ctx, row) => {
        let idx = ctx.picks.get(groupKey);
        if (idx === undefined) ctx.picks.set(groupKey, (idx = choose(ctx, row)));
        return idx;
      }
    : choose;
  return { value, text: (raw) => text(raw as number), write: (raw, w) => write(raw as number, w) };
}

/** Picks a row of `target` under the same `ancestor` row as this row (a teacher of the evening's school). */
function withinChooser(ancestor: string, target: GeneratedTableView, pick: Pick, env: CompileEnv, stream: number) {
  if (target.group?.parent !== ancestor) throw new UsageError(`${env.table.name}: ref to ${target.name} within ${ancestor} needs ${target.name} rows given per ${ancestor}`);
  const offsets = target.group.offsets;
  const ancestorOf = ancestorResolver(env, ancestor);
  return (ctx: RowContext, row: number) => {
    const a = ancestorOf(ctx);
    const start = offsets[a]!;
    const count = offsets[a + 1]! - start;
    if (count <= 0) return pickIndex(pick, target.rows, stream, row, 3);
    return start + pickIndex(pick, count, stream, row);
  };
}

function ancestorResolver(env: CompileEnv, ancestor: string): (ctx: RowContext) => number {
  const chain: GeneratedTableView[] = [];
  let table = env.table;
  while (table.name !== ancestor) {
    if (!table.group) throw new UsageError(`${env.table.name}: "${ancestor}" is not an ancestor through rows given per parent`);
    chain.push(table);
    table = env.tableNamed(table.group.parent);
  }
  // Rows come in runs per parent, so the last answer is almost always the next one.
  let lastGroup = -1;
  let lastAncestor = -1;
  return (ctx) => {
    if (ctx.group === lastGroup) return lastAncestor;
    let idx = ctx.group;
    for (let i = 1; i < chain.length; i++) idx = parentOfRow(chain[i]!.group!.offsets, idx);
    lastGroup = ctx.group;
    lastAncestor = idx;
    return idx;
  };
}

/** The k-th row of a parent's run gets the k-th of distinct targets, so (parent, target) never repeats. */
function distinctRefColumn(tableName: string, keyColumn: string | undefined, pick: Pick, env: CompileEnv, stream: number): CompiledColumn {
  const target = env.tableNamed(tableName);
  const key = keyColumn ?? primaryKeyOf(target);
  const text = target.keyText(key);
  const write = target.keyWriter(key);
  const n = target.rows;
  const step = n % 7919 === 0 ? 1 : 7919 % n || 1;
  const grouped = Boolean(env.table.group);
  // The first target of a run is drawn once per parent, not once per row.
  let lastGroup = -1;
  let base = 0;
  const value: ValueFn = grouped
    ? (ctx) => {
        if (ctx.group !== lastGroup) {
          lastGroup = ctx.group;
          base = pickIndex(pick, n, stream, lastGroup);
        }
        return (base + (ctx.row - ctx.groupStart) * step) % n;
      }
    : (_ctx, row) => scatter(row, n, stream);
  return { value, text: (raw) => text(raw as number), write: (raw, w) => write(raw as number, w) };
}

/** A value reached through a link table: `take` of a `link` row that belongs to the row `column` points at. */
function throughColumn(columnName: string, linkName: string, take: string, env: CompileEnv, stream: number): CompiledColumn {
  const fk = env.table.columnIndex(columnName);
  const link = env.tableNamed(linkName);
  const offsets = link.group?.offsets;
  if (!offsets) throw new UsageError(`${env.table.name}.${columnName}: "through" needs ${linkName} rows given per parent`);
  const takeIndex = link.columnIndex(take);
  return {
    value: (ctx, row) => {
      const idx = ctx.get(fk);
      if (idx === null) return null;
      const start = offsets[idx as number]!;
      const count = offsets[(idx as number) + 1]! - start;
      if (count <= 0) return link.valueAt(takeIndex, randomBelow(link.rows, stream, row));
      return link.valueAt(takeIndex, start + randomBelow(count, stream, row), idx as number);
    },
    text: (raw) => link.textOf(takeIndex)(raw),
    write: (raw, w) => link.writerOf(takeIndex)(raw, w),
  };
}

function windowFn(spec: Extract<ColumnSpec, { kind: 'inParentWindow' }>, env: CompileEnv, stream: number): ValueFn {
  const fk = env.table.columnIndex(spec.column);
  const parent = env.tableNamed(refTargetOf(env.table, spec.column));
  const start = parent.columnIndex(spec.start);
  const end = parent.columnIndex(spec.end);
  const step = spec.stepMinutes * MINUTE;
  let lastParent = -1;
  let from = 0;
  let slots = 1;
  return (ctx, row) => {
    const idx = ctx.get(fk);
    if (idx === null) return null;
    if (idx !== lastParent) {
      from = parent.valueAt(start, idx as number) as number;
      slots = Math.max(1, Math.floor(((parent.valueAt(end, idx as number) as number) - from) / step));
      lastParent = idx as number;
    }
    return from + randomBelow(slots, stream, row) * step;
  };
}

const HEX = '0123456789abcdef';
const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex32(value: number): string {
  return HEX_BYTES[value >>> 24]! + HEX_BYTES[(value >>> 16) & 255]! + HEX_BYTES[(value >>> 8) & 255]! + HEX_BYTES[value & 255]!;
}

export function uuidOf(stream: number, row: number): string {
  const a = randomU32(stream, row, 0);
  const b = randomU32(stream, row, 1);
  const c = randomU32(stream, row, 2);
  const d = randomU32(stream, row, 3);
  const h = hex32(a) + hex32(b) + hex32(c) + hex32(d);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${HEX[8 + (c >>> 30)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * A pattern's value is its row number; the text is made from it when
 * written. Writing the parts straight into the buffer avoids building (and
 * then flattening) a string per row.
 */
function patternColumn(pattern: string, stream: number): CompiledColumn {
  const parts = pattern.split(/(\{[a-z]+(?::[^}]+)?\})/).filter(Boolean);
  const makers = parts.map((part, index) => patternPart(pattern, part, index, stream));
  const build = (row: number) => {
    let out = '';
    for (const make of makers) out += make(row);
    return out;
  };
  if (!copySafe([pattern, ...patternPools(pattern)]).write) {
    return { value: (_ctx, row) => row, text: (raw) => escapeCopyText(build(raw as number)), write: (raw, w) => w.text(build(raw as number)) };
  }
  const writers = parts.map((part, index) => patternPartWriter(part, index, stream, makers[index]!));
  return {
    value: (_ctx, row) => row,
    text: (raw) => build(raw as number),
    write: (raw, w) => {
      for (const write of writers) write(raw as number, w);
    },
  };
}

function patternPartWriter(part: string, index: number, stream: number, make: (row: number) => string): (row: number, w: CopyWriter) => void {
  const m = /^\{([a-z]+)(?::([^}]+))?\}$/.exec(part);
  if (!m) {
    const encoded = Buffer.from(part);
    return (_row, w) => w.bytes(encoded);
  }
  if (m[1] === 'hex') {
    const width = Number(m[2] ?? 8);
    return (row, w) => {
      for (let done = 0, k = 0; done < width; done += 8, k++) w.hex(randomU32(stream, row, index * 16 + k), Math.min(8, width - done));
    };
  }
  if (m[1] === 'row') return (row, w) => w.int(row + 1);
  return (row, w) => w.safe(make(row));
}

function patternPart(pattern: string, part: string, index: number, stream: number): (row: number) => string {
  const m = /^\{([a-z]+)(?::([^}]+))?\}$/.exec(part);
  if (!m) return () => part;
  const argument = m[2] ?? '';
  const width = Number(argument || 8);
  switch (m[1]) {
    case 'row': return (row) => String(row + 1);
    case 'rowhex': return (row) => row.toString(16).padStart(8, '0');
    case 'hex': return hexPart(width, index, stream);
    case 'digits': return (row) => { let s = ''; for (let k = 0; s.length < width; k++) s += String(randomU32(stream, row, index * 16 + k)).padStart(10, '0'); return s.slice(0, width); };
    case 'hour': return (row) => String(randomBelow(24, stream, row, index)).padStart(2, '0');
    case 'minute': return (row) => String(randomBelow(60, stream, row, index)).padStart(2, '0');
    case 'word': return poolPart('word', index, stream);
    case 'fake': {
      if (!(FAKE_KINDS as readonly string[]).includes(argument)) break;
      return poolPart(argument as FakeKind, index, stream);
    }
    case 'one': {
      const options = argument.split('|');
      return (row) => options[randomBelow(options.length, stream, row, index)]!;
    }
  }
  throw new UsageError(`pattern "${pattern}": unknown placeholder ${part} (use {row}, {rowhex}, {hex:N}, {digits:N}, {word}, {hour}, {minute}, {fake:<kind>}, {one:a|b|c})`);
}

/** `width` hex digits: whole 32-bit words, then single bytes (odd widths are trimmed). */
function hexPart(width: number, index: number, stream: number): (row: number) => string {
  const words = Math.floor(width / 8);
  const bytes = Math.ceil((width % 8) / 2);
  return (row) => {
    let s = '';
    for (let k = 0; k < words; k++) s += hex32(randomU32(stream, row, index * 16 + k));
    if (bytes > 0) {
      const last = randomU32(stream, row, index * 16 + words);
      for (let b = 0; b < bytes; b++) s += HEX_BYTES[(last >>> (24 - 8 * b)) & 255]!;
    }
    return s.length === width ? s : s.slice(0, width);
  };
}

function poolPart(kind: FakeKind, index: number, stream: number): (row: number) => string {
  const pool = valuePool(kind);
  return (row) => pool[randomBelow(pool.length, stream, row, index)]!;
}

function jsonFn(keys: readonly string[], stream: number): ValueFn {
  const words = valuePool('word');
  return (_ctx, row) => {
    const entries = keys.map((key, i) => {
      const kind = randomU32(stream, row, i * 2) % 3;
      const value = kind === 0 ? JSON.stringify(words[randomBelow(words.length, stream, row, i * 2 + 1)]) : kind === 1 ? String(randomBelow(1000, stream, row, i * 2 + 1)) : randomUnit(stream, row, i * 2 + 1) < 0.5 ? 'true' : 'false';
      return `${JSON.stringify(key)}: ${value}`;
    });
    return `{${entries.join(', ')}}`;
  };
}

function arrayColumn(of: ColumnSpec, length: Distribution, column: ColumnInfo, env: CompileEnv, stream: number): CompiledColumn {
  const element = compileInner(of, { ...column, isArray: false }, env, streamId(stream, 'element'));
  return {
    value: (ctx, row) => {
      const n = Math.max(0, sampleInt(length, stream, row));
      const values: Raw[] = [];
      for (let i = 0; i < n; i++) values.push(element.value(ctx, row * 64 + i));
      return values;
    },
    ...(element.text ? { text: element.text } : {}),
  };
}
