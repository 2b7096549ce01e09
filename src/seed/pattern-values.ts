import { UsageError } from '../errors.ts';
import { copySafe, type CompiledColumn } from './compile-column.ts';
import { escapeCopyText } from './copy-text.ts';
import type { CopyWriter } from './copy-writer.ts';
import { FAKE_KINDS, type FakeKind } from './model.ts';
import { randomBelow, randomU32 } from './prng.ts';
import { valuePool } from './value-pools.ts';

const HEX = '0123456789abcdef';
const HEX_BYTES = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

export function hex32(value: number): string {
  return HEX_BYTES[value >>> 24]! + HEX_BYTES[(value >>> 16) & 255]! + HEX_BYTES[(value >>> 8) & 255]! + HEX_BYTES[value & 255]!;
}

/** A version-4 UUID from four draws of the row. */
export function uuidOf(stream: number, row: number): string {
  const a = randomU32(stream, row, 0);
  const b = randomU32(stream, row, 1);
  const c = randomU32(stream, row, 2);
  const d = randomU32(stream, row, 3);
  const h = hex32(a) + hex32(b) + hex32(c) + hex32(d);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${HEX[8 + (c >>> 30)]}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function uuidColumn(stream: number): CompiledColumn {
  return { value: (_ctx, row) => uuidOf(stream, row), text: (raw) => raw as string, write: (raw, w) => w.safe(raw as string) };
}

/**
 * A pattern's value is its row number; the text is made from it when
 * written. Writing the parts straight into the buffer avoids building (and
 * then flattening) a string per row.
 */
export function patternColumn(pattern: string, stream: number, maxLength = Infinity): CompiledColumn {
  const parts = pattern.split(/(\{[a-z]+(?::[^}]+)?\})/).filter(Boolean);
  const makers = parts.map((part, index) => patternPart(pattern, part, index, stream));
  const build = (row: number) => {
    let out = '';
    for (const make of makers) out += make(row);
    return out.length <= maxLength ? out : out.slice(0, maxLength);
  };
  if (maxLength < Infinity || !copySafe([pattern, ...patternPools(pattern)]).write) {
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

/** The text of a pattern at a row (values of pattern columns are row numbers until written). */
export function patternText(pattern: string, stream: number): (row: number) => string {
  const makers = pattern.split(/(\{[a-z]+(?::[^}]+)?\})/).filter(Boolean).map((part, index) => patternPart(pattern, part, index, stream));
  return (row) => {
    let out = '';
    for (const make of makers) out += make(row);
    return out;
  };
}

function patternPools(pattern: string): string[] {
  const kinds = [...pattern.matchAll(/\{(fake):([a-zA-Z]+)\}|\{(word)\}/g)].map((m) => (m[2] ?? 'word') as FakeKind);
  return kinds.filter((kind) => (FAKE_KINDS as readonly string[]).includes(kind)).flatMap((kind) => valuePool(kind));
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

/** How many different values a pattern can make; Infinity with {row}/{rowhex} (distinct by construction). */
export function patternCapacity(pattern: string): number {
  let capacity = 1;
  for (const m of pattern.matchAll(/\{([a-z]+)(?::([^}]+))?\}/g)) {
    const width = Number(m[2] || 8);
    switch (m[1]) {
      case 'row': case 'rowhex': return Infinity;
      case 'hex': capacity *= 16 ** width; break;
      case 'digits': capacity *= 10 ** width; break;
      case 'hour': capacity *= 24; break;
      case 'minute': capacity *= 60; break;
      case 'word': capacity *= new Set(valuePool('word')).size; break;
      case 'fake': capacity *= (FAKE_KINDS as readonly string[]).includes(m[2] ?? '') ? new Set(valuePool(m[2] as FakeKind)).size : 1; break;
      case 'one': capacity *= (m[2] ?? '').split('|').length; break;
    }
  }
  return capacity;
}
