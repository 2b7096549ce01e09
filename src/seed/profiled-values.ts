import { copySafe, type CompiledColumn } from './compile-column.ts';
import { DATA_EPOCH_END, DATA_EPOCH_START, TEXT_TYPES, TIMESTAMP_TYPES } from './default-columns.ts';
import type { ColumnSpec } from './model.ts';
import { uuidOf } from './pattern-values.ts';
import { randomU32 } from './prng.ts';
import type { Raw } from './row-context.ts';
import { shapedOffsets } from './histogram-shape.ts';
import type { ColumnInfo } from './schema-snapshot.ts';
import { shapedRanks } from './shaped-ranks.ts';

const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);
/** The largest value of each integer type, less one: offsets start at 1. */
const INTEGER_ROOM: Record<string, number> = { int2: 32_766, int4: 2_147_483_646, int8: Number.MAX_SAFE_INTEGER - 1 };
/** With a histogram shape, values spread over up to this many steps per distinct value. */
const SHAPE_SPREAD = 10;
const NUMBER_TYPES = new Set(['numeric', 'float4', 'float8', 'money']);
const SECOND = 1000;
const DAY = 86_400_000;

type Profiled = Extract<ColumnSpec, { kind: 'profiled' }>;

/** Whether `profiled` values can be made for a column of this type. */
export function canProfile(column: ColumnInfo): boolean {
  if (column.isArray || column.enumLabels) return false;
  const type = column.baseType;
  return INTEGER_TYPES.has(type) || NUMBER_TYPES.has(type) || TEXT_TYPES.has(type) || TIMESTAMP_TYPES.has(type) || ['date', 'time', 'bool', 'uuid', 'json', 'jsonb'].includes(type);
}

/**
 * A column shaped by a profile: each row's rank (shaped-ranks.ts) becomes a
 * value of the column's type that sorts like the rank, so the physical
 * order the ranks carry is the values' order too. A value depends on its
 * rank only: equal ranks are equal values.
 */
export function profiledColumn(spec: Profiled, column: ColumnInfo, rows: number, stream: number, pool?: CompiledColumn): CompiledColumn {
  const ranks = shapedRanks(spec.shape, rows, stream);
  if (pool) {
    const inner = pool.value;
    return { ...pool, value: (ctx, row) => {
      const rank = ranks(row);
      return rank < 0 ? null : inner(ctx, rank);
    } };
  }
  const listed = spec.values;
  const render = listed ? (rank: number) => listed[rank % listed.length]! : rankRenderer(spec, column, stream);
  const value = (_ctx: unknown, row: number): Raw => {
    const rank = ranks(row);
    return rank < 0 ? null : render(rank);
  };
  if (listed) return { value, ...copySafe(listed.map(String)) };
  if (!isText(column)) return { value };
  return { value, text: (raw) => raw as string, write: (raw, w) => w.safe(raw as string) };
}

function isText(column: ColumnInfo): boolean {
  return TEXT_TYPES.has(column.baseType) || column.baseType === 'uuid' || column.baseType === 'json' || column.baseType === 'jsonb';
}

function rankRenderer(spec: Profiled, column: ColumnInfo, stream: number): (rank: number) => Raw {
  const type = column.baseType;
  const distinct = Math.max(1, spec.shape.distinct);
  /** Rank → step along the column's range: the histogram's shape when the profile has one, else one step per rank. */
  const steps = (span: number) => (spec.histogram ? shapedOffsets(spec.histogram, Math.min(spec.shape.frequencies.length, distinct), distinct, span) : (rank: number) => rank);
  if (INTEGER_TYPES.has(type)) {
    const offset = steps(Math.min(INTEGER_ROOM[type]!, distinct * SHAPE_SPREAD));
    return (rank) => offset(rank) + 1;
  }
  if (NUMBER_TYPES.has(type)) return numberRenderer(column, distinct, steps);
  if (type === 'bool') return (rank) => (rank === 0 ? spec.common !== false : spec.common === false);
  if (TIMESTAMP_TYPES.has(type)) {
    const start = Date.parse(DATA_EPOCH_START);
    const seconds = Math.floor((Date.parse(DATA_EPOCH_END) - start) / SECOND);
    if (spec.histogram) {
      const offset = steps(Math.max(distinct, seconds));
      return (rank) => start + offset(rank) * SECOND;
    }
    const step = Math.max(SECOND, Math.floor(seconds / distinct) * SECOND);
    return (rank) => start + rank * step;
  }
  if (type === 'date') {
    const end = Math.floor(Date.parse(DATA_EPOCH_END) / DAY);
    const days = Math.max(distinct, end - Math.floor(Date.parse(DATA_EPOCH_START) / DAY));
    if (spec.histogram) {
      const offset = steps(days);
      return (rank) => (end - days + offset(rank)) * DAY;
    }
    return (rank) => (end - days + Math.floor((rank * days) / distinct)) * DAY;
  }
  if (type === 'time') {
    const step = Math.max(SECOND, Math.floor(DAY / distinct / SECOND) * SECOND);
    return (rank) => (rank * step) % DAY;
  }
  if (type === 'uuid') return (rank) => orderedUuid(rank, stream);
  const text = textRenderer(spec, column, distinct, stream);
  if (type === 'json' || type === 'jsonb') return (rank) => `{"v": "${text(rank)}"}`;
  return text;
}

/**
 * rank + 1 (spread by the histogram's shape when there is one), in whole
 * numbers, or in the column's smallest unit when its precision cannot hold
 * that many whole numbers.
 */
function numberRenderer(column: ColumnInfo, distinct: number, steps: (span: number) => (rank: number) => number): (rank: number) => number {
  const whole = column.precision !== undefined ? 10 ** (column.precision - (column.scale ?? 0)) - 1 : Infinity;
  const wanted = distinct * SHAPE_SPREAD;
  if (distinct <= whole) {
    const offset = steps(Math.min(whole - 1, wanted));
    return (rank) => offset(rank) + 1;
  }
  const unit = 10 ** -(column.scale ?? 0);
  const offset = steps(Math.min(10 ** (column.precision ?? 0) - 2, wanted));
  return (rank) => Math.round((offset(rank) + 1) * unit * 1e6) / 1e6;
}

/** The rank's first 48 bits, so uuids sort by rank; the rest random per rank. */
function orderedUuid(rank: number, stream: number): string {
  const random = uuidOf(stream, rank);
  const high = rank.toString(16).padStart(12, '0').slice(-12);
  return `${high.slice(0, 8)}-${high.slice(8, 12)}${random.slice(13)}`;
}

/**
 * A base-36 code of the rank (same length for every rank, so text sorts
 * like the rank) followed by filler up to the profile's average width: a
 * varlena under 127 bytes has a one-byte header, counted in avg_width.
 */
function textRenderer(spec: Profiled, column: ColumnInfo, distinct: number, stream: number): (rank: number) => string {
  const digits = Math.max(1, Math.ceil(Math.log(distinct + 1) / Math.log(36)));
  const width = spec.width ?? digits + 1;
  const target = Math.min(column.maxLength ?? Infinity, Math.max(digits, Math.round(width - (width > 127 ? 4 : 1)) - (column.baseType === 'json' || column.baseType === 'jsonb' ? 9 : 0)));
  const fill = Math.max(0, target - digits - 1);
  const filler = fillerText(stream, fill + 64);
  return (rank) => {
    const code = rank.toString(36).padStart(digits, '0');
    if (fill === 0) return code;
    const offset = randomU32(stream, rank) % 64;
    return `${code} ${filler.slice(offset, offset + fill)}`;
  };
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz     ';

/** Letters and spaces, deterministic per column; rows take a slice at an offset of their rank. */
function fillerText(stream: number, length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += LETTERS[randomU32(stream, i, 7) % LETTERS.length];
  return text.replace(/ +$/, (spaces) => 'x'.repeat(spaces.length));
}
