/** A template split into literal text and `{column}` references. */
export type TemplatePart = { text: string } | { column: string };

const REFERENCE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(REFERENCE)) {
    if (match.index > last) parts.push({ text: template.slice(last, match.index) });
    parts.push({ column: match[1]! });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  return parts;
}

export function templateColumns(template: string): string[] {
  return parseTemplate(template).flatMap((part) => ('column' in part ? [part.column] : []));
}
