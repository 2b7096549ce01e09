import type { Analysis, Check } from '../analyze/analysis.ts';
import type { ReportFile } from './report-file.ts';

export const JUNIT_REPORT_FILE = 'junit.xml';

/** XML 1.0 text: the five entities escaped, characters XML cannot hold dropped. */
export function escapeXml(text: string): string {
  return text
    .replace(/[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function testcase(check: Check, suite: string): string {
  const name = escapeXml(check.id);
  const open = `    <testcase classname="${escapeXml(`${suite}.${check.kind}`)}" name="${name}">`;
  if (check.status === 'fail') {
    return `${open}\n      <failure message="${escapeXml(check.sentence)}" type="${escapeXml(check.kind)}">${escapeXml(check.sentence)}</failure>\n    </testcase>`;
  }
  return `${open}\n      <system-out>${escapeXml(check.status === 'warn' ? `warning: ${check.sentence}` : check.sentence)}</system-out>\n    </testcase>`;
}

/** One test case per check; a failing check's sentence is its failure message, so CI shows it natively. */
export function renderJunit(analysis: Analysis): ReportFile[] {
  const suite = `rehearse.${analysis.candidate[0]?.scenario ?? 'run'}`;
  const failures = analysis.checks.filter((check) => check.status === 'fail').length;
  const cases = analysis.checks.map((check) => testcase(check, suite)).join('\n');
  const text = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="rehearse" tests="${analysis.checks.length}" failures="${failures}">`,
    `  <testsuite name="${escapeXml(suite)}" tests="${analysis.checks.length}" failures="${failures}" errors="0" skipped="0">`,
    ...(cases ? [cases] : []),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
  return [{ name: JUNIT_REPORT_FILE, text }];
}
