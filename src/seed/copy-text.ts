/** Encoding of values in COPY's text format. */

export const COPY_NULL = '\\N';

const NEEDS_ESCAPE = /[\\\t\n\r]/;

export function escapeCopyText(value: string): string {
  if (!NEEDS_ESCAPE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
/** Days since 1970 → `YYYY-MM-DD`; an array, as day numbers are small and dense. */
const dayStrings: string[] = [];

/** `YYYY-MM-DD` of a UTC day number; memoised, as seeded timestamps share a few thousand days. */
export function dayString(day: number): string {
  if (day >= 0 && day < 200_000) return (dayStrings[day] ??= new Date(day * DAY_MS).toISOString().slice(0, 10));
  return new Date(day * DAY_MS).toISOString().slice(0, 10);
}

/** A timestamptz literal Postgres parses quickly: `2025-03-04 16:30:00+00` (UTC, whole seconds). */
export function formatTimestamp(ms: number): string {
  const day = Math.floor(ms / DAY_MS);
  const second = Math.floor((ms - day * DAY_MS) / 1000);
  const hour = Math.floor(second / 3600);
  const minute = Math.floor((second % 3600) / 60);
  return `${dayString(day)} ${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second % 60]}+00`;
}

export function formatDate(ms: number): string {
  return dayString(Math.floor(ms / DAY_MS));
}

/** An element of a Postgres array literal, quoted when it has to be. */
export function arrayElement(value: string): string {
  if (value === '' || /[{}",\\\s]/.test(value) || value.toUpperCase() === 'NULL') return `"${value.replace(/(["\\])/g, '\\$1')}"`;
  return value;
}
