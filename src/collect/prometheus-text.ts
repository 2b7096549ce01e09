import { compareText } from './compare-text.ts';

/**
 * Counters and gauges from a Prometheus text exposition (what an app's
 * /metrics answers), as `name{label="value",…}` → value with labels sorted,
 * so the same series has the same key in every sample and every run.
 * Histograms and summaries are left out (their buckets would dwarf the rest),
 * as are values that are not finite numbers. `include` narrows it further.
 *
 * @example
 * parsePrometheusText('# TYPE http_requests_total counter\nhttp_requests_total{route="/",status="200"} 12\n');
 * // { 'http_requests_total{route="/",status="200"}': 12 }
 */
export function parsePrometheusText(text: string, include: (name: string) => boolean = () => true): Record<string, number> {
  const types = new Map<string, string>();
  const values: Record<string, number> = {};
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^#\s*TYPE\s+(\S+)\s+(\S+)/.exec(line);
      if (type) types.set(type[1]!, type[2]!.toLowerCase());
      continue;
    }
    const sample = parseSampleLine(line);
    if (!sample || !Number.isFinite(sample.value)) continue;
    const type = familyType(types, sample.name);
    if (type === 'histogram' || type === 'summary' || type === 'gaugehistogram') continue;
    if (!include(sample.name)) continue;
    values[seriesKey(sample.name, sample.labels)] = sample.value;
  }
  return values;
}

interface Sample {
  name: string;
  labels: Array<[string, string]>;
  value: number;
}

function parseSampleLine(line: string): Sample | undefined {
  const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
  if (!name) return undefined;
  let position = name.length;
  let labels: Array<[string, string]> = [];
  if (line[position] === '{') {
    const parsed = parseLabels(line, position + 1);
    if (!parsed) return undefined;
    labels = parsed.labels;
    position = parsed.next;
  }
  const valueText = line.slice(position).trim().split(/\s+/)[0] ?? '';
  return { name, labels, value: parseValue(valueText) };
}

/** From just after `{`; `next` is the index after `}`. Label values may hold escaped quotes, commas and braces. */
function parseLabels(line: string, from: number): { labels: Array<[string, string]>; next: number } | undefined {
  const labels: Array<[string, string]> = [];
  const pattern = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;
  let position = from;
  for (;;) {
    while (line[position] === ' ') position++;
    if (line[position] === '}') return { labels, next: position + 1 };
    pattern.lastIndex = position;
    const match = pattern.exec(line);
    if (!match) return undefined;
    labels.push([match[1]!, unescapeLabel(match[2]!)]);
    position = pattern.lastIndex;
  }
}

function unescapeLabel(value: string): string {
  return value.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));
}

function parseValue(text: string): number {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return text === '' ? Number.NaN : Number(text);
}

/** The declared type of a sample's family: `x_total` belongs to `x` in OpenMetrics, `x_bucket` to histogram `x`. */
function familyType(types: Map<string, string>, name: string): string | undefined {
  const exact = types.get(name);
  if (exact) return exact;
  const family = /^(.*)_(total|created|bucket|sum|count|gsum|gcount)$/.exec(name)?.[1];
  return family === undefined ? undefined : types.get(family);
}

function seriesKey(name: string, labels: Array<[string, string]>): string {
  if (labels.length === 0) return name;
  const sorted = [...labels].sort(([a], [b]) => compareText(a, b));
  return `${name}{${sorted.map(([label, value]) => `${label}=${JSON.stringify(value)}`).join(',')}}`;
}
