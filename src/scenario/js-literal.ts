const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const MAX_INLINE = 100;

/**
 * An expression the emitter built (e.g. `"Token " + token`) to sit in a
 * literal where a value would: the only text placed as is.
 */
export class Code {
  constructor(readonly code: string) {}
}

/** The quote strings are written with: `"` for k6 scripts, `'` for scenario files, as people write each. */
export type Quote = '"' | "'";

/** A string literal: JSON.stringify's escaping, then re-quoted with `'` when asked. */
export function stringLiteral(text: string, quote: Quote = '"'): string {
  const json = JSON.stringify(text);
  if (quote === '"') return json;
  return `'${json.slice(1, -1).replace(/\\"/g, '"').replace(/'/g, "\\'")}'`;
}

function key(name: string, quote: Quote): string {
  return IDENTIFIER.test(name) ? name : stringLiteral(name, quote);
}

function inline(value: unknown, quote: Quote): string {
  if (value instanceof Code) return value.code;
  if (typeof value === 'string') return stringLiteral(value, quote);
  if (Array.isArray(value)) return `[${value.map((item) => inline(item, quote)).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([name, item]) => `${key(name, quote)}: ${inline(item, quote)}`);
    return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
  }
  return JSON.stringify(value);
}

/**
 * A JSON-compatible value as a JavaScript literal, the way a person would
 * write it: identifier keys unquoted, short objects and arrays on one line.
 * Every string goes through JSON.stringify, so nothing is pasted; `Code`
 * leaves are the emitter's own expressions.
 */
export function formatLiteral(value: unknown, indent = '', quote: Quote = '"'): string {
  const flat = inline(value, quote);
  if (indent.length + flat.length <= MAX_INLINE || value === null || typeof value !== 'object' || value instanceof Code) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((item) => `${inner}${formatLiteral(item, inner, quote)},`).join('\n')}\n${indent}]`;
  const entries = Object.entries(value).map(([name, item]) => `${inner}${key(name, quote)}: ${formatLiteral(item, inner, quote)},`);
  return `{\n${entries.join('\n')}\n${indent}}`;
}
