import { formatPath } from '../config/format-issues.ts';
import { MASK, redactText } from '../system/redact-secrets.ts';

export interface SecretFinding {
  /** Where in the record, e.g. `context.scenario.file`. */
  path: string;
  reason: string;
}

const SECRET_KEY = /pass(word|wd)?$|secret|token|api[-_]?key/i;

/**
 * A copy of `value` with every credential masked — URLs with a password,
 * `password=` parameters, string fields named like a password or token, and
 * `knownSecrets` (the run's database password) where a secret stands — and
 * where each was found.
 *
 * @example
 * redactSecrets({ db: 'postgres://app:hunter2@127.0.0.1/x' });
 * // { value: { db: 'postgres://app:***@127.0.0.1/x' }, findings: [{ path: 'db', reason: 'a URL with a password' }] }
 */
export function redactSecrets<T>(value: T, knownSecrets: readonly string[] = []): { value: T; findings: SecretFinding[] } {
  const findings: SecretFinding[] = [];
  const redact = (text: string, path: PropertyKey[], key: PropertyKey | undefined): string => {
    if (typeof key === 'string' && SECRET_KEY.test(key) && text !== '' && text !== MASK) {
      findings.push({ path: formatPath(path), reason: `a field named "${key}"` });
      return MASK;
    }
    const { text: masked, reasons } = redactText(text, knownSecrets);
    for (const reason of reasons) findings.push({ path: formatPath(path), reason });
    return masked;
  };
  const visit = (node: unknown, path: PropertyKey[]): unknown => {
    if (typeof node === 'string') return redact(node, path, path[path.length - 1]);
    if (Array.isArray(node)) return node.map((item, index) => visit(item, [...path, index]));
    if (typeof node !== 'object' || node === null) return node;
    return Object.fromEntries(
      Object.entries(node).map(([childKey, child]) => [redact(childKey, [...path, childKey], undefined), visit(child, [...path, childKey])]),
    );
  };
  return { value: visit(value, []) as T, findings };
}

/**
 * Everything in a value about to be written that looks like a credential.
 *
 * @example
 * findSecrets({ db: 'postgres://app:hunter2@127.0.0.1/x' }); // [{ path: 'db', reason: 'a URL with a password' }]
 */
export function findSecrets(value: unknown, knownSecrets: readonly string[] = []): SecretFinding[] {
  return redactSecrets(value, knownSecrets).findings;
}
