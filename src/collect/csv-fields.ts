/**
 * Splits one CSV record the way Go's encoding/csv writes it (k6's CSV
 * output): fields separated by commas, a field holding a comma, quote or
 * newline wrapped in double quotes with inner quotes doubled.
 *
 * Reads `text` from `start` to `end` (exclusive) and stops after
 * `fieldCount` fields, so a caller that needs the first ten columns does
 * not pay for the other nine; with `wanted`, unquoted fields it does not
 * want are left as '' instead of being copied out. Returns `undefined` when
 * a quoted field is not closed before `end` (the record continues on the
 * next line).
 *
 * @example
 * splitCsvFields('a,"b, ""c""",d', 0, 13, 3) // ['a', 'b, "c"', 'd']
 */
export function splitCsvFields(
  text: string,
  start: number,
  end: number,
  fieldCount: number,
  wanted?: readonly boolean[],
): string[] | undefined {
  const fields: string[] = [];
  let position = start;
  while (fields.length < fieldCount) {
    if (position < end && text.charCodeAt(position) === QUOTE) {
      const field = readQuoted(text, position + 1, end);
      if (field === undefined) return undefined;
      fields.push(field.value);
      position = field.next + 1;
    } else {
      let comma = text.indexOf(',', position);
      if (comma === -1 || comma > end) comma = end;
      fields.push(wanted === undefined || wanted[fields.length] ? text.slice(position, comma) : '');
      position = comma + 1;
    }
    if (position > end) break;
  }
  return fields;
}

/** The whole record, every field. */
export function parseCsvLine(line: string): string[] {
  const fields = splitCsvFields(line, 0, line.length, Number.MAX_SAFE_INTEGER);
  if (fields === undefined) throw new Error(`unterminated quoted field in CSV record: ${line.slice(0, 120)}`);
  return fields;
}

const QUOTE = 34;

/** From just after the opening quote; `next` is the index after the closing quote. */
function readQuoted(text: string, from: number, end: number): { value: string; next: number } | undefined {
  let value = '';
  let position = from;
  for (;;) {
    const quote = text.indexOf('"', position);
    if (quote === -1 || quote >= end) return undefined;
    value += text.slice(position, quote);
    if (text.charCodeAt(quote + 1) === QUOTE && quote + 1 < end) {
      value += '"';
      position = quote + 2;
      continue;
    }
    return { value, next: quote + 1 };
  }
}
