/**
 * Values that match a regular expression from a CHECK (`code ~ '^[A-Z]{3}-[0-9]{5}$'`)
 * or a LIKE pattern. The subset of Postgres' regular expressions that
 * describes a format is understood: literals, `.`, bracket expressions
 * (ranges, negation, [:classes:]), \d \w \s and their negations,
 * groups, alternation and every quantifier. Back references, lookaround
 * and word boundaries are not: `parseRegex` says so, and the column needs
 * a generator in the model.
 */

export type RegexNode =
  | { kind: 'chars'; chars: string }
  | { kind: 'seq'; items: RegexNode[] }
  | { kind: 'alt'; options: RegexNode[] }
  | { kind: 'repeat'; node: RegexNode; min: number; max: number };

export class RegexNotGenerable extends Error {}

const DIGITS = '0123456789';
const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const WORD = `${LOWER}${UPPER}${DIGITS}_`;
/** What `.` draws from: letters and digits, the characters a real value has most (upper case first: one-case values keep it). */
const ANY = `${UPPER}${LOWER}${DIGITS}`;
/** What negated sets draw from: characters that need no quoting anywhere. */
const PRINTABLE = `${ANY}-_.@+`;
const POSIX_CLASSES: Record<string, string> = {
  alpha: LOWER + UPPER,
  digit: DIGITS,
  alnum: LOWER + UPPER + DIGITS,
  upper: UPPER,
  lower: LOWER,
  space: ' ',
  blank: ' ',
  punct: '-_.,!?@#',
  xdigit: `${DIGITS}abcdef`,
  word: WORD,
};
/** How far an unbounded quantifier (`*`, `+`, `{n,}`) reaches past its minimum. */
const OPEN_REPEAT = 8;

/** A LIKE pattern as an anchored regular expression: % any run, _ one character, \ escapes. */
export function likeToRegex(pattern: string): string {
  let out = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) out += escapeRegex(pattern[++i]!);
    else if (c === '%') out += '.*';
    else if (c === '_') out += '.';
    else out += escapeRegex(c);
  }
  return `${out}$`;
}

function escapeRegex(c: string): string {
  return /[.*+?^${}()|[\]\\]/.test(c) ? `\\${c}` : c;
}

/** Parses the pattern (anchors dropped: a generated value matches anchored or not). */
export function parseRegex(pattern: string): RegexNode {
  const parser = new Parser(pattern);
  const node = parser.alternation();
  if (!parser.done()) throw new RegexNotGenerable(`unexpected "${parser.rest()}"`);
  return node;
}

/** A JavaScript RegExp that accepts what the Postgres pattern accepts, to test values; undefined where the syntax differs. */
export function toJsRegExp(pattern: string, caseInsensitive: boolean): RegExp | undefined {
  const translated = pattern.replace(/\[:([a-z]+):\]/g, (_, name: string) => (POSIX_CLASSES[name] ?? '').replace(/[-\]\\^]/g, '\\$&'));
  if (/\\[mMyYAZ]|\(\?[=!<]/.test(translated)) return undefined;
  try {
    return new RegExp(translated, caseInsensitive ? 'iu' : 'u');
  } catch {
    return undefined;
  }
}

/** `^[class]{m,n}$`: one bracket expression repeated, e.g. a handle or a code. */
export function singleClass(node: RegexNode): { chars: string; min: number; max: number } | undefined {
  const inner = node.kind === 'seq' && node.items.length === 1 ? node.items[0]! : node;
  if (inner.kind !== 'repeat' || inner.node.kind !== 'chars') return undefined;
  return { chars: inner.node.chars, min: inner.min, max: inner.max };
}

/** A value drawn from the pattern; `random()` gives uniform numbers in [0, 1). */
export function generateMatch(node: RegexNode, random: () => number): string {
  switch (node.kind) {
    case 'chars': return node.chars[Math.floor(random() * node.chars.length)]!;
    case 'seq': return node.items.map((item) => generateMatch(item, random)).join('');
    case 'alt': return generateMatch(node.options[Math.floor(random() * node.options.length)]!, random);
    case 'repeat': {
      const count = node.min + Math.floor(random() * (node.max - node.min + 1));
      let out = '';
      for (let i = 0; i < count; i++) out += generateMatch(node.node, random);
      return out;
    }
  }
}

/**
 * A fixed shape of the pattern (each alternation and repeat resolved once),
 * as one character set per position: what makes distinct values by
 * construction, the row number written in mixed radix over the positions.
 */
export function uniqueShape(node: RegexNode): string[] {
  switch (node.kind) {
    case 'chars': return [node.chars];
    case 'seq': return node.items.flatMap(uniqueShape);
    case 'alt': return node.options.map(uniqueShape).reduce((best, shape) => (capacityOf(shape) > capacityOf(best) ? shape : best));
    case 'repeat': return Array.from({ length: node.max }, () => uniqueShape(node.node)).flat();
  }
}

/** How many distinct values a shape holds (saturating at 2^53). */
export function capacityOf(shape: readonly string[]): number {
  let capacity = 1;
  for (const chars of shape) capacity = Math.min(Number.MAX_SAFE_INTEGER, capacity * chars.length);
  return capacity;
}

/**
 * The value number `n` (0 ≤ n < capacity) of a shape: mixed radix from the
 * last position, so the leading positions vary least, like a counter.
 */
export function shapeValue(shape: readonly string[], n: number): string {
  const out = new Array<string>(shape.length);
  let rest = n;
  for (let i = shape.length - 1; i >= 0; i--) {
    const chars = shape[i]!;
    out[i] = chars[rest % chars.length]!;
    rest = Math.floor(rest / chars.length);
  }
  return out.join('');
}

class Parser {
  private pos = 0;

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.pos >= this.text.length;
  }

  rest(): string {
    return this.text.slice(this.pos);
  }

  alternation(): RegexNode {
    const options = [this.sequence()];
    while (this.peek() === '|') {
      this.pos++;
      options.push(this.sequence());
    }
    return options.length === 1 ? options[0]! : { kind: 'alt', options };
  }

  private sequence(): RegexNode {
    const items: RegexNode[] = [];
    while (!this.done() && this.peek() !== '|' && this.peek() !== ')') {
      const atom = this.atom();
      if (atom) items.push(this.quantified(atom));
    }
    return { kind: 'seq', items };
  }

  private atom(): RegexNode | undefined {
    const c = this.text[this.pos++]!;
    switch (c) {
      case '^':
        if (this.pos !== 1) throw new RegexNotGenerable('an anchor ^ inside the pattern');
        return undefined;
      case '$':
        if (!this.done() && this.peek() !== ')' && this.peek() !== '|') throw new RegexNotGenerable('an anchor $ inside the pattern');
        return undefined;
      case '.': return { kind: 'chars', chars: ANY };
      case '[': return this.bracket();
      case '(': return this.group();
      case '\\': return this.escape();
      case '*': case '+': case '?': case '{': throw new RegexNotGenerable(`a quantifier ${c} with nothing before it`);
      default: return { kind: 'chars', chars: c };
    }
  }

  private group(): RegexNode {
    if (this.text.startsWith('?:', this.pos)) this.pos += 2;
    else if (this.peek() === '?') throw new RegexNotGenerable('lookaround or a group option');
    const inner = this.alternation();
    if (this.text[this.pos++] !== ')') throw new RegexNotGenerable('an unclosed group');
    return inner;
  }

  private escape(): RegexNode {
    const c = this.text[this.pos++];
    if (c === undefined) throw new RegexNotGenerable('a trailing backslash');
    switch (c) {
      case 'd': return { kind: 'chars', chars: DIGITS };
      case 'w': return { kind: 'chars', chars: WORD };
      case 's': return { kind: 'chars', chars: ' ' };
      case 'D': return { kind: 'chars', chars: without(PRINTABLE, DIGITS) };
      case 'W': return { kind: 'chars', chars: '-.@+' };
      case 'S': return { kind: 'chars', chars: PRINTABLE };
      default:
        if (/[0-9mMyYAZbBx]/.test(c)) throw new RegexNotGenerable(`the escape \\${c}`);
        return { kind: 'chars', chars: c };
    }
  }

  private bracket(): RegexNode {
    const negated = this.peek() === '^';
    if (negated) this.pos++;
    let chars = '';
    let first = true;
    while (!this.done() && (this.peek() !== ']' || first)) {
      first = false;
      if (this.text.startsWith('[:', this.pos)) {
        const end = this.text.indexOf(':]', this.pos);
        const name = this.text.slice(this.pos + 2, end);
        if (end < 0 || !(name in POSIX_CLASSES)) throw new RegexNotGenerable(`the class [:${name}:]`);
        chars += POSIX_CLASSES[name];
        this.pos = end + 2;
        continue;
      }
      const c = this.text[this.pos++]!;
      if (c === '\\') {
        const escaped = this.escape();
        chars += (escaped as { chars: string }).chars;
        continue;
      }
      if (this.peek() === '-' && this.text[this.pos + 1] !== ']' && this.pos + 1 < this.text.length) {
        this.pos++;
        const end = this.text[this.pos++]!;
        for (let code = c.charCodeAt(0); code <= end.charCodeAt(0); code++) chars += String.fromCharCode(code);
        continue;
      }
      chars += c;
    }
    if (this.text[this.pos++] !== ']') throw new RegexNotGenerable('an unclosed bracket expression');
    const set = negated ? without(PRINTABLE, chars) : [...new Set(chars)].join('');
    if (set.length === 0) throw new RegexNotGenerable('a bracket expression no character matches');
    return { kind: 'chars', chars: set };
  }

  private quantified(atom: RegexNode): RegexNode {
    let node = atom;
    for (;;) {
      const c = this.peek();
      let min: number;
      let max: number;
      if (c === '*') [min, max] = [0, OPEN_REPEAT];
      else if (c === '+') [min, max] = [1, 1 + OPEN_REPEAT];
      else if (c === '?') [min, max] = [0, 1];
      else if (c === '{' && /^\{\d+,?\d*\}/.test(this.rest())) {
        const m = /^\{(\d+)(,?)(\d*)\}/.exec(this.rest())!;
        min = Number(m[1]);
        max = m[2] ? (m[3] ? Number(m[3]) : min + OPEN_REPEAT) : min;
        this.pos += m[0].length - 1;
      } else return node;
      this.pos++;
      if (this.peek() === '?') this.pos++;
      node = { kind: 'repeat', node, min, max };
    }
  }

  private peek(): string | undefined {
    return this.text[this.pos];
  }
}

function without(chars: string, excluded: string): string {
  return [...chars].filter((c) => !excluded.includes(c)).join('');
}
