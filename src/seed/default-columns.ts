import type { CheckHint } from './check-hints.ts';
import type { Distribution } from './distribution.ts';
import type { ColumnSpec, FakeKind } from './model.ts';
import type { ColumnInfo } from './schema-snapshot.ts';

/** A window ending "now" for data that looks recent; fixed so seeding is deterministic. */
export const DATA_EPOCH_END = '2026-09-01T00:00:00Z';
const RECENT_START = '2024-09-01T00:00:00Z';

const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);
const FLOAT_TYPES = new Set(['float4', 'float8']);
const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'citext', 'name']);
const TIMESTAMP_TYPES = new Set(['timestamp', 'timestamptz']);
const INT_LIMITS: Record<string, number> = { int2: 32_767, int4: 2_147_483_647, int8: Number.MAX_SAFE_INTEGER };

const NAME_RULES: [RegExp, FakeKind][] = [
  [/^(first_?name|given_?name|forename)$/, 'firstName'],
  [/^(last_?name|surname|family_?name)$/, 'lastName'],
  [/^(full_?name|display_?name|author|contact_?name)$/, 'fullName'],
  [/(phone|mobile|tel$|telephone)/, 'phone'],
  [/^(city|town)$/, 'town'],
  [/(address|street)/, 'street'],
  [/(postcode|postal_?code|zip)/, 'postcode'],
  [/^country/, 'country'],
  [/(company|organi[sz]ation|employer)/, 'company'],
  [/^(job_?title|position|occupation)$/, 'jobTitle'],
  [/^subject$/, 'subject'],
  [/^(title|headline|summary|label)$/, 'words'],
  [/(body|description|content|text|notes?|bio|comment|message)$/, 'paragraph'],
  [/(url|website|link|href)$/, 'url'],
  [/^(user_?name|login|handle|nickname)$/, 'username'],
  [/^(colou?r)$/, 'colour'],
  [/(password|hash|token|secret|digest)/, 'hex'],
  [/^(ip|ip_?address)$/, 'ipv4'],
];

export interface ColumnContext {
  table: string;
  /** Names of the other columns of the table, for e.g. an email built from first_name/last_name. */
  siblings: readonly string[];
  hints: readonly CheckHint[];
  /** The column must hold a different value in every row. */
  unique: boolean;
}

/**
 * A generator for a column from its name, type and CHECK hints: what lets
 * an unknown schema seed with no hand-written generators. Undefined when the
 * type is not understood (the column then needs an override).
 */
export function defaultColumnSpec(column: ColumnInfo, context: ColumnContext): ColumnSpec | undefined {
  const spec = baseSpec(column, context);
  if (!spec) return undefined;
  if (!column.notNull && !context.unique && spec.kind !== 'after') return { ...spec, nulls: 0.1 };
  return spec;
}

function baseSpec(column: ColumnInfo, context: ColumnContext): ColumnSpec | undefined {
  const hints = context.hints.filter((hint) => hint.column === column.name);
  const oneOf = hints.find((hint) => hint.kind === 'oneOf');
  if (oneOf) return { kind: 'choice', values: oneOf.values.map((v) => (INTEGER_TYPES.has(column.baseType) ? Number(v) : v)) };
  const after = hints.find((hint) => hint.kind === 'afterColumn');
  if (after) return { kind: 'after', column: after.other, delta: afterDelta(column, after.orEqual) };
  if (column.isArray) return arraySpec(column, context);
  return scalarSpec(column, context, hints);
}

function scalarSpec(column: ColumnInfo, context: ColumnContext, hints: CheckHint[]): ColumnSpec | undefined {
  const name = column.name.toLowerCase();
  const type = column.baseType;
  if (column.enumLabels) return { kind: 'choice', values: column.enumLabels };
  if (INTEGER_TYPES.has(type)) return context.unique ? { kind: 'sequence' } : { kind: 'int', dist: integerDistribution(name, type, hints) };
  if (type === 'numeric') return numericSpec(column, name, hints, context.unique);
  if (FLOAT_TYPES.has(type)) return { kind: 'float', dist: rangeOf(hints, { kind: 'normal', mean: 50, sd: 20, min: 0 }) };
  if (type === 'bool') return { kind: 'bool', p: 0.5 };
  if (type === 'uuid') return { kind: 'uuid' };
  if (type === 'json' || type === 'jsonb') return { kind: 'json' };
  if (TIMESTAMP_TYPES.has(type)) return { kind: 'timestamp', from: RECENT_START, to: DATA_EPOCH_END };
  if (type === 'date') return /(birth|dob)/.test(name) ? { kind: 'date', from: '1950-01-01', to: '2012-12-31' } : { kind: 'date', from: RECENT_START, to: DATA_EPOCH_END };
  if (type === 'time' || type === 'timetz') return { kind: 'pattern', pattern: '{hour}:{minute}:00' };
  if (type === 'interval') return { kind: 'pattern', pattern: '{digits:2} minutes' };
  if (type === 'inet' || type === 'cidr') return { kind: 'fake', what: 'ipv4', unique: context.unique };
  if (type === 'bytea') return { kind: 'pattern', pattern: context.unique ? '\\x{hex:16}{rowhex}' : '\\x{hex:16}' };
  if (TEXT_TYPES.has(type)) return textSpec(column, name, context, hints);
  return undefined;
}

function textSpec(column: ColumnInfo, name: string, context: ColumnContext, hints: CheckHint[]): ColumnSpec {
  const maxHint = hints.find((hint) => hint.kind === 'maxLength');
  const maxLength = Math.min(column.maxLength ?? Infinity, maxHint?.kind === 'maxLength' ? maxHint.max : Infinity);
  const limit = Number.isFinite(maxLength) ? { maxLength } : {};
  if (/e_?mail/.test(name)) {
    const first = context.siblings.find((s) => /^(first_?name|given_?name)$/.test(s));
    const last = context.siblings.find((s) => /^(last_?name|surname|family_?name)$/.test(s));
    return { kind: 'email', first, last };
  }
  if (name === 'name') {
    const what: FakeKind = /(school|compan|organi|business|shop|store|team|club)/.test(context.table) ? 'company' : 'fullName';
    return { kind: 'fake', what, unique: context.unique, ...limit };
  }
  const rule = NAME_RULES.find(([pattern]) => pattern.test(name));
  if (rule) return { kind: 'fake', what: rule[1], unique: context.unique, ...limit };
  if (/(slug|code|key|ref|sku|reference)$/.test(name) || context.unique) return { kind: 'pattern', pattern: context.unique ? `${name.slice(0, 3)}-{row}` : '{word}-{digits:4}' };
  if (/(status|state|kind|type|role|category)$/.test(name)) return { kind: 'fake', what: 'word', ...limit };
  return { kind: 'fake', what: 'words', ...limit };
}

function numericSpec(column: ColumnInfo, name: string, hints: CheckHint[], unique: boolean): ColumnSpec {
  if (unique) return { kind: 'sequence' };
  const scale = column.scale ?? 2;
  const integerDigits = (column.precision ?? 12) - scale;
  const ceiling = Math.min(10 ** integerDigits - 1, 10_000);
  const fallback: Distribution = /(price|amount|total|cost|balance|salary)/.test(name)
    ? { kind: 'normal', mean: ceiling / 10, sd: ceiling / 20, min: 0, max: ceiling }
    : { kind: 'uniform', min: 0, max: ceiling };
  return { kind: 'float', dist: rangeOf(hints, fallback), decimals: scale };
}

function integerDistribution(name: string, type: string, hints: CheckHint[]): Distribution {
  const limit = Math.min(INT_LIMITS[type] ?? 1000, 1_000_000);
  let fallback: Distribution = { kind: 'uniform', min: 0, max: Math.min(1000, limit) };
  if (/(count|quantity|qty|number_of|_num)$/.test(name)) fallback = { kind: 'zipf', s: 1.2, min: 0, max: 1000 };
  else if (/age$/.test(name)) fallback = { kind: 'uniform', min: 18, max: 90 };
  else if (/year$/.test(name)) fallback = { kind: 'uniform', min: 1990, max: 2026 };
  else if (/(minutes|duration)/.test(name)) fallback = { kind: 'uniform', min: 5, max: 60 };
  return rangeOf(hints, fallback);
}

/** The fallback distribution, narrowed to what the column's CHECK ranges allow. */
function rangeOf(hints: CheckHint[], fallback: Distribution): Distribution {
  let min = -Infinity;
  let max = Infinity;
  for (const hint of hints) {
    if (hint.kind !== 'range') continue;
    if (hint.min !== undefined) min = Math.max(min, hint.min);
    if (hint.max !== undefined) max = Math.min(max, hint.max);
  }
  if (min === -Infinity && max === Infinity) return fallback;
  const [low, high] = fallbackBounds(fallback);
  const lo = Number.isFinite(min) ? min : Math.min(low, max);
  const hi = Number.isFinite(max) ? max : Math.max(high, min + (high - low));
  const clampedLo = Math.max(lo, Math.min(low, hi));
  const clampedHi = Math.min(hi, Math.max(high, lo));
  return { kind: 'uniform', min: clampedLo <= clampedHi ? clampedLo : lo, max: clampedLo <= clampedHi ? clampedHi : hi };
}

function fallbackBounds(distribution: Distribution): [number, number] {
  switch (distribution.kind) {
    case 'constant': return [distribution.value, distribution.value];
    case 'uniform':
    case 'zipf': return [distribution.min, distribution.max];
    case 'normal': return [distribution.min ?? distribution.mean - 3 * distribution.sd, distribution.max ?? distribution.mean + 3 * distribution.sd];
  }
}

function afterDelta(column: ColumnInfo, orEqual: boolean): Distribution {
  const low = orEqual ? 0 : 1;
  if (TIMESTAMP_TYPES.has(column.baseType)) return { kind: 'uniform', min: Math.max(low, 5), max: 240 };
  if (column.baseType === 'date') return { kind: 'uniform', min: low, max: 30 };
  return { kind: 'uniform', min: low, max: 100 };
}

function arraySpec(column: ColumnInfo, context: ColumnContext): ColumnSpec | undefined {
  const element = scalarSpec({ ...column, isArray: false }, { ...context, unique: false }, []);
  if (!element) return undefined;
  return { kind: 'array', of: element, length: { kind: 'uniform', min: 0, max: 4 } };
}
