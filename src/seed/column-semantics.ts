/**
 * What a column means, read from its name the way a person reads a schema:
 * `created_at` is when the row was made, `ends_at` comes after `starts_at`,
 * `deleted_at` is mostly NULL, a `body` is paragraphs and a `slug` is made
 * from the title. Pure functions of names; the generators build on them.
 */

/** snake_case, lower case: `createdAt` and `CreatedAt` read like `created_at`. */
export function normalName(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
}

export type TimeRole =
  /** When the row was made: every other time of the row and of its children comes after it. */
  | 'created'
  /** Changed after creation, or soon after: updated_at, edited_at. */
  | 'updated'
  /** Set when the row is removed or closed: mostly NULL. */
  | 'deleted'
  /** The end of a span whose start is another column: ends_at after starts_at. */
  | 'end'
  /** A fact of the past unrelated to the row's life: birth dates. */
  | 'birth'
  /** Anything else that happens to the row after it exists: published_at, paid_at, starts_at. */
  | 'event';

const CREATED = /^(created|inserted|added|registered|signed_up|joined|opened|submitted|placed|issued|occurred|recorded|logged|called|sent|received|requested|enrolled)(_at|_on|_date|_time)?$|^(creation|date_created|create)_?(date|time|at|on)?$|^(date_)?(created|joined)$/;
const UPDATED = /^(updated|modified|edited|changed|last_modified|last_updated|last_changed)(_at|_on|_date|_time)?$|^(date_)?(updated|modified)$/;
const DELETED = /^(deleted|archived|removed|revoked|banned|suspended|disabled|deactivated|cancell?ed|closed|trashed|blocked|discarded|retired|terminated|left|quit|churned|unsubscribed)(_at|_on|_date|_time)?$/;
const BIRTH = /(birth|dob|born)/;
const END_PAIRS: [RegExp, string[]][] = [
  [/(^|_)ends?_(at|on|date|time)$/, ['starts_at', 'start_at', 'starts_on', 'start_on', 'start_date', 'start_time', 'begins_at', 'begin_at']],
  [/^end_?(date|time)?$/, ['start', 'start_date', 'start_time', 'begin']],
  [/^(finished|completed|resolved|stopped|returned|delivered|checked_out|check_out)(_at|_on)?$/, ['started_at', 'started_on', 'shipped_at', 'checked_in_at', 'check_in', 'starts_at']],
  [/^(valid_(until|to|through)|expires?(_at|_on)?|expiry(_date)?|expiration(_date)?|due(_at|_on|_date)?)$/, ['valid_from', 'issued_at', 'issued_on', 'starts_at', 'start_date']],
  [/^closes?(_at)?$/, ['opens', 'opens_at', 'open_at']],
  [/^(shipped|dispatched)(_at|_on)?$/, ['paid_at', 'placed_at', 'ordered_at']],
  [/^(delivered)(_at|_on)?$/, ['shipped_at', 'dispatched_at']],
  [/^(paid)(_at|_on)?$/, ['issued_at', 'issued_on', 'placed_at', 'ordered_at']],
];

export function timeRole(name: string): TimeRole {
  const n = normalName(name);
  if (CREATED.test(n)) return 'created';
  if (UPDATED.test(n)) return 'updated';
  if (DELETED.test(n)) return 'deleted';
  if (BIRTH.test(n)) return 'birth';
  if (END_PAIRS.some(([pattern]) => pattern.test(n))) return 'end';
  return 'event';
}

/** The column a span's end follows (`starts_at` for `ends_at`), when the table has it. */
export function spanStartOf(name: string, siblings: readonly string[]): string | undefined {
  const n = normalName(name);
  const byNormal = new Map(siblings.map((s) => [normalName(s), s]));
  for (const [pattern, starts] of END_PAIRS) {
    if (!pattern.test(n)) continue;
    const found = starts.find((start) => byNormal.has(start));
    if (found) return byNormal.get(found);
  }
  return undefined;
}

/** How long after its start a span ends, in minutes, by the words of its name and its table's. */
export function spanMinutes(name: string, table = ''): [number, number] {
  const n = normalName(name);
  if (/due/.test(n)) return [7 * 1440, 60 * 1440];
  if (/trial/.test(n)) return [7 * 1440, 30 * 1440];
  if (/(valid|expir)/.test(n) || /(subscription|membership|contract|lease|licen[cs]e|plan|enrol)/.test(normalName(table))) return [7 * 1440, 365 * 1440];
  if (/(deliver|ship|dispatch|paid|return)/.test(n)) return [60, 7 * 1440];
  return [30, 240];
}

export type TextRole =
  | 'body'
  | 'description'
  | 'bio'
  | 'title'
  | 'slug'
  | 'image'
  | 'url'
  | 'email'
  | 'username'
  | 'secret'
  | 'code'
  | 'tag'
  | 'path';

const TEXT_ROLES: [RegExp, TextRole][] = [
  [/^(body|content|contents|text|markdown|html|body_html|body_markdown|article|post|message|comment|review|answer|question|transcript)$|_(body|content|text|markdown|html)$/, 'body'],
  [/(description|summary|excerpt|abstract|about|overview|notes?|details|blurb|caption|intro|teaser|tagline)$/, 'description'],
  [/^(bio|biography|about_me|profile)$/, 'bio'],
  [/^(title|headline|heading|subject_line|name_of_event)$|_title$/, 'title'],
  [/(^|_)slug$|^permalink$|^handle_slug$/, 'slug'],
  [/(image|avatar|photo|picture|pic|logo|icon|cover|thumbnail|thumb|banner|img)(_url|_uri|_path|_src)?$/, 'image'],
  [/(^|_)(url|uri|website|homepage|link|href|web_?site|blog|referr?er)$/, 'url'],
  [/(^|_)(path|pathname|route|endpoint|request_path)$/, 'path'],
  [/(^|_)e?_?mail(_address)?$/, 'email'],
  [/^(user_?name|login|handle|nick(name)?|screen_name|account_name)$/, 'username'],
  [/(password|passwd|hash|token|secret|digest|salt|api_key|signature|nonce)/, 'secret'],
  [/(^|_)(code|sku|reference|ref|number|serial|barcode|ean|isbn|upc|prefix|key)$/, 'code'],
  [/^(tag|label|keyword|category_name)$/, 'tag'],
];

export function textRole(name: string): TextRole | undefined {
  const n = normalName(name);
  return TEXT_ROLES.find(([pattern]) => pattern.test(n))?.[1];
}

/** The column a slug is made from: the row's title, name or headline. */
export function slugSourceOf(siblings: readonly string[]): string | undefined {
  const byNormal = new Map(siblings.map((s) => [normalName(s), s]));
  for (const candidate of ['title', 'name', 'headline', 'display_name', 'full_name', 'username', 'label', 'subject']) {
    if (byNormal.has(candidate)) return byNormal.get(candidate);
  }
  return undefined;
}

/** The column an email is made from when there are no first and last names: a username or a full name. */
export function emailSourceOf(siblings: readonly string[]): string | undefined {
  const byNormal = new Map(siblings.map((s) => [normalName(s), s]));
  for (const candidate of ['username', 'user_name', 'login', 'handle', 'nickname', 'full_name', 'display_name', 'name']) {
    if (byNormal.has(candidate)) return byNormal.get(candidate);
  }
  return undefined;
}

/**
 * The share of NULLs in a nullable column, by what it means: a `deleted_at`
 * is mostly NULL, a `bio` rarely, a second address line usually, a reply's
 * parent mostly (most comments are top level).
 */
export function nullRate(name: string, context: { foreignKey: boolean; selfReference: boolean; timeRole?: TimeRole }): number {
  const n = normalName(name);
  if (context.selfReference) return 0.7;
  if (context.timeRole === 'deleted') return 0.95;
  if (/(middle_name|line_?2|address_?2|suffix|apartment|apt|unit|fax|nickname|secondary)/.test(n)) return 0.8;
  if (/^(last_login|last_seen|last_active|confirmed|verified|published|paid|shipped|delivered|read|seen|accepted|approved)(_at|_on)?$/.test(n)) return 0.25;
  if (context.timeRole === 'end') return 0.3;
  if (context.timeRole === 'updated') return /edited/.test(n) ? 0.8 : 0.1;
  if (context.foreignKey) return 0.2;
  if (/(image|avatar|photo|picture|logo|website|url|homepage)/.test(n)) return 0.35;
  if (/(phone|mobile)/.test(n)) return 0.2;
  if (/^(bio|description|summary|about)$/.test(n)) return 0.15;
  return 0.05;
}

/** Tables whose rows are the people acting on a site: the side of a link table that does the linking. */
export function isActorTable(table: string): boolean {
  const n = normalName(table.split('.').at(-1)!);
  return /(^|_)(users?|accounts?|members?|people|persons?|customers?|profiles?|authors?|players?|employees?|students?|patients?|clients?|subscribers?|followers?|contacts?|parents?)$/.test(n);
}

/** In a link table between one table and itself, the column that does the linking (follower, not followee). */
export function isActorColumn(column: string): boolean {
  const n = normalName(column);
  return /(follower|source|from|sender|requester|inviter|subscriber|actor|owner|creator|blocker|reporter|referrer|voter|liker|user)(_id|_uuid)?$/.test(n) && !/(followee|following|followed|target|recipient)/.test(n);
}
