import type { Analysis } from '../analyze/analysis.ts';
import type { ReportFile } from './report-file.ts';

export const JSON_REPORT_FILE = 'report.json';

/** The full analysis, schema-versioned (`schemaVersion`), for other tools. */
export function renderJson(analysis: Analysis): ReportFile[] {
  return [{ name: JSON_REPORT_FILE, text: `${JSON.stringify(analysis, null, 2)}\n` }];
}
