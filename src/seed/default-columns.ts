import { NOW, type Bound, type ValueRule } from './check-rules.ts';
import { normalName, textRole, emailSourceOf, slugSourceOf, type TextRole } from './column-semantics.ts';
import type { Distribution } from './distribution.ts';
import type { ColumnSpec, FakeKind, JsonShape } from './model.ts';
import { toJsRegExp } from './regex-values.ts';
import type { ColumnInfo } from './schema-snapshot.ts';

/** The end of the window of seeded times: data that looks recent; fixed so seeding is deterministic. */
export const DATA_EPOCH_END = '2026-09-01T00:00:00Z';
/** Two years of a site's life. */
export const DATA_EPOCH_START = '2024-09-01T00:00:00Z';

const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);
const FLOAT_TYPES = new Set(['float4', 'float8']);
export const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'citext', 'name']);
export const TIMESTAMP_TYPES = new Set(['timestamp', 'timestamptz']);
const INT_LIMITS: Record<string, number> = { int2: 32_767, int4: 2_147_483_647, int8: Number.MAX_SAFE_INTEGER };

const NAME_RULES: [RegExp, FakeKind][] = [
  [/^(first_?name|given_?name|forename)$/, 'firstName'],
  [/^(last_?name|surname|family_?name)$/, 'lastName'],
  [/^(full_?name|display_?name|author|contact_?name|author_name|customer_name)$/, 'fullName'],
  [/(phone|mobile|tel$|telephone)/, 'phone'],
  [/^(city|town)$/, 'town'],
  [/(address|street|line_?1)$/, 'street'],
  [/(postcode|postal_?code|zip)/, 'postcode'],
  [/^country(_name)?$/, 'country'],
  [/(company|organi[sz]ation|employer)(_name)?$/, 'company'],
  [/^(job_?title|position_title|occupation)$/, 'jobTitle'],
  [/^subject$/, 'subject'],
  [/^(colou?r)$/, 'colour'],
  [/^(ip|ip_?address|remote_?addr|client_?ip)$/, 'ipv4'],
];

/** Values of short coded columns, most common first. */
const CODE_LISTS: [RegExp, (string | number)[]][] = [
  [/^(currency|currency_code)$/, ['USD', 'EUR', 'GBP', 'JPY', 'CAD', 'AUD']],
  [/^(country_code|country|country_iso|iso_country)$/, ['GB', 'US', 'FR', 'DE', 'ES', 'IT', 'NL', 'IE', 'SE', 'PL']],
  [/^(locale|language|lang|language_code)$/, ['en', 'en-GB', 'fr', 'de', 'es', 'it']],
  [/^(time_?zone|tz)$/, ['Europe/London', 'America/New_York', 'Europe/Paris', 'Europe/Berlin', 'Asia/Tokyo', 'America/Los_Angeles']],
  [/^(status|state)$/, ['active', 'pending', 'inactive', 'archived']],
  [/^(role|user_role)$/, ['member', 'admin', 'owner', 'viewer']],
  [/^(method|http_method)$/, ['GET', 'POST', 'PUT', 'DELETE']],
  [/^(gender|sex)$/, ['female', 'male', 'other']],
  [/^(plan|tier|plan_name|subscription_plan)$/, ['free', 'pro', 'team', 'business', 'enterprise']],
];

/** Integer codes, most common first. */
const INTEGER_LISTS: [RegExp, number[]][] = [[/^(status_code|http_status|response_code)$/, [200, 201, 204, 304, 302, 404, 400, 401, 403, 422, 500, 503]]];

export interface ColumnContext {
  table: string;
  /** Names of the other columns of the table, for e.g. an email built from first_name/last_name. */
  siblings: readonly string[];
  /** What the column's checks and domain ask of its values. */
  values: readonly ValueRule[];
  /** The column must hold a different value in every row. */
  unique: boolean;
  /** …whatever the letter case (a unique index on lower(column)). */
  caseInsensitive?: boolean;
}

/**
 * A generator for a column from its name, type and checks: what lets an
 * unknown schema seed with no hand-written generators. Undefined when the
 * type is not understood (the column then needs a generator in the model).
 * NULLs are the caller's: they depend on what else the row holds.
 */
export function defaultColumnSpec(column: ColumnInfo, context: ColumnContext): ColumnSpec | undefined {
  const listed = allowedValues(column, context);
  if (listed) return listed;
  if (column.isArray) return arraySpec(column, context);
  return scalarSpec(column, context);
}

/** A column checked against a list (or an enum) draws from the list: the first (or the default) value most often. */
function allowedValues(column: ColumnInfo, context: ColumnContext): ColumnSpec | undefined {
  const oneOf = context.values.filter((r): r is Extract<ValueRule, { kind: 'oneOf' }> => r.kind === 'oneOf');
  let values: (string | number | boolean)[] | undefined = oneOf.length ? oneOf.map((r) => r.values).reduce((a, b) => a.filter((v) => b.includes(v))) : column.enumLabels;
  if (!values || column.isArray) return undefined;
  values = values.filter((value) => context.values.every((rule) => admits(rule, value)));
  if (values.length === 0) return undefined;
  if (INTEGER_TYPES.has(column.baseType)) values = values.map(Number);
  return { kind: 'choice', values, weights: popularFirst(values, defaultLiteral(column)) };
}

/** Whether a listed value passes the column's other rules. */
function admits(rule: ValueRule, value: string | number | boolean): boolean {
  switch (rule.kind) {
    case 'noneOf': return !rule.values.includes(value);
    case 'range': return typeof value !== 'number' || inRange(value, rule.min, rule.max);
    case 'length': return typeof value !== 'string' || (value.length >= (rule.min ?? 0) && value.length <= (rule.max ?? Infinity));
    case 'matches': {
      const test = toJsRegExp(rule.regex, rule.caseInsensitive);
      return !test || typeof value !== 'string' || test.test(value);
    }
    default: return true;
  }
}

function inRange(value: number, min: Bound | undefined, max: Bound | undefined): boolean {
  const lo = typeof min?.value === 'number' ? min.value : -Infinity;
  const hi = typeof max?.value === 'number' ? max.value : Infinity;
  return (min?.inclusive === false ? value > lo : value >= lo) && (max?.inclusive === false ? value < hi : value <= hi);
}

/** Weights 1, 1/2, 1/3 … with the column's default (if listed) in first place: statuses are mostly one value. */
function popularFirst(values: readonly (string | number | boolean)[], preferred: string | undefined): number[] {
  const order = preferred !== undefined && values.map(String).includes(preferred) ? [values.findIndex((v) => String(v) === preferred)] : [];
  values.forEach((_, i) => !order.includes(i) && order.push(i));
  const weights = new Array<number>(values.length);
  order.forEach((index, rank) => (weights[index] = Math.round(1000 / (rank + 1))));
  return weights;
}

/** `'draft'::character varying` → draft. */
function defaultLiteral(column: ColumnInfo): string | undefined {
  const m = /^'((?:[^']|'')*)'(?:::[\w ."[\]]+)?$/.exec(column.default ?? '');
  return m ? m[1]!.replace(/''/g, "'") : column.default !== undefined && /^-?\d+(\.\d+)?$/.test(column.default) ? column.default : undefined;
}

function scalarSpec(column: ColumnInfo, context: ColumnContext): ColumnSpec | undefined {
  const name = normalName(column.name);
  const type = column.baseType;
  if (INTEGER_TYPES.has(type)) return context.unique ? { kind: 'sequence' } : (integerCodes(name, context.values) ?? { kind: 'int', dist: integerDistribution(name, type, context.values) });
  if (type === 'numeric' || type === 'money') return numericSpec(column, name, context);
  if (FLOAT_TYPES.has(type)) return { kind: 'float', dist: floatDistribution(name, context.values) };
  if (type === 'bool') return { kind: 'bool', p: trueShare(name) };
  if (type === 'uuid') return { kind: 'uuid' };
  if (type === 'json' || type === 'jsonb') return { kind: 'json', shape: jsonShape(name, context.values) };
  if (TIMESTAMP_TYPES.has(type)) return { kind: 'timestamp', ...timeWindow(context.values, DATA_EPOCH_START) };
  if (type === 'date') return { kind: 'date', ...timeWindow(context.values, /(birth|dob|born)/.test(name) ? '1950-01-01' : DATA_EPOCH_START, /(birth|dob|born)/.test(name) ? '2008-01-01' : undefined) };
  if (type === 'time' || type === 'timetz') return { kind: 'time', from: '08:00', to: '20:00', stepMinutes: 15 };
  if (type === 'interval') return { kind: 'pattern', pattern: '{one:15|30|45|60|90|120} minutes' };
  if (type === 'inet') return { kind: 'fake', what: 'ipv4', unique: context.unique };
  if (type === 'cidr') return { kind: 'pattern', pattern: context.unique ? '10.{one:0|1|2|3}.{one:0|16|32|48|64}.{one:0|64|128|192}/32' : '{fake:ipv4}/32' };
  if (type === 'macaddr') return { kind: 'pattern', pattern: '{hex:2}:{hex:2}:{hex:2}:{hex:2}:{hex:2}:{hex:2}' };
  if (type === 'bytea') return { kind: 'pattern', pattern: context.unique ? '\\x{hex:16}{rowhex}' : '\\x{hex:16}' };
  if (type === 'tsvector') return { kind: 'text', unit: 'word', count: { kind: 'uniform', min: 2, max: 6 } };
  if (TEXT_TYPES.has(type)) return textSpec(column, name, context);
  return undefined;
}

function textSpec(column: ColumnInfo, name: string, context: ColumnContext): ColumnSpec {
  const limit = column.maxLength ? { maxLength: column.maxLength } : {};
  const codes = CODE_LISTS.find(([pattern]) => pattern.test(name))?.[1];
  if (codes && !context.unique) {
    const fitting = codes.filter((c) => String(c).length <= (column.maxLength ?? Infinity));
    if (fitting.length) return { kind: 'choice', values: fitting, weights: popularFirst(fitting, defaultLiteral(column)) };
  }
  const rule = NAME_RULES.find(([pattern]) => pattern.test(name));
  if (rule) return { kind: 'fake', what: rule[1], unique: context.unique, ...limit };
  const role = textRole(column.name) ?? (/(subdomain|hostname)$/.test(name) ? 'slug' : undefined);
  if (role) return roleSpec(role, column, name, context);
  if (name === 'name' || name.endsWith('_name')) return { kind: 'fake', what: nameKind(context.table), unique: context.unique, ...limit };
  if (/(type|kind|category|genre|group)$/.test(name)) return { kind: 'fake', what: 'noun', unique: context.unique, ...limit };
  if (context.unique) return { kind: 'fake', what: 'words', unique: true, ...limit };
  return { kind: 'text', unit: 'word', count: { kind: 'uniform', min: 1, max: 4 } };
}

function roleSpec(role: TextRole, column: ColumnInfo, name: string, context: ColumnContext): ColumnSpec {
  const limit = column.maxLength ? { maxLength: column.maxLength } : {};
  switch (role) {
    case 'email': {
      const first = context.siblings.find((s) => /^(first_?name|given_?name)$/.test(normalName(s)));
      const last = context.siblings.find((s) => /^(last_?name|surname|family_?name)$/.test(normalName(s)));
      if (first && last) return { kind: 'email', first, last };
      const from = emailSourceOf(context.siblings.filter((s) => s !== column.name));
      return from ? { kind: 'email', from } : { kind: 'email' };
    }
    case 'username':
      return { kind: 'fake', what: 'username', unique: context.unique, ...limit };
    case 'slug': {
      const from = slugSourceOf(context.siblings.filter((s) => s !== column.name));
      return from ? { kind: 'slug', from, unique: context.unique || true, ...limit } : { kind: 'pattern', pattern: '{fake:noun}-{fake:noun}-{rowhex}' };
    }
    case 'title':
      return { kind: 'text', unit: 'word', count: { kind: 'uniform', min: 3, max: 9 }, ...limit };
    case 'body':
      return /(comment|repl|message|review|note|chat)/.test(normalName(context.table))
        ? { kind: 'text', unit: 'sentence', count: { kind: 'uniform', min: 1, max: 4 }, ...limit }
        : { kind: 'text', unit: 'paragraph', count: { kind: 'uniform', min: 1, max: 5 }, ...limit };
    case 'description':
      return { kind: 'text', unit: 'sentence', count: { kind: 'uniform', min: 1, max: 3 }, ...limit };
    case 'bio':
      return { kind: 'text', unit: 'sentence', count: { kind: 'uniform', min: 1, max: 2 }, ...limit };
    case 'image':
      return /avatar|profile/.test(name)
        ? { kind: 'pattern', pattern: context.unique ? 'https://avatars.example.com/{rowhex}{hex:8}.png' : 'https://avatars.example.com/{hex:12}.png' }
        : { kind: 'pattern', pattern: context.unique ? 'https://images.example.com/{rowhex}{hex:8}.jpg' : 'https://images.example.com/{hex:16}.jpg' };
    case 'url':
      return { kind: 'pattern', pattern: context.unique ? 'https://{fake:domainName}/{word}-{rowhex}' : 'https://{fake:domainName}/{word}' };
    case 'secret':
      return /password/.test(name) ? { kind: 'pattern', pattern: '$2b$10${hex:53}' } : { kind: 'pattern', pattern: context.unique ? '{rowhex}{hex:24}' : '{hex:32}' };
    case 'code':
      return { kind: 'regex', pattern: codeRegex(column.maxLength), unique: context.unique };
    case 'tag':
      return { kind: 'fake', what: 'noun', unique: context.unique, ...limit };
    case 'path':
      return { kind: 'pattern', pattern: context.unique ? '/{fake:noun}/{fake:noun}-{rowhex}' : '/{one:articles|users|products|settings|search|blog|docs}/{fake:noun}' };
  }
}

/** Upper-case letters and digits, 8 of them (fewer when the column is shorter). */
function codeRegex(maxLength: number | undefined): string {
  return `^[A-Z0-9]{${Math.max(1, Math.min(8, maxLength ?? 8))}}$`;
}

/** What a table's `name` is: a person's, a company's, a product's … */
function nameKind(table: string): FakeKind {
  const t = normalName(table.split('.').at(-1)!);
  if (/(user|people|person|member|customer|author|student|teacher|employee|contact|parent|patient|player)/.test(t)) return 'fullName';
  if (/(school|compan|organi|business|shop|store|team|club|account|tenant|vendor|supplier|brand|venue)/.test(t)) return 'company';
  if (/(product|item|sku|listing)/.test(t)) return 'productName';
  if (/(tag|label|topic|keyword)/.test(t)) return 'noun';
  if (/(categor|department|section)/.test(t)) return 'department';
  if (/(city|town|place|location)/.test(t)) return 'town';
  return 'catchPhrase';
}

function trueShare(name: string): number {
  if (/(active|enabled|visible|verified|confirmed|published|available|subscribed|opt_?in)/.test(name)) return 0.8;
  if (/(deleted|archived|banned|blocked|admin|staff|superuser|locked|spam|suspended|default|primary|featured)/.test(name)) return 0.05;
  return 0.5;
}

function jsonShape(name: string, values: readonly ValueRule[]): JsonShape {
  const type = values.find((r): r is Extract<ValueRule, { kind: 'jsonType' }> => r.kind === 'jsonType')?.type;
  if (type === 'array' || /(tags|labels|keywords|items|list)$/.test(name)) return type === 'object' ? 'metadata' : 'tags';
  if (/(setting|preference|config|option)/.test(name)) return 'settings';
  if (/address/.test(name)) return 'address';
  if (/(meta|data|attribute|propert|extra|payload|detail|info)/.test(name)) return 'metadata';
  return 'object';
}

/** [from, to) for times: the data window narrowed to what the column's checks allow. */
function timeWindow(values: readonly ValueRule[], from: string, to = DATA_EPOCH_END): { from: string; to: string } {
  let lo = Date.parse(from.length === 10 ? `${from}T00:00:00Z` : from);
  let hi = Date.parse(to);
  for (const rule of values) {
    if (rule.kind !== 'range') continue;
    const min = timeBound(rule.min);
    const max = timeBound(rule.max);
    if (min !== undefined) lo = Math.max(lo, min + (rule.min!.inclusive ? 0 : 1000));
    if (max !== undefined) hi = Math.min(hi, max + (rule.max!.inclusive ? 1000 : 0));
  }
  if (hi <= lo) hi = lo + 86_400_000;
  return { from: new Date(lo).toISOString(), to: new Date(hi).toISOString() };
}

/** A time bound of a check in epoch ms; now() is the end of the data window. */
export function timeBound(bound: Bound | undefined): number | undefined {
  if (!bound) return undefined;
  if (bound.value === NOW) return Date.parse(DATA_EPOCH_END);
  const ms = typeof bound.value === 'string' ? Date.parse(bound.value.length === 10 ? `${bound.value}T00:00:00Z` : bound.value) : NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

function numericSpec(column: ColumnInfo, name: string, context: ColumnContext): ColumnSpec {
  if (context.unique) return { kind: 'sequence' };
  const scale = column.scale ?? 2;
  const integerDigits = (column.precision ?? 12) - scale;
  const ceiling = Math.min(10 ** integerDigits - 1, 10_000);
  const fallback: Distribution = /(price|amount|total|cost|balance|salary|fee|subtotal)/.test(name)
    ? { kind: 'normal', mean: Math.min(ceiling / 10, 80), sd: Math.min(ceiling / 20, 40), min: 0.5, max: ceiling }
    : /(percent|rate|ratio|share)/.test(name)
      ? { kind: 'uniform', min: 0, max: Math.min(ceiling, 100) }
      : { kind: 'uniform', min: 0, max: ceiling };
  return { kind: 'float', dist: rangeOf(context.values, fallback, 10 ** -scale), decimals: scale };
}

function floatDistribution(name: string, values: readonly ValueRule[]): Distribution {
  if (/^(lat|latitude)$/.test(name)) return rangeOf(values, { kind: 'uniform', min: 35, max: 60 }, 1e-6);
  if (/^(lng|lon|long|longitude)$/.test(name)) return rangeOf(values, { kind: 'uniform', min: -10, max: 30 }, 1e-6);
  return rangeOf(values, { kind: 'normal', mean: 50, sd: 20, min: 0 }, 1e-6);
}

/** A column of well-known integer codes (HTTP statuses) draws from them, the common ones most, where its checks allow; a rating leans high. */
function integerCodes(name: string, values: readonly ValueRule[]): ColumnSpec | undefined {
  if (/(rating|stars|score)$/.test(name)) return ratingSpec(values);
  const codes = INTEGER_LISTS.find(([pattern]) => pattern.test(name))?.[1].filter((code) => values.every((rule) => admits(rule, code)));
  return codes?.length ? { kind: 'choice', values: codes, weights: popularFirst(codes, undefined) } : undefined;
}

/** Ratings on a short scale lean to the top, like real reviews: 5 most often, then 4. */
function ratingSpec(values: readonly ValueRule[]): ColumnSpec | undefined {
  const range = rangeOf(values, { kind: 'uniform', min: 1, max: 5 }, 1);
  if (range.kind !== 'uniform' || range.max - range.min > 10) return undefined;
  const scale = Array.from({ length: Math.floor(range.max) - Math.ceil(range.min) + 1 }, (_, i) => Math.ceil(range.min) + i);
  return { kind: 'choice', values: scale, weights: scale.map((_, i) => 2 ** i) };
}

function integerDistribution(name: string, type: string, values: readonly ValueRule[]): Distribution {
  const limit = Math.min(INT_LIMITS[type] ?? 1000, 1_000_000);
  let fallback: Distribution = { kind: 'uniform', min: 0, max: Math.min(1000, limit) };
  if (/(count|quantity|qty|number_of|_num|uses|seats|guests|views|likes|votes)$/.test(name)) fallback = { kind: 'zipf', s: 1.2, min: 0, max: 1000 };
  else if (/age$/.test(name)) fallback = { kind: 'uniform', min: 18, max: 90 };
  else if (/year$/.test(name)) fallback = { kind: 'uniform', min: 1990, max: 2026 };
  else if (/(minutes|duration|_ms|latency)/.test(name)) fallback = { kind: 'zipf', s: 1.1, min: 5, max: 5_000 };
  else if (/(position|rank|sort|order|priority)$/.test(name)) fallback = { kind: 'uniform', min: 0, max: 100 };
  else if (/(status_code)$/.test(name)) fallback = { kind: 'zipf', s: 2, min: 200, max: 599 };
  return rangeOf(values, fallback, 1);
}

/**
 * The fallback distribution, narrowed to what the column's CHECK ranges
 * allow; `step` turns an exclusive bound into an inclusive one.
 */
export function rangeOf(values: readonly ValueRule[], fallback: Distribution, step: number): Distribution {
  let min = -Infinity;
  let max = Infinity;
  for (const rule of values) {
    if (rule.kind !== 'range') continue;
    if (typeof rule.min?.value === 'number') min = Math.max(min, rule.min.value + (rule.min.inclusive ? 0 : step));
    if (typeof rule.max?.value === 'number') max = Math.min(max, rule.max.value - (rule.max.inclusive ? 0 : step));
  }
  if (min === -Infinity && max === Infinity) return fallback;
  const [low, high] = fallbackBounds(fallback);
  if (low >= min && high <= max) return fallback;
  const lo = Number.isFinite(min) ? min : Math.min(low, max);
  const hi = Number.isFinite(max) ? max : Math.max(high, min + (high - low));
  const clampedLo = Math.max(lo, Math.min(low, hi));
  const clampedHi = Math.min(hi, Math.max(high, lo));
  if (fallback.kind === 'zipf' && clampedLo <= clampedHi) return { kind: 'zipf', s: fallback.s, min: Math.ceil(clampedLo), max: Math.floor(clampedHi) };
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

function arraySpec(column: ColumnInfo, context: ColumnContext): ColumnSpec | undefined {
  const element = column.enumLabels
    ? ({ kind: 'choice', values: column.enumLabels } as ColumnSpec)
    : TEXT_TYPES.has(column.baseType)
      ? ({ kind: 'fake', what: 'noun' } as ColumnSpec)
      : scalarSpec({ ...column, isArray: false }, { ...context, unique: false, values: [] });
  if (!element) return undefined;
  const lengths = context.values.find((r): r is Extract<ValueRule, { kind: 'length' }> => r.kind === 'length');
  return { kind: 'array', of: element, length: { kind: 'uniform', min: lengths?.min ?? 0, max: Math.max(lengths?.min ?? 0, Math.min(lengths?.max ?? 4, 4)) } };
}
