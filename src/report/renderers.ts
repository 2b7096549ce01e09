import { renderCsv } from './render-csv.ts';
import { renderHtml } from './render-html.ts';
import { renderJson } from './render-json.ts';
import { renderJunit } from './render-junit.ts';
import { renderMarkdown } from './render-markdown.ts';
import type { Renderer } from './report-file.ts';

export const REPORT_FORMATS = ['markdown', 'html', 'json', 'csv', 'junit'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Every format's renderer: a pure function from the analysis to files. A missing format fails to compile. */
export const RENDERERS: Record<ReportFormat, Renderer> = {
  markdown: renderMarkdown,
  html: renderHtml,
  json: renderJson,
  csv: renderCsv,
  junit: renderJunit,
};

const ALIASES: Record<string, ReportFormat> = { md: 'markdown', markdown: 'markdown', html: 'html', json: 'json', csv: 'csv', junit: 'junit', xml: 'junit' };

/** `md,html` → ['markdown', 'html']; unknown names are returned in `unknown`. */
export function parseFormats(list: string): { formats: ReportFormat[]; unknown: string[] } {
  const names = list.split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  const unknown = names.filter((name) => !(name in ALIASES));
  return { formats: [...new Set(names.flatMap((name) => (ALIASES[name] ? [ALIASES[name]] : [])))], unknown };
}
