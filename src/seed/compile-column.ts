import { sampleInt, sampleReal } from './distribution.ts';
import type { CopyWriter } from './copy-writer.ts';
import type { ColumnSpec } from './model.ts';
import { patternColumn, uuidColumn } from './pattern-values.ts';
import { profiledColumn } from './profiled-values.ts';
import { randomUnit, streamId } from './prng.ts';
import { distinctRefColumn, fromParentColumn, parentColumn, refColumn, throughColumn } from './ref-values.ts';
import type { Raw, RowContext, ValueFn } from './row-context.ts';
import type { TableGroup } from './plan.ts';
import type { ColumnInfo } from './schema-snapshot.ts';
import { jsonColumn } from './json-values.ts';
import { regexColumn } from './regex-column.ts';
import { choiceFn, emailColumn, fakeColumn, slugColumn, textColumn } from './text-values.ts';
import { afterFn, dateFn, timeColumn, timestampFn, windowFn } from './time-values.ts';

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

/** Turns a column spec into a function of the row context; every draw is salted by (seed, table, column). */
export function compileColumn(spec: ColumnSpec, column: ColumnInfo, env: CompileEnv): CompiledColumn {
  return compileWithNulls(spec, column, env, streamId(env.seed, env.table.name, column.name));
}

/** The spec, NULL in its `nulls` share of rows. */
function compileWithNulls(spec: ColumnSpec, column: ColumnInfo, env: CompileEnv, stream: number): CompiledColumn {
  const compiled = compileSpec(spec, column, env, stream);
  const nulls = spec.nulls ?? 0;
  if (nulls <= 0) return compiled;
  const nullStream = streamId(stream, 'nulls');
  const inner = compiled.value;
  return { ...compiled, value: (ctx, row) => (randomUnit(nullStream, row) < nulls ? null : inner(ctx, row)) };
}

/** The spec itself, without its NULLs (arrays and firstOfParent compile their inner specs with it). */
export function compileSpec(spec: ColumnSpec, column: ColumnInfo, env: CompileEnv, stream: number): CompiledColumn {
  const self = env.table;
  switch (spec.kind) {
    case 'sequence': {
      const start = spec.start ?? 1;
      const step = spec.step ?? 1;
      return { value: (_ctx, row) => start + row * step };
    }
    case 'position': {
      const first = spec.start ?? 1;
      const values = spec.values;
      const position = (ctx: RowContext) => (self.group ? ctx.row - ctx.groupStart + first : ctx.row + first);
      if (values) return { value: (ctx) => values[position(ctx) % values.length]!, ...copySafe(values.map(String)) };
      return { value: position };
    }
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
    case 'const':
      return constColumn(spec.value);
    case 'choice':
      return { value: choiceFn(spec.values, spec.weights, stream), ...copySafe(spec.values.map(String)) };
    case 'fake':
      return fakeColumn(spec, spec.maxLength ?? column.maxLength, env, stream);
    case 'text':
      return textColumn(spec, column.maxLength, stream);
    case 'email':
      return emailColumn(spec, column.maxLength, env, stream);
    case 'slug':
      return slugColumn(spec, column.maxLength, env);
    case 'regex':
      return regexColumn(spec, spec.maxLength ?? column.maxLength, env, stream);
    case 'timestamp':
      return { value: timestampFn(spec, stream) };
    case 'date':
      return { value: dateFn(spec, stream) };
    case 'time':
      return timeColumn(spec, stream);
    case 'after':
      return { value: afterFn(spec, column, env, stream) };
    case 'parent':
      return parentColumn(spec.column, env);
    case 'ref':
      return refColumn(spec, env, stream);
    case 'distinctRef':
      return distinctRefColumn(spec, env, stream);
    case 'through':
      return throughColumn(spec, env, stream);
    case 'fromParent':
      return fromParentColumn(spec, env);
    case 'inParentWindow':
      return { value: windowFn(spec, env, stream) };
    case 'firstOfParent':
      return firstOfParentColumn(spec, column, env, stream);
    case 'uuid':
      return uuidColumn(stream);
    case 'pattern':
      return patternColumn(spec.pattern, stream, column.maxLength);
    case 'json':
      return jsonColumn(spec, stream);
    case 'array':
      return arrayColumn(spec, column, env, stream);
    case 'profiled':
      return profiledColumn(spec, column, self.rows, stream, spec.pool && compileSpec(spec.pool, column, env, streamId(stream, 'pool')));
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

const NEEDS_COPY_ESCAPE = /[\\\t\n\r]/;

/**
 * Values drawn only from these strings need no COPY escaping, so their text
 * is the value itself: skipping a regex test per value is measurable at
 * tens of millions of rows. Scalar columns only (arrays quote elements).
 */
export function copySafe(sources: readonly string[]): { text?: CompiledColumn['text']; write?: ValueWriter } {
  if (sources.some((source) => NEEDS_COPY_ESCAPE.test(source))) return {};
  return { text: (raw) => (typeof raw === 'string' ? raw : String(raw)), write: (raw, w) => w.safe(typeof raw === 'string' ? raw : String(raw)) };
}

function constColumn(value: string | number | boolean): CompiledColumn {
  const safe = copySafe([String(value)]);
  // Encoded once: a 95-character password hash on every user row adds up.
  const encoded = Buffer.from(String(value));
  return { value: () => value, ...safe, ...(safe.write ? { write: (_raw, w) => w.bytes(encoded) } : {}) };
}

/** One spec for the first row of each parent's run, another for the rest. */
function firstOfParentColumn(spec: Extract<ColumnSpec, { kind: 'firstOfParent' }>, column: ColumnInfo, env: CompileEnv, stream: number): CompiledColumn {
  const first = compileWithNulls(spec.first, column, env, streamId(stream, 'first'));
  const rest = compileWithNulls(spec.rest, column, env, streamId(stream, 'rest'));
  const grouped = Boolean(env.table.group);
  return {
    value: (ctx, row) => ((grouped ? ctx.row === ctx.groupStart : row === 0) ? first.value(ctx, row) : rest.value(ctx, row)),
    ...(first.text && first.text === rest.text ? { text: first.text } : {}),
  };
}

function arrayColumn(spec: Extract<ColumnSpec, { kind: 'array' }>, column: ColumnInfo, env: CompileEnv, stream: number): CompiledColumn {
  const element = compileSpec(spec.of, { ...column, isArray: false }, env, streamId(stream, 'element'));
  const length = spec.length;
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
