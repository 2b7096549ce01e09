import { UsageError } from '../errors.ts';
import type { CompileEnv, CompiledColumn } from './compile-column.ts';
import { sampleInt, sampleReal, type Distribution } from './distribution.ts';
import type { ColumnSpec } from './model.ts';
import { randomBelow, randomUnit } from './prng.ts';
import { refTargetOf } from './ref-values.ts';
import type { Raw, RowContext, ValueFn } from './row-context.ts';
import type { ColumnInfo } from './schema-snapshot.ts';

export const MINUTE = 60_000;
export const DAY = 86_400_000;
const SECOND = 1_000;
const TIMESTAMP_TYPES = new Set(['timestamp', 'timestamptz']);
const TIME_TYPES = new Set(['time', 'timetz']);
const LAST_SECOND_OF_DAY = DAY - SECOND;

/** Epoch milliseconds of an ISO 8601 date or timestamp; a date alone is midnight UTC. */
export function dayOf(text: string): number {
  const ms = Date.parse(text.length === 10 ? `${text}T00:00:00Z` : text);
  if (Number.isNaN(ms)) throw new UsageError(`"${text}" is not a date (use ISO 8601, e.g. 2025-09-01 or 2025-09-01T16:00:00Z)`);
  return ms;
}

/** Milliseconds since midnight of "HH:MM" or "HH:MM:SS". */
export function timeOfDay(text: string): number {
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
  if (!m) throw new UsageError(`"${text}" is not a time of day (use HH:MM, e.g. 08:30)`);
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3] ?? 0)) * SECOND;
}

export function timestampFn(spec: Extract<ColumnSpec, { kind: 'timestamp' }>, stream: number): ValueFn {
  const from = dayOf(spec.from);
  const to = dayOf(spec.to);
  const step = (spec.stepMinutes ?? 0) * MINUTE || SECOND;
  const hours = spec.hours;
  if (hours) {
    const firstDay = Math.floor(from / DAY) * DAY;
    const days = Math.max(1, Math.round((to - firstDay) / DAY));
    const windowStart = hours[0] * 60 * MINUTE;
    const slots = Math.max(1, Math.floor(((hours[1] - hours[0]) * 60 * MINUTE) / step));
    return (_ctx, row) => firstDay + randomBelow(days, stream, row) * DAY + windowStart + randomBelow(slots, stream, row, 1) * step;
  }
  const slots = Math.max(1, Math.floor((to - from) / step));
  const d = spec.dist;
  if (d) return (_ctx, row) => from + Math.min(slots - 1, Math.max(0, Math.floor(sampleReal(d, stream, row) * slots))) * step;
  return (_ctx, row) => from + randomBelow(slots, stream, row) * step;
}

export function dateFn(spec: Extract<ColumnSpec, { kind: 'date' }>, stream: number): ValueFn {
  const from = dayOf(spec.from);
  const days = Math.max(1, Math.round((dayOf(spec.to) - from) / DAY));
  return (_ctx, row) => from + randomBelow(days, stream, row) * DAY;
}

/** A time of day as milliseconds since midnight, written `HH:MM:SS`. */
export function timeColumn(spec: Extract<ColumnSpec, { kind: 'time' }>, stream: number): CompiledColumn {
  const from = timeOfDay(spec.from);
  const step = (spec.stepMinutes ?? 1) * MINUTE;
  const slots = Math.max(1, Math.floor((timeOfDay(spec.to) - from) / step));
  return { value: (_ctx, row) => from + randomBelow(slots, stream, row) * step, text: (raw) => formatTimeOfDay(raw as number) };
}

export function formatTimeOfDay(ms: number): string {
  const seconds = Math.floor(ms / SECOND);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(Math.floor(seconds / 3600))}:${two(Math.floor(seconds / 60) % 60)}:${two(seconds % 60)}`;
}

/**
 * After the latest of its base columns: by `delta`, or anywhere up to
 * `until` with most values soon after (u³ of the span: a comment comes
 * mostly in the days after its article). Whole seconds (days for dates)
 * past the base, so a value written to the second is still later.
 */
export function afterFn(spec: Extract<ColumnSpec, { kind: 'after' }>, column: ColumnInfo, env: CompileEnv, stream: number): ValueFn {
  const unit = unitOf(column);
  const bases = (typeof spec.column === 'string' ? [spec.column] : spec.column).map((path) => baseValue(path, env));
  const latest = (ctx: RowContext): number | null => {
    let max: number | null = null;
    for (const base of bases) {
      const value = base(ctx);
      if (typeof value === 'number' && (max === null || value > max)) max = value;
    }
    return max;
  };
  const ceiling = TIME_TYPES.has(column.baseType) ? LAST_SECOND_OF_DAY : Infinity;
  if (spec.until === undefined) {
    const delta: Distribution = spec.delta ?? { kind: 'uniform', min: 1, max: 240 };
    return (ctx, row) => {
      const base = latest(ctx);
      return base === null ? null : Math.min(ceiling, base + sampleInt(delta, stream, row) * unit);
    };
  }
  const until = dayOf(spec.until);
  const grain = unit === 1 ? 1 : unit === DAY ? DAY : SECOND;
  return (ctx, row) => {
    const base = latest(ctx);
    if (base === null) return null;
    const span = until - base;
    if (span <= grain) return base + grain * (1 + randomBelow(60, stream, row));
    const u = randomUnit(stream, row);
    return base + grain * Math.max(1, Math.floor((u * u * u * span) / grain));
  };
}

function unitOf(column: ColumnInfo): number {
  if (TIMESTAMP_TYPES.has(column.baseType) || TIME_TYPES.has(column.baseType)) return MINUTE;
  if (column.baseType === 'date') return DAY;
  return 1;
}

/** `column` of this row, or `fk.column` of the row a foreign key points at. */
export function baseValue(path: string, env: CompileEnv): (ctx: RowContext) => Raw {
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

export function windowFn(spec: Extract<ColumnSpec, { kind: 'inParentWindow' }>, env: CompileEnv, stream: number): ValueFn {
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
