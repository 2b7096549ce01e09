import { formatPath } from '../config/format-issues.ts';

export interface SecretFinding {
  /** Where in the record, e.g. `context.scenario.file`. */
  path: string;
  reason: string;
}

const URL_WITH_PASSWORD = /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/i;
/** libpq keyword form or a URL query parameter; `password=$1` is a normalized SQL text, not a value. */
const PASSWORD_PARAMETER = /\bpassword=(?!\$)[^\s&;'"]+/i;
const SECRET_KEY = /pass(word|wd)?$|secret|token|api[-_]?key/i;

/**
 * Everything in a value about to be written that looks like a credential: a
 * URL with a password, a `password=` parameter, a string field named like a
 * password or token, or any of `knownSecrets` (the run's real database
 * password) anywhere in a string or a key.
 *
 * @example
 * findSecrets({ db: 'postgres://app:hunter2@127.0.0.1/x' }); // [{ path: 'db', reason: 'a URL with a password' }]
 */
export function findSecrets(value: unknown, knownSecrets: readonly string[] = []): SecretFinding[] {
  const secrets = knownSecrets.filter((secret) => secret.length >= 4);
  const findings: SecretFinding[] = [];
  const check = (text: string, path: PropertyKey[], key: PropertyKey | undefined): void => {
    const reason = describeSecret(text, key, secrets);
    if (reason) findings.push({ path: formatPath(path), reason });
  };
  const visit = (node: unknown, path: PropertyKey[]): void => {
    const key = path[path.length - 1];
    if (typeof node === 'string') return check(node, path, key);
    if (Array.isArray(node)) return node.forEach((item, index) => visit(item, [...path, index]));
    if (typeof node !== 'object' || node === null) return;
    for (const [childKey, child] of Object.entries(node)) {
      check(childKey, [...path, childKey], undefined);
      visit(child, [...path, childKey]);
    }
  };
  visit(value, []);
  return findings;
}

function describeSecret(text: string, key: PropertyKey | undefined, secrets: readonly string[]): string | undefined {
  if (URL_WITH_PASSWORD.test(text)) return 'a URL with a password';
  if (PASSWORD_PARAMETER.test(text)) return 'a password= parameter';
  if (secrets.some((secret) => text.includes(secret))) return 'the database password';
  if (typeof key === 'string' && SECRET_KEY.test(key) && text !== '') return `a field named "${key}"`;
  return undefined;
}
