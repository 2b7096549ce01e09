import type { GeneratedTableView } from './compile-column.ts';
import { randomBelow, randomUnit, streamId } from './prng.ts';
import type { Raw, RowContext, ValueFn } from './row-context.ts';

/**
 * What a generated value must still respect after its generator ran: the
 * parts of a schema's checks a generator cannot express by itself (a value
 * that must differ from another column, a NULL pattern several columns
 * share, a partition's range). Plain data, so a plan can cross to a worker.
 */
export type Guard =
  /** Never one of these (`status <> 'void'`, `body <> ''`): drawn again. */
  | { kind: 'notIn'; values: readonly (string | number | boolean)[] }
  /** Never equal to another column of the row (`follower_id <> followee_id`): drawn again. */
  | { kind: 'differs'; column: string }
  | { kind: 'letterCase'; upper: boolean }
  /** Text cut or padded to a length (characters). */
  | { kind: 'length'; min?: number; max?: number }
  /** Numbers (epoch ms, days, integers) kept inside half-open intervals (a table's partitions), on a grain. */
  | { kind: 'within'; intervals: readonly (readonly [number, number])[]; grain: number }
  | { kind: 'clamp'; min?: number; max?: number }
  /**
   * One of the NULL patterns a check allows over several columns (`(event_id IS NULL) <> (photo_id IS NULL)`),
   * the same pattern for every column of the rule in a row; `index` is this column's place in it.
   */
  | { kind: 'presence'; rule: string; index: number; allowed: readonly (readonly boolean[])[]; weights: readonly number[] };

export interface GuardEnv {
  table: GeneratedTableView;
  seed: number;
  column: string;
  /** COPY text of a value of this column, to compare values as Postgres will see them. */
  text: (raw: Raw) => string;
}

/** How many times a value is drawn again before the guard gives up on it. */
const REDRAWS = 12;
/** Redraws use rows far beyond any table, so they never repeat a real row's draw. */
const REDRAW_ROW_OFFSET = 2 ** 40;

export function guardValue(value: ValueFn, guards: readonly Guard[], env: GuardEnv): ValueFn {
  return guards.reduce((inner, guard) => applyGuard(inner, guard, env), value);
}

function applyGuard(inner: ValueFn, guard: Guard, env: GuardEnv): ValueFn {
  const stream = streamId(env.seed, env.table.name, env.column, guard.kind);
  switch (guard.kind) {
    case 'notIn': {
      const forbidden = new Set(guard.values.map(valueText));
      return redrawWhile(inner, (_ctx, raw) => forbidden.has(env.text(raw)));
    }
    case 'differs': {
      const other = env.table.columnIndex(guard.column);
      return redrawWhile(inner, (ctx, raw) => {
        const theirs = ctx.get(other);
        return theirs !== null && env.table.textOf(other)(theirs) === env.text(raw);
      });
    }
    case 'letterCase':
      return (ctx, row) => recase(inner(ctx, row), guard.upper);
    case 'length':
      return (ctx, row) => fitLength(inner(ctx, row), guard.min ?? 0, guard.max ?? Infinity, stream, row);
    case 'within':
      return (ctx, row) => {
        const raw = inner(ctx, row);
        return typeof raw === 'number' ? intoIntervals(raw, guard.intervals, guard.grain, stream, row) : raw;
      };
    case 'clamp':
      return (ctx, row) => {
        const raw = inner(ctx, row);
        return typeof raw === 'number' ? Math.min(guard.max ?? Infinity, Math.max(guard.min ?? -Infinity, raw)) : raw;
      };
    case 'presence':
      return presence(inner, guard, env);
  }
}

function valueText(value: string | number | boolean): string {
  return typeof value === 'boolean' ? (value ? 't' : 'f') : String(value);
}

function redrawWhile(inner: ValueFn, bad: (ctx: RowContext, raw: Raw) => boolean): ValueFn {
  return (ctx, row) => {
    let raw = inner(ctx, row);
    for (let k = 1; raw !== null && bad(ctx, raw) && k <= REDRAWS; k++) raw = inner(ctx, row + k * REDRAW_ROW_OFFSET);
    return raw;
  };
}

function recase(raw: Raw, upper: boolean): Raw {
  if (typeof raw === 'string') return upper ? raw.toUpperCase() : raw.toLowerCase();
  if (Array.isArray(raw)) return raw.map((part) => recase(part, upper));
  return raw;
}

const PADDING = 'abcdefghijklmnopqrstuvwxyz';

function fitLength(raw: Raw, min: number, max: number, stream: number, row: number): Raw {
  if (typeof raw !== 'string') return raw;
  let text = raw.length > max ? raw.slice(0, max) : raw;
  for (let i = 0; text.length < min; i++) text += PADDING[randomBelow(PADDING.length, stream, row, i)]!;
  return text;
}

/** A value outside every interval is drawn again inside one, intervals weighted by their width. */
function intoIntervals(value: number, intervals: readonly (readonly [number, number])[], grain: number, stream: number, row: number): number {
  if (intervals.some(([low, high]) => value >= low && value < high)) return value;
  const total = intervals.reduce((sum, [low, high]) => sum + (high - low), 0);
  let u = randomUnit(stream, row) * total;
  for (const [low, high] of intervals) {
    if (u < high - low) return Math.min(high - grain, low + Math.floor(u / grain) * grain);
    u -= high - low;
  }
  return intervals[0]![0];
}

function presence(inner: ValueFn, guard: Extract<Guard, { kind: 'presence' }>, env: GuardEnv): ValueFn {
  const stream = streamId(env.seed, env.table.name, guard.rule, 'presence');
  const cumulative: number[] = [];
  let sum = 0;
  for (const weight of guard.weights) cumulative.push((sum += weight));
  return (ctx, row) => {
    const u = randomUnit(stream, row) * sum;
    let pattern = 0;
    while (pattern < cumulative.length - 1 && cumulative[pattern]! <= u) pattern++;
    return guard.allowed[pattern]![guard.index] ? inner(ctx, row) : null;
  };
}
