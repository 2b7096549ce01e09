/** What a masked value is replaced with, everywhere rehearse writes or prints. */
export const MASK = '***';

/** `scheme://user:PASSWORD@`: the password of any URL in free text. */
const URL_PASSWORD = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:)([^\s/@]+)(@)/gi;
/** libpq keyword form or a URL query parameter; `password=$1` is a normalized SQL text, not a value. */
const PASSWORD_PARAMETER = /\b((?:ssl)?pass(?:word|wd)=)(?!\$\d)([^\s&;'"]+)/gi;
/**
 * A known secret shorter than this is masked only where a secret stands (a
 * URL's password, a `password=` value, a `key: value` pair, a whole value):
 * "2026" as a password must not mask every run id of the year. Longer ones
 * (rehearse's own are 32 random hex digits) cannot occur by chance and are
 * masked anywhere.
 */
const ANYWHERE_FROM_LENGTH = 16;
/** Shorter than this, a "secret" is not one worth matching at all (an empty password). */
const MIN_SECRET_LENGTH = 1;

export interface Redaction {
  text: string;
  /** Why something was masked: one entry per kind found, empty when the text was clean. */
  reasons: string[];
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `password: 'hunter2'`, `"token":"hunter2"`, `secret = hunter2`: the known secret after a separator. */
function knownSecretPattern(secret: string): RegExp {
  const value = escapeRegExp(secret);
  if (secret.length >= ANYWHERE_FROM_LENGTH) return new RegExp(value, 'g');
  return new RegExp(`(?<=(?:[:=]\\s*["']?|^))${value}(?=["'\\s,;&)}]|$)`, 'gm');
}

/**
 * Masks every credential in a text: URL passwords, `password=` values, and
 * each of `known` (the run database's password) where a secret stands.
 *
 * @example
 * redactText('DATABASE_URL=postgres://app:hunter2@db/x').text; // 'DATABASE_URL=postgres://app:***@db/x'
 */
export function redactText(text: string, known: readonly string[] = []): Redaction {
  const reasons = new Set<string>();
  let result = text.replace(URL_PASSWORD, (_, head: string, password: string, at: string) => {
    if (password === MASK) return `${head}${password}${at}`;
    reasons.add('a URL with a password');
    return `${head}${MASK}${at}`;
  });
  result = result.replace(PASSWORD_PARAMETER, (_, head: string, value: string) => {
    if (value === MASK) return `${head}${value}`;
    reasons.add('a password= parameter');
    return `${head}${MASK}`;
  });
  for (const secret of known) {
    if (secret.length < MIN_SECRET_LENGTH || secret === MASK) continue;
    const pattern = knownSecretPattern(secret);
    if (!pattern.test(result)) continue;
    pattern.lastIndex = 0;
    reasons.add('the database password');
    result = result.replace(pattern, MASK);
  }
  return { text: result, reasons: [...reasons] };
}

/**
 * A line filter for a process's output on its way to a file: whole lines are
 * redacted, so a secret split across two chunks is still found.
 */
export class RedactingLines {
  private partial = '';

  constructor(private readonly known: () => readonly string[]) {}

  /** The redacted complete lines of `chunk` (with their newlines); the rest waits for the next chunk. */
  push(chunk: Buffer | string): string {
    const text = this.partial + chunk.toString();
    const end = text.lastIndexOf('\n') + 1;
    this.partial = text.slice(end);
    return end === 0 ? '' : redactText(text.slice(0, end), this.known()).text;
  }

  /** Whatever waits after the last newline, redacted, without taking it. */
  pending(): string {
    return this.partial ? redactText(this.partial, this.known()).text : '';
  }

  /** Whatever is left after the last newline, redacted. */
  flush(): string {
    const rest = this.partial;
    this.partial = '';
    return rest ? redactText(rest, this.known()).text : '';
  }
}
