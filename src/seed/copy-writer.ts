import { dayString, escapeCopyText } from './copy-text.ts';

const DAY_MS = 86_400_000;
/**
 * Longer text is encoded by Buffer#write (and escaped by one regular
 * expression) instead of character by character: an article body is 1.5 KB,
 * and native encoding is several times faster there; short values are
 * faster in the loop.
 */
const NATIVE_FROM = 64;
const HEX_DIGITS = Buffer.from('0123456789abcdef');

/**
 * Writes COPY text straight into a byte buffer. Building JavaScript strings
 * and encoding them afterwards was half of the generator's time; digits,
 * timestamps and ASCII text written byte by byte are not.
 */
export class CopyWriter {
  private buffer: Buffer;
  private pos = 0;

  constructor(private readonly capacity = 512 * 1024) {
    this.buffer = Buffer.allocUnsafe(capacity);
  }

  /** Bytes written since the last take(). */
  get length(): number {
    return this.pos;
  }

  /** The bytes written since the last take(); the writer starts a new buffer. */
  take(): Buffer {
    const written = this.buffer.subarray(0, this.pos);
    this.buffer = Buffer.allocUnsafe(Math.max(this.capacity, this.pos));
    this.pos = 0;
    return written;
  }

  byte(value: number): void {
    this.ensure(1);
    this.buffer[this.pos++] = value;
  }

  /** A whole number in decimal. */
  int(value: number): void {
    if (value >= 0 && value <= 0x7fffffff && (value | 0) === value) return this.smallInt(value);
    if (!Number.isSafeInteger(value)) return this.safe(String(value));
    this.ensure(17);
    const buffer = this.buffer;
    let pos = this.pos;
    if (value < 0) {
      buffer[pos++] = 45;
      value = -value;
    }
    let digits = 1;
    for (let rest = value; rest >= 10; rest = Math.floor(rest / 10)) digits++;
    for (let p = pos + digits - 1; p >= pos; p--) {
      buffer[p] = 48 + (value % 10);
      value = Math.floor(value / 10);
    }
    this.pos = pos + digits;
  }

  /** Bytes already COPY-encoded (a constant, encoded once). */
  bytes(bytes: Buffer): void {
    this.ensure(bytes.length);
    bytes.copy(this.buffer, this.pos);
    this.pos += bytes.length;
  }

  /** A non-negative 31-bit integer: integer arithmetic only (keys and counts, the common case). */
  private smallInt(value: number): void {
    this.ensure(10);
    const digits = value < 10 ? 1 : value < 100 ? 2 : value < 1_000 ? 3 : value < 10_000 ? 4 : value < 100_000 ? 5 : value < 1_000_000 ? 6 : value < 10_000_000 ? 7 : value < 100_000_000 ? 8 : value < 1_000_000_000 ? 9 : 10;
    const buffer = this.buffer;
    const end = this.pos + digits;
    for (let p = end - 1; p >= this.pos; p--) {
      const next = (value / 10) | 0;
      buffer[p] = 48 + value - next * 10;
      value = next;
    }
    this.pos = end;
  }

  /** The first `digits` hex digits of a 32-bit value, most significant first. */
  hex(value: number, digits = 8): void {
    this.ensure(digits);
    const buffer = this.buffer;
    let pos = this.pos;
    for (let d = 0; d < digits; d++) buffer[pos++] = HEX_DIGITS[(value >>> (28 - 4 * d)) & 15]!;
    this.pos = pos;
  }

  /** Text known to need no COPY escaping (UTF-8 encoded). */
  safe(text: string): void {
    const length = text.length;
    this.ensure(length * 3);
    if (length > NATIVE_FROM) {
      this.pos += this.buffer.write(text, this.pos, 'utf8');
      return;
    }
    const buffer = this.buffer;
    const start = this.pos;
    let pos = start;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code > 127) {
        this.pos = start + buffer.write(text, start, 'utf8');
        return;
      }
      buffer[pos++] = code;
    }
    this.pos = pos;
  }

  /** Any text, with COPY's special characters escaped. */
  text(text: string): void {
    const length = text.length;
    if (length > NATIVE_FROM) return this.safe(escapeCopyText(text));
    this.ensure(length * 3);
    const buffer = this.buffer;
    const start = this.pos;
    let pos = start;
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code > 127) {
        this.pos = start;
        return this.safe(escapeCopyText(text));
      }
      if (code === 92 || code === 9 || code === 10 || code === 13) {
        buffer[pos++] = 92;
        buffer[pos++] = code === 92 ? 92 : code === 9 ? 116 : code === 10 ? 110 : 114;
      } else buffer[pos++] = code;
    }
    this.pos = pos;
  }

  /** `2025-03-04 16:30:00+00` from epoch milliseconds (UTC, whole seconds). */
  timestamp(ms: number): void {
    const day = Math.floor(ms / DAY_MS);
    this.safe(dayString(day));
    this.ensure(12);
    const second = Math.floor((ms - day * DAY_MS) / 1000);
    const buffer = this.buffer;
    let pos = this.pos;
    buffer[pos++] = 32;
    pos = twoDigits(buffer, pos, Math.floor(second / 3600));
    buffer[pos++] = 58;
    pos = twoDigits(buffer, pos, Math.floor((second % 3600) / 60));
    buffer[pos++] = 58;
    pos = twoDigits(buffer, pos, second % 60);
    buffer[pos++] = 43;
    buffer[pos++] = 48;
    buffer[pos++] = 48;
    this.pos = pos;
  }

  /** `2025-03-04` from epoch milliseconds. */
  date(ms: number): void {
    this.safe(dayString(Math.floor(ms / DAY_MS)));
  }

  private ensure(bytes: number): void {
    if (this.pos + bytes <= this.buffer.length) return;
    const larger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.pos + bytes));
    this.buffer.copy(larger, 0, 0, this.pos);
    this.buffer = larger;
  }
}

function twoDigits(buffer: Buffer, pos: number, value: number): number {
  buffer[pos] = 48 + Math.floor(value / 10);
  buffer[pos + 1] = 48 + (value % 10);
  return pos + 2;
}
