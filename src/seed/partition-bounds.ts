/**
 * The bounds of a partition as pg_get_expr(relpartbound) prints them, read
 * into values a generator can stay inside.
 */
export type PartitionBound =
  | { kind: 'range'; from: BoundValue[]; to: BoundValue[] }
  | { kind: 'list'; values: (string | number | null)[] }
  | { kind: 'hash' }
  | { kind: 'default' };

/** A literal; MINVALUE and MAXVALUE are ±Infinity. */
export type BoundValue = string | number | null;

export function parsePartitionBound(bound: string): PartitionBound | undefined {
  if (/^DEFAULT$/i.test(bound.trim())) return { kind: 'default' };
  if (/^FOR VALUES WITH/i.test(bound)) return { kind: 'hash' };
  const range = /^FOR VALUES FROM \((.*)\) TO \((.*)\)$/i.exec(bound.trim());
  if (range) return { kind: 'range', from: literals(range[1]!), to: literals(range[2]!) };
  const list = /^FOR VALUES IN \((.*)\)$/i.exec(bound.trim());
  if (list) return { kind: 'list', values: literals(list[1]!) };
  return undefined;
}

function literals(text: string): BoundValue[] {
  const values: BoundValue[] = [];
  const re = /'((?:[^']|'')*)'|(MINVALUE|MAXVALUE|NULL)|(-?\d+(?:\.\d+)?)/gi;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) {
    if (m[1] !== undefined) values.push(m[1].replace(/''/g, "'"));
    else if (m[2] !== undefined) values.push(m[2].toUpperCase() === 'NULL' ? null : m[2].toUpperCase() === 'MINVALUE' ? -Infinity : Infinity);
    else values.push(Number(m[3]));
  }
  return values;
}

/** A bound value as a number on the column's scale: epoch ms for times and dates, the number itself otherwise. */
export function boundNumber(value: BoundValue): number | undefined {
  if (value === null) return undefined;
  if (typeof value === 'number') return value;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*([+-]\d{2}(?::?\d{2})?|Z)?$/.exec(value.trim());
  if (!m) return Number.isNaN(Number(value)) ? undefined : Number(value);
  const zone = m[3] === undefined || m[3] === 'Z' ? 'Z' : m[3].length === 3 ? `${m[3]}:00` : m[3].includes(':') ? m[3] : `${m[3].slice(0, 3)}:${m[3].slice(3)}`;
  const ms = Date.parse(`${m[1]}T${m[2] ?? '00:00:00'}${zone}`);
  return Number.isNaN(ms) ? undefined : ms;
}
