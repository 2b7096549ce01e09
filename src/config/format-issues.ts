import type { z } from 'zod';

type Issue = z.core.$ZodIssue & { input?: unknown };

/** `db.provider`, `budgets.pages["My Bookings"].p95Ms`, `hosts[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(top level)';
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

function describeFormat(issue: Extract<Issue, { code: 'invalid_format' }>): string {
  if (issue.format === 'url') return 'a URL';
  if (issue.format === 'starts_with') return `a string starting with ${JSON.stringify((issue as { prefix?: string }).prefix)}`;
  return issue.message;
}

/** One issue as `path: expected …, got …`. */
export function describeIssue(issue: Issue): string {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case 'invalid_value':
      return `${path}: expected ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, got ${show(issue.input)}`;
    case 'invalid_type':
      if (issue.input === undefined) return `${path}: required, expected ${issue.expected}`;
      return `${path}: expected ${issue.expected === 'int' ? 'an integer' : issue.expected}, got ${show(issue.input)}`;
    case 'unrecognized_keys':
      return issue.keys.map((key) => `${formatPath([...issue.path, key])}: unknown key`).join('\n');
    case 'too_small':
      return `${path}: expected ${issue.inclusive ? '>=' : '>'} ${String(issue.minimum)}, got ${show(issue.input)}`;
    case 'too_big':
      return `${path}: expected ${issue.inclusive ? '<=' : '<'} ${String(issue.maximum)}, got ${show(issue.input)}`;
    case 'invalid_format':
      return `${path}: expected ${describeFormat(issue)}, got ${show(issue.input)}`;
    case 'invalid_key': {
      const inner = issue.issues[0]?.message ?? issue.message;
      return `${path}: invalid key, expected ${inner}`;
    }
    default:
      return `${path}: ${issue.message}`;
  }
}

/** All issues, one per line, each prefixed with the file name. */
export function formatIssues(file: string, issues: readonly Issue[]): string {
  return issues
    .flatMap((issue) => describeIssue(issue).split('\n'))
    .map((line) => `${file}: ${line}`)
    .join('\n');
}
