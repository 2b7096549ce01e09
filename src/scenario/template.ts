/** A template split into literal text and `{name}` references (a dataset column or a capture). */
export type TemplatePart = { text: string } | { name: string };

/** Values a template is filled from: the virtual user's data row and what it captured so far. */
export type TemplateValues = Readonly<Record<string, string>>;

const REFERENCE = /\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  for (const match of template.matchAll(REFERENCE)) {
    if (match.index > last) parts.push({ text: template.slice(last, match.index) });
    parts.push({ name: match[1]! });
    last = match.index + match[0].length;
  }
  if (last < template.length) parts.push({ text: template.slice(last) });
  return parts;
}

/** The names a template refers to, in order. */
export function templateNames(template: string): string[] {
  return parseTemplate(template).flatMap((part) => ('name' in part ? [part.name] : []));
}

/**
 * Fills a template the way the generated k6 script does; `encode` escapes
 * each value for a URL path or query. Validation guarantees every name has a
 * value; a missing one would be a bug, so it throws.
 */
export function fillTemplate(template: string, values: TemplateValues, encode: boolean): string {
  return parseTemplate(template)
    .map((part) => {
      if ('text' in part) return part.text;
      const value = values[part.name];
      if (value === undefined) throw new Error(`template ${JSON.stringify(template)}: no value for {${part.name}}`);
      return encode ? encodeURIComponent(value) : value;
    })
    .join('');
}
