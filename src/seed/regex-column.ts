import { UsageError } from '../errors.ts';
import type { CompileEnv, CompiledColumn } from './compile-column.ts';
import type { ColumnSpec } from './model.ts';
import { randomBelow, randomUnit } from './prng.ts';
import { capacityOf, generateMatch, parseRegex, RegexNotGenerable, shapeValue, singleClass, uniqueShape, type RegexNode } from './regex-values.ts';
import { valuePool } from './value-pools.ts';

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

