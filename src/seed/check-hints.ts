/**
 * What a CHECK constraint tells a generator. Only the shapes that schemas
 * use again and again are understood (a list of values, a numeric range, a
 * column after another, a length limit); anything else is reported so the
 * user can add an override.
 */
export type CheckHint =
  | { kind: 'oneOf'; column: string; values: string[] }
  | { kind: 'range'; column: string; min?: number; max?: number }
  | { kind: 'afterColumn'; column: string; other: string; orEqual: boolean }
  | { kind: 'maxLength'; column: string; max: number };

export interface ParsedCheck {
  hints: CheckHint[];
  /** Conjuncts no hint describes. */
  unknown: string[];
}

const IDENT = '"(?:[^"]|"")+"|[a-z_][a-z0-9_$]*';
const CAST = "(?:::[a-z_ ]+(?:\\[\\])?)*";
const NUMBER = '-?\\d+(?:\\.\\d+)?';

const ONE_OF = new RegExp(`^(${IDENT})${CAST} = ANY \\(\\(?ARRAY\\[(.*)\\]\\)?${CAST}\\)$`, 'i');
const IN_LIST = new RegExp(`^(${IDENT})${CAST} IN \\((.*)\\)$`, 'i');
const EQUALS = new RegExp(`^(${IDENT})${CAST} = ('(?:[^']|'')*')${CAST}$`, 'i');
const COMPARE_NUMBER = new RegExp(`^(${IDENT})${CAST} (>=|>|<=|<) \\(?(${NUMBER})\\)?${CAST}$`, 'i');
const NUMBER_COMPARE = new RegExp(`^\\(?(${NUMBER})\\)?${CAST} (>=|>|<=|<) (${IDENT})${CAST}$`, 'i');
const BETWEEN = new RegExp(`^(${IDENT})${CAST} BETWEEN \\(?(${NUMBER})\\)?${CAST} AND \\(?(${NUMBER})\\)?${CAST}$`, 'i');
const COMPARE_COLUMNS = new RegExp(`^(${IDENT})${CAST} (>=|>|<=|<) (${IDENT})${CAST}$`, 'i');
const LENGTH = new RegExp(`^(?:char_length|length|character_length)\\((${IDENT})${CAST}\\) (<=|<) (\\d+)$`, 'i');

export function parseCheck(definition: string): ParsedCheck {
  const body = stripParens(definition.replace(/^CHECK\s*/i, '').replace(/\s+NOT VALID$/i, ''));
  const result: ParsedCheck = { hints: [], unknown: [] };
  for (const conjunct of splitTopLevel(body, ' AND ')) {
    const hint = parseConjunct(stripParens(conjunct));
    if (hint) result.hints.push(hint);
    else result.unknown.push(conjunct);
  }
  return result;
}

function parseConjunct(text: string): CheckHint | undefined {
  let m: RegExpExecArray | null;
  if ((m = ONE_OF.exec(text)) || (m = IN_LIST.exec(text))) return { kind: 'oneOf', column: ident(m[1]!), values: literals(m[2]!) };
  if ((m = EQUALS.exec(text))) return { kind: 'oneOf', column: ident(m[1]!), values: literals(m[2]!) };
  if ((m = BETWEEN.exec(text))) return { kind: 'range', column: ident(m[1]!), min: Number(m[2]), max: Number(m[3]) };
  if ((m = COMPARE_NUMBER.exec(text))) return bound(ident(m[1]!), m[2]!, Number(m[3]));
  if ((m = NUMBER_COMPARE.exec(text))) return bound(ident(m[3]!), flip(m[2]!), Number(m[1]));
  if ((m = LENGTH.exec(text))) return { kind: 'maxLength', column: ident(m[1]!), max: Number(m[3]) - (m[2] === '<' ? 1 : 0) };
  if ((m = COMPARE_COLUMNS.exec(text))) {
    const [a, op, b] = [ident(m[1]!), m[2]!, ident(m[3]!)];
    if (op.startsWith('>')) return { kind: 'afterColumn', column: a, other: b, orEqual: op === '>=' };
    return { kind: 'afterColumn', column: b, other: a, orEqual: op === '<=' };
  }
  return undefined;
}

function bound(column: string, op: string, value: number): CheckHint {
  const integerStep = Number.isInteger(value) ? 1 : 1e-6;
  switch (op) {
    case '>': return { kind: 'range', column, min: value + integerStep };
    case '>=': return { kind: 'range', column, min: value };
    case '<': return { kind: 'range', column, max: value - integerStep };
    default: return { kind: 'range', column, max: value };
  }
}

function flip(op: string): string {
  return op.replace('<', '#').replace('>', '<').replace('#', '>');
}

function ident(raw: string): string {
  return raw.startsWith('"') ? raw.slice(1, -1).replace(/""/g, '"') : raw;
}

function literals(list: string): string[] {
  const values: string[] = [];
  const re = /'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(list))) values.push(m[1] !== undefined ? m[1].replace(/''/g, "'") : m[2]!);
  return values;
}

/** Removes parentheses that wrap the whole text. */
function stripParens(text: string): string {
  let t = text.trim();
  while (t.startsWith('(') && t.endsWith(')') && closingIndex(t) === t.length - 1) t = t.slice(1, -1).trim();
  return t;
}

function closingIndex(text: string): number {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    if (c === ')' && --depth === 0) return i;
  }
  return -1;
}

function splitTopLevel(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    if (quoted) continue;
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0 && text.startsWith(separator, i)) {
      parts.push(text.slice(start, i));
      start = i + separator.length;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
