const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;
const MAX_INLINE = 100;

/**
 * An expression the emitter built (e.g. `"Token " + token`) to sit in a
 * literal where a value would: the only text placed as is.
 */
export class Code {
  constructor(readonly code: string) {}
}

function key(name: string): string {
  return IDENTIFIER.test(name) ? name : JSON.stringify(name);
}

function inline(value: unknown): string {
  if (value instanceof Code) return value.code;
  if (Array.isArray(value)) return `[${value.map(inline).join(', ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([name, item]) => `${key(name)}: ${inline(item)}`);
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
export function formatLiteral(value: unknown, indent = ''): string {
  const flat = inline(value);
  if (indent.length + flat.length <= MAX_INLINE || value === null || typeof value !== 'object' || value instanceof Code) return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((item) => `${inner}${formatLiteral(item, inner)},`).join('\n')}\n${indent}]`;
  const entries = Object.entries(value).map(([name, item]) => `${inner}${key(name)}: ${formatLiteral(item, inner)},`);
  return `{\n${entries.join('\n')}\n${indent}}`;
}
