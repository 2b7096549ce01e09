import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ReportFile } from './report-file.ts';

/** Writes each file into `dir` (created if needed) and returns their paths. */
export async function writeReportFiles(dir: string, files: readonly ReportFile[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const file of files) {
    const target = path.join(dir, file.name);
    await writeFile(target, file.text);
    written.push(target);
  }
  return written;
}

/** GitHub Actions shows what a step appends to $GITHUB_STEP_SUMMARY on the run's page. */
export async function appendStepSummary(file: string, markdown: string): Promise<void> {
  await appendFile(file, `${markdown}\n`);
}
