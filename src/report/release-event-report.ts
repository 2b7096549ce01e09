import type { Analysis } from '../analyze/analysis.ts';
import { formatCount, formatMs, formatPercent, shortQuery } from '../analyze/format-number.ts';
import { pageWaitedText, type ReleaseEventSummary } from '../analyze/release-checks.ts';
import type { WindowStats } from '../analyze/release-windows.ts';

type Table = (header: string[], rows: string[][]) => string;

const ACTION_HEADER = ['action', 'page', 'before: p95, errors', 'during: p95, errors', 'after: p95, errors', 'failed during switch', 'recovery'];
const STATEMENT_HEADER = ['statement', 'ran', 'locks', 'sessions waited', 'longest wait', 'pages that waited', 'static check'];

function windowText(stats: WindowStats): string {
  if (stats.requests === 0) return '—';
  return `${stats.p95Ms === null ? '—' : formatMs(stats.p95Ms)}, ${formatPercent(stats.errorRate)} (${formatCount(stats.requests)} req)`;
}

function recoveryText(page: { recoverySeconds: number | null; secondsOutOfBand: number }): string {
  if (page.recoverySeconds === null) return 'did not recover before the load ended';
  if (page.secondsOutOfBand === 0) return 'stayed in band';
  const out = `${page.secondsOutOfBand} s out of band`;
  return page.recoverySeconds === 0 ? `back in band before the switch (${out})` : `${page.recoverySeconds} s after the switch (${out})`;
}

/** One sentence per action: when it ran, when traffic moved, and (for a rollback) whether service came back. */
export function actionSentences(summary: ReleaseEventSummary): string[] {
  return summary.actions.map((action) => {
    const name = `${action.kind === 'deploy' ? `Deploy of ${summary.candidate}` : `Rollback to ${summary.baseline}`} at ${action.atSeconds}s`;
    if (action.startedSecond === null) return `${name}: not reached before the load ended.`;
    if (action.error) return `${name}: failed — ${action.error}.`;
    const switched = action.switchedSecond === null ? 'traffic never moved' : `traffic moved at ${action.switchedSecond}s`;
    const restored = action.restoredService === null ? '' : action.restoredService ? '; the rollback restored service' : `; the rollback did NOT restore service${summary.firstErrorAfterRollback ? ` (first app error after it: ${summary.firstErrorAfterRollback})` : ''}`;
    return `${name}: ${switched}, ${formatCount(action.failedDuringSwitch)} request(s) failed during the switch${restored}.`;
  });
}

/** What the migrate command did: how it exited, and on failure the last lines of its output. */
export function migrateCommandLines(summary: ReleaseEventSummary): { sentence: string; output: string[] } | null {
  const run = summary.migrateCommand;
  if (!run) return null;
  const exited = run.exitCode === null ? `was ended by ${run.signal ?? 'a signal'}` : `exited ${run.exitCode}`;
  const sentence = `Migrate command \`${run.command}\` (in ${run.cwd}): ${exited} after ${formatMs(run.durationMs)}; output in ${run.log}`;
  if (run.exitCode === 0) return { sentence: `${sentence}.`, output: [] };
  return { sentence: `${sentence} — the deploy stopped there and ${summary.baseline} kept serving. Last lines of its output:`, output: run.outputTail.split('\n') };
}

function actionRows(summary: ReleaseEventSummary): string[][] {
  return summary.actions.flatMap((action) =>
    action.pages.map((page) => [action.kind, page.page, windowText(page.before), windowText(page.during), windowText(page.after), formatCount(page.failedDuringSwitch), recoveryText(page)]),
  );
}

function statementRows(summary: ReleaseEventSummary): string[][] {
  return summary.statements.map((statement) => [
    `${statement.file} #${statement.index}: ${shortQuery(statement.sql, 70)}${statement.error ? ` — failed: ${statement.error}` : ''}`,
    formatMs(statement.durationMs),
    statement.locks.map((lock) => `${lock.mode}${lock.granted ? '' : ' (waited)'} on ${lock.relation} ${formatMs(lock.heldMs)}`).join('; ') || '—',
    statement.sessionsBlocked > 0 ? `${formatCount(statement.sessionsBlocked)} (max ${statement.sessionsQueued} at once)` : '0',
    formatMs(statement.longestWaitMs),
    statement.pagesWaited.map(pageWaitedText).join('; ') || '—',
    summary.findings.filter((finding) => finding.file === statement.file && finding.index === statement.index).map((finding) => finding.rule).join(', ') || '—',
  ]);
}

function findingLines(summary: ReleaseEventSummary): string[] {
  return summary.findings.map((finding) => `${finding.rule} (${finding.file}${finding.index > 0 ? ` #${finding.index}` : ''}): ${finding.message} — measured: ${finding.cost}`);
}

/** Plain lines for the terminal after a run. */
export function releaseEventLines(analysis: Analysis): string[] {
  const summary = analysis.releaseEvent;
  if (!summary) return [];
  const lines = [`Release event: ${summary.baseline} → ${summary.candidate}${summary.proxyErrors > 0 ? ` (${formatCount(summary.proxyErrors)} request(s) the proxy could not deliver)` : ''}`];
  lines.push(...actionSentences(summary).map((sentence) => `  ${sentence}`));
  const migrate = migrateCommandLines(summary);
  if (migrate) lines.push(`  ${migrate.sentence}`, ...migrate.output.map((line) => `    | ${line}`));
  for (const action of summary.actions) {
    for (const page of action.pages) lines.push(`    ${action.kind} ${page.page}: before ${windowText(page.before)} · during ${windowText(page.during)} · after ${windowText(page.after)} · recovery ${recoveryText(page)}`);
  }
  for (const row of statementRows(summary)) lines.push(`  migration ${row[0]}: ran ${row[1]}; locks ${row[2]}; waited ${row[3]}, longest ${row[4]}; pages ${row[5]}`);
  lines.push(...findingLines(summary).map((line) => `  lint ${line}`));
  return lines;
}

/** The Markdown section; empty without a release event. */
export function releaseEventMarkdown(analysis: Analysis, table: Table): string[] {
  const summary = analysis.releaseEvent;
  if (!summary) return [];
  const lines = ['### Release event', '', ...actionSentences(summary).map((sentence) => `- ${sentence}`), ''];
  const migrate = migrateCommandLines(summary);
  if (migrate) lines.push(migrate.sentence, '', ...(migrate.output.length > 0 ? ['```text', ...migrate.output, '```', ''] : []));
  lines.push('Windows of 10 s before and after each action, and the action itself (start to switch); recovery: seconds after the switch until the page\'s p95 and error rate were back in the band they moved in before the deploy, 3 seconds in a row.', '');
  if (summary.actions.some((action) => action.pages.length > 0)) lines.push(table(ACTION_HEADER, actionRows(summary)), '');
  if (summary.statements.length > 0) lines.push('**Migration statements**, each timed, locks sampled every 100 ms', '', table(STATEMENT_HEADER, statementRows(summary)), '');
  if (summary.findings.length > 0) lines.push('**Static check of the migration SQL**, each beside what it cost', '', ...findingLines(summary).map((line) => `- ${line}`), '');
  return lines;
}

/** The HTML section; empty without a release event. */
export function releaseEventHtml(analysis: Analysis, escape: (text: string) => string, table: Table): string {
  const summary = analysis.releaseEvent;
  if (!summary) return '';
  const cells = (rows: string[][]) => rows.map((row) => row.map((text) => `<td>${escape(text)}</td>`));
  return [
    '<h2>Release event</h2>',
    `<ul>${actionSentences(summary).map((sentence) => `<li>${escape(sentence)}</li>`).join('')}</ul>`,
    migrateHtml(summary, escape),
    summary.actions.some((action) => action.pages.length > 0) ? table(ACTION_HEADER, cells(actionRows(summary))) : '',
    summary.statements.length > 0 ? `<h3>Migration statements</h3>${table(STATEMENT_HEADER, cells(statementRows(summary)))}` : '',
    summary.findings.length > 0 ? `<h3>Static check of the migration SQL</h3><ul>${findingLines(summary).map((line) => `<li>${escape(line)}</li>`).join('')}</ul>` : '',
  ].join('\n');
}

function migrateHtml(summary: ReleaseEventSummary, escape: (text: string) => string): string {
  const migrate = migrateCommandLines(summary);
  if (!migrate) return '';
  return `<p>${escape(migrate.sentence)}</p>${migrate.output.length > 0 ? `<pre>${escape(migrate.output.join('\n'))}</pre>` : ''}`;
}
