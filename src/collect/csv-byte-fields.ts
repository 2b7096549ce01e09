/**
 * The fields of one CSV record read straight from bytes (k6's gunzipped
 * output), without decoding the line to a string: only the fields a caller
 * asks for become strings, and a field seen before (a page name, a scenario)
 * is looked up instead of decoded again. Decoding whole lines was most of
 * the time spent aggregating k6's raw samples.
 *
 * It reads what Go's encoding/csv writes: plain fields, and quoted fields
 * without a line break. Anything else (a quoted field running onto the next
 * line, text after a closing quote) makes {@link CsvByteFields.split} return
 * false, and the caller reads that record as text with `splitCsvFields`.
 *
 * @example
 * const fields = new CsvByteFields(4);
 * if (fields.split(bytes, 0, bytes.indexOf(10), 4)) console.log(fields.text(3));
 */
export class CsvByteFields {
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;
  private readonly doubledQuotes: Uint8Array;
  private readonly interner = new TextInterner();
  private bytes: Buffer = Buffer.alloc(0);
  private end = 0;
  private position = 0;
  private count = 0;
  private ended = false;

  constructor(maxFields: number) {
    this.starts = new Int32Array(maxFields);
    this.ends = new Int32Array(maxFields);
    this.doubledQuotes = new Uint8Array(maxFields);
  }

  /**
   * Splits the record in `bytes` from `start` to `end` (exclusive) into at
   * most `fieldCount` fields, as `splitCsvFields` does; false when it must
   * be read as text instead (see the class). {@link extend} reads on.
   * `firstFieldLength`: the length of a first field the caller knows is
   * plain and followed by a comma.
   */
  split(bytes: Buffer, start: number, end: number, fieldCount: number, firstFieldLength = -1): boolean {
    this.bytes = bytes;
    this.position = start;
    this.end = end;
    this.count = 0;
    this.ended = false;
    // A first field the caller has already matched (plain, followed by a comma) is not walked again.
    if (firstFieldLength >= 0 && start + firstFieldLength < end && fieldCount > 0) {
      this.starts[0] = start;
      this.ends[0] = start + firstFieldLength;
      this.doubledQuotes[0] = 0;
      this.position = start + firstFieldLength + 1;
      this.count = 1;
    }
    return this.extend(fieldCount);
  }

  /** Reads the record on up to `fieldCount` fields: a record's later fields are read only when its first ones call for them. */
  extend(fieldCount: number): boolean {
    const { bytes, end, starts, ends } = this;
    let position = this.position;
    let count = this.count;
    while (count < fieldCount && !this.ended) {
      if (position < end && bytes[position] === QUOTE) {
        const close = this.closingQuote(bytes, position + 1, end, count);
        if (close === -1 || (close + 1 < end && bytes[close + 1] !== COMMA)) return false;
        starts[count] = position + 1;
        ends[count] = close;
        position = close + 2;
      } else {
        let comma = position;
        while (comma < end && bytes[comma] !== COMMA) comma += 1;
        starts[count] = position;
        ends[count] = comma;
        this.doubledQuotes[count] = 0;
        position = comma + 1;
      }
      count += 1;
      if (position > end) this.ended = true;
    }
    this.position = position;
    this.count = count;
    return true;
  }

  /**
   * Field `index` of the last record split as text; undefined when the record
   * has no such field (or `index` is -1). `repeats: false` for a value not
   * worth remembering (a timestamp).
   */
  text(index: number, repeats = true): string | undefined {
    if (index < 0 || index >= this.count) return undefined;
    const start = this.starts[index]!;
    const end = this.ends[index]!;
    if (this.doubledQuotes[index] === 1) return this.bytes.toString('utf8', start, end).replaceAll('""', '"');
    return repeats ? this.interner.text(this.bytes, start, end) : this.bytes.toString('utf8', start, end);
  }

  /** Field `index` as a number, exactly as `Number(text)` reads it; NaN when there is no such field. */
  number(index: number): number {
    if (index < 0 || index >= this.count) return Number.NaN;
    if (this.doubledQuotes[index] === 1) return Number(this.text(index));
    return readDecimal(this.bytes, this.starts[index]!, this.ends[index]!);
  }

  /** Field `index` exists in the last record and is not empty. */
  has(index: number): boolean {
    return index >= 0 && index < this.count && this.ends[index]! > this.starts[index]!;
  }

  /** From just after an opening quote: the closing quote's index, -1 when the field does not close before `end`. */
  private closingQuote(bytes: Buffer, from: number, end: number, field: number): number {
    this.doubledQuotes[field] = 0;
    let position = from;
    for (;;) {
      const quote = bytes.indexOf(QUOTE, position);
      if (quote === -1 || quote >= end) return -1;
      if (quote + 1 < end && bytes[quote + 1] === QUOTE) {
        this.doubledQuotes[field] = 1;
        position = quote + 2;
        continue;
      }
      return quote;
    }
  }
}

const QUOTE = 34;
const COMMA = 44;
const POWERS_OF_TEN = Array.from({ length: 16 }, (_, power) => 10 ** power);

/**
 * The decimal in `bytes` from `start` to `end`, equal to `Number(text)`: a
 * plain decimal of up to 15 digits is an exact integer divided by an exact
 * power of ten, which IEEE division rounds correctly, as Number() does.
 * Anything else (exponents, more digits, spaces, an empty field) is decoded
 * and given to Number().
 */
export function readDecimal(bytes: Buffer, start: number, end: number): number {
  let position = start;
  const negative = position < end && bytes[position] === 45; /* - */
  if (negative) position += 1;
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = -1;
  for (; position < end; position++) {
    const byte = bytes[position]!;
    if (byte >= 48 && byte <= 57) {
      mantissa = mantissa * 10 + (byte - 48);
      digits += 1;
      if (fractionDigits >= 0) fractionDigits += 1;
    } else if (byte === 46 /* . */ && fractionDigits === -1) {
      fractionDigits = 0;
    } else {
      return Number(bytes.toString('utf8', start, end));
    }
  }
  if (digits === 0 || digits > 15) return Number(bytes.toString('utf8', start, end));
  const value = fractionDigits > 0 ? mantissa / POWERS_OF_TEN[fractionDigits]! : mantissa;
  return negative ? -value : value;
}

const MAX_INTERNED = 4096;
/** Values of one key kept: error texts that differ only in an id share keys. */
const MAX_SHARING_KEY = 8;

/**
 * Strings for byte ranges, decoded once per distinct value: page names,
 * scenarios and check names repeat on every line. Bounded: past
 * MAX_INTERNED distinct values (error texts with ids in them), new ones are
 * decoded each time instead of kept.
 */
class TextInterner {
  private readonly byKey = new Map<number, Array<{ bytes: Uint8Array; text: string }>>();
  private size = 0;

  text(bytes: Buffer, start: number, end: number): string {
    if (end <= start) return '';
    // A key from the length and three bytes, not a hash of every byte: the comparison reads them all anyway.
    const key = (end - start) * 0x1000000 + bytes[start]! * 0x10000 + bytes[(start + end) >>> 1]! * 0x100 + bytes[end - 1]!;
    const entries = this.byKey.get(key);
    if (entries) {
      for (const entry of entries) if (sameBytes(entry.bytes, bytes, start, end)) return entry.text;
    }
    const text = bytes.toString('utf8', start, end);
    if (this.size >= MAX_INTERNED || (entries && entries.length >= MAX_SHARING_KEY)) return text;
    this.size += 1;
    const entry = { bytes: Uint8Array.prototype.slice.call(bytes, start, end), text };
    if (entries) entries.push(entry);
    else this.byKey.set(key, [entry]);
    return text;
  }
}

function sameBytes(known: Uint8Array, bytes: Buffer, start: number, end: number): boolean {
  if (known.length !== end - start) return false;
  for (let index = 0; index < known.length; index++) if (known[index] !== bytes[start + index]) return false;
  return true;
}
