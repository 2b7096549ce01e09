import type { MigrateCommandResult, MigrationFinding, MigrationLock, ReleaseEvent } from '../release/release-event-schema.ts';
import type { QueryProfile, RunRecord, TimelinePoint } from '../run/run-record-schema.ts';
import type { Check, CheckKind } from './analysis.ts';
import { formatCount, formatMs, formatPercent, shortQuery } from './format-number.ts';
import { preEventBand, releaseWindows, windowStats, WINDOW_SECONDS, type ActionWindows } from './release-windows.ts';

/** `budgets.release` of the config: what a deploy or rollback under load may cost. */
export interface ReleaseBudget {
  /** The longest any session may wait behind a migration statement's lock. */
  maxLockWaitMs?: number;
  /** Errors ÷ requests from an action's start until traffic moved (every page together). */
  maxErrorRateDuringSwitch?: number;
  /** Seconds after the switch until every page is back in its pre-deploy band. */
  maxRecoverySeconds?: number;
}

/** A page whose requests waited behind a migration statement, or were slower while it ran than in the seconds before it. */
export interface PageThatWaited {
  page: string;
  /** The page's requests while the statement ran. */
  requests: number;
  p95Ms: number | null;
  beforeP95Ms: number | null;
  /**
   * Its requests seen waiting on the statement's lock: the waiting sessions' statements mapped to the page
   * through the probe's query fingerprints; null when no waiting statement mapped to a page, and the page
   * is here because its p95 left its band while the statement ran.
   */
  requestsWaited: number | null;
}

/** One migration statement with what it measurably cost the app. */
export interface StatementCost {
  file: string;
  index: number;
  sql: string;
  durationMs: number;
  error: string | null;
  locks: MigrationLock[];
  sessionsQueued: number;
  sessionsBlocked: number;
  longestWaitMs: number;
  pagesWaited: PageThatWaited[];
  /** "held AccessExclusiveLock on appointments for 4.2 s; 37 sessions waited …" */
  cost: string;
}

/** The release event as the report shows it. */
export interface ReleaseEventSummary {
  baseline: string;
  candidate: string;
  actions: (ActionWindows & { atSeconds: number; error: string | null })[];
  statements: StatementCost[];
  /** Static findings, each with the cost of the statement it names ("not measured" when it did not run). */
  findings: (MigrationFinding & { cost: string })[];
  proxyErrors: number;
  firstErrorAfterRollback: string | null;
  /** The release's migrate command as the deploy ran it; null when it migrates by SQL files, or not at all. */
  migrateCommand: MigrateCommandResult | null;
}

/**
 * The release event of a run: windows around each action, each migration
 * statement beside what it cost, and the checks — an action that failed, a
 * rollback that did not restore service (always), and `budgets.release`.
 */
export function analyzeReleaseEvent(run: RunRecord, budget: ReleaseBudget = {}): { summary: ReleaseEventSummary; checks: Check[] } | null {
  const event = run.releaseEvent;
  if (!event) return null;
  const windows = releaseWindows(event, run.timeline);
  const actions = event.actions.map((action) => {
    const placed = windows.find((window) => window.kind === action.kind);
    const fallback: ActionWindows = { kind: action.kind, startedSecond: null, switchedSecond: null, pages: [], failedDuringSwitch: 0, restoredService: null };
    return { ...(placed ?? fallback), atSeconds: action.atSeconds, error: action.error };
  });
  const statements = event.statements.map((statement) => statementCost(statement, run.timeline.pages, run.queryProfiles));
  const findings = event.findings.map((finding) => ({ ...finding, cost: findingCost(finding, statements) }));
  const summary: ReleaseEventSummary = { baseline: event.baseline, candidate: event.candidate, actions, statements, findings, proxyErrors: event.proxyErrors, firstErrorAfterRollback: event.firstErrorAfterRollback, migrateCommand: event.migrateCommand ?? null };
  return { summary, checks: releaseChecks(summary, event, budget) };
}

function statementCost(statement: ReleaseEvent['statements'][number], pages: RunRecord['timeline']['pages'], profiles: readonly QueryProfile[]): StatementCost {
  const from = Math.floor(statement.startedAt / 1000) * 1000;
  const to = Math.floor((statement.startedAt + statement.durationMs) / 1000) * 1000 + 1000;
  const waited = requestsWaitedPerPage(statement.waitingQueries ?? [], profiles);
  const pagesWaited =
    waited.size > 0
      ? [...waited].map(([page, requests]) => ({ ...pageWindows(pages.find((entry) => entry.page === page)?.points ?? [], from, to, page), requestsWaited: requests }))
      : pages.flatMap(({ page, points }) => slowedDuring(page, points, from, to));
  const { samples: _samples, startedAt: _startedAt, waitingQueries: _waitingQueries, ...rest } = statement;
  return { ...rest, pagesWaited, cost: describeCost(statement, pagesWaited) };
}

/**
 * The statements that waited behind the migration, mapped to pages by the
 * fingerprints the per-page probe recorded. A statement several pages run is
 * shared among them by how often each runs it per request.
 */
export function requestsWaitedPerPage(waiting: NonNullable<ReleaseEvent['statements'][number]['waitingQueries']>, profiles: readonly QueryProfile[]): Map<string, number> {
  const perPage = new Map<string, number>();
  for (const query of waiting) {
    const runs = profiles.flatMap((profile) => profile.statements.filter((statement) => statement.fingerprint === query.fingerprint).map((statement) => ({ page: profile.page, calls: statement.callsPerRequest })));
    const calls = runs.reduce((sum, run) => sum + run.calls, 0);
    for (const run of runs) perPage.set(run.page, (perPage.get(run.page) ?? 0) + (calls > 0 ? (query.requests * run.calls) / calls : query.requests / runs.length));
  }
  return new Map([...perPage].map(([page, requests]) => [page, Math.round(requests)] as const).filter(([, requests]) => requests > 0).sort((a, b) => b[1] - a[1]));
}

function pageWindows(points: readonly TimelinePoint[], from: number, to: number, page: string): Omit<PageThatWaited, 'requestsWaited'> {
  const during = windowStats(points, [from, to]);
  const before = windowStats(points, [from - WINDOW_SECONDS * 1000, from]);
  return { page, requests: during.requests, p95Ms: during.p95Ms, beforeP95Ms: before.p95Ms };
}

/** The fallback when no waiting statement maps to a page: the page, when its p95 while the statement ran was out of the band of the seconds before it. */
function slowedDuring(page: string, points: readonly TimelinePoint[], from: number, to: number): PageThatWaited[] {
  const during = windowStats(points, [from, to]);
  const band = preEventBand(points, [from - WINDOW_SECONDS * 1000, from]);
  if (during.requests === 0 || during.p95Ms === null || !band || during.p95Ms <= Math.max(band.p95Ms * 1.25, band.p95Ms + 5)) return [];
  return [{ ...pageWindows(points, from, to, page), requestsWaited: null }];
}

function describeCost(statement: ReleaseEvent['statements'][number], pagesWaited: readonly PageThatWaited[]): string {
  const strongest = [...statement.locks].sort((a, b) => b.heldMs - a.heldMs)[0];
  const held = strongest ? `held ${strongest.mode} on ${strongest.relation} for ${formatSeconds(strongest.heldMs)}` : `ran ${formatSeconds(statement.durationMs)}`;
  const queued = statement.sessionsBlocked > 0 ? `; ${formatCount(statement.sessionsBlocked)} session(s) waited behind it (at most ${statement.sessionsQueued} at once, longest ${formatMs(statement.longestWaitMs)})` : '; no session waited behind it';
  const pages = pagesWaited.map(pageWaitedText).join(', ');
  return `${held}${queued}${pages ? `; ${pages}` : ''}`;
}

/** "37 My Bookings requests waited (p95 4,300 ms vs 9 ms before)", or from the band: "My Bookings p95 4,300 ms vs 9 ms before". */
export function pageWaitedText(page: PageThatWaited): string {
  const p95 = page.p95Ms === null ? '' : `p95 ${formatMs(page.p95Ms)} vs ${formatMs(page.beforeP95Ms ?? 0)} before`;
  if (page.requestsWaited === null) return `${page.page} ${p95}`;
  return `${formatCount(page.requestsWaited)} ${page.page} request(s) waited${p95 ? ` (${p95})` : ''}`;
}

function formatSeconds(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`;
}

function findingCost(finding: MigrationFinding, statements: readonly StatementCost[]): string {
  const measured = statements.filter((statement) => statement.file === finding.file && (finding.index === 0 || statement.index === finding.index));
  if (measured.length === 0) return 'not measured: the statement did not run';
  if (finding.index !== 0) return measured[0]!.cost;
  const longest = Math.max(...measured.map((statement) => statement.longestWaitMs));
  return `longest wait behind the file's statements ${formatMs(longest)}`;
}

const subject = { queryId: null, fingerprint: null } as const;

function check(kind: CheckKind, id: string, failed: boolean, sentence: string, measured: number | null, limit: number | null, page: string | null = null): Check {
  return { id: `${kind}:${id}`, kind, status: failed ? 'fail' : 'pass', page, ...subject, sentence, measured, baseline: null, limit, magnitude: limit && measured !== null ? measured / limit : failed ? 1 : 0 };
}

function releaseChecks(summary: ReleaseEventSummary, event: ReleaseEvent, budget: ReleaseBudget): Check[] {
  const checks: Check[] = [];
  for (const action of summary.actions) {
    const name = `${action.kind} at ${action.atSeconds}s`;
    if (action.error) checks.push(check('release-action', action.kind, true, `Release event: the ${name} failed: ${action.error}`, null, null));
    if (action.restoredService !== null) checks.push(rollbackCheck(action, summary));
    if (budget.maxErrorRateDuringSwitch !== undefined) checks.push(switchErrorCheck(action, name, budget.maxErrorRateDuringSwitch));
    if (budget.maxRecoverySeconds !== undefined) checks.push(...recoveryChecks(action, name, budget.maxRecoverySeconds));
  }
  if (budget.maxLockWaitMs !== undefined) checks.push(...summary.statements.map((statement) => lockWaitCheck(statement, budget.maxLockWaitMs!, event)));
  return checks;
}

function rollbackCheck(action: ReleaseEventSummary['actions'][number], summary: ReleaseEventSummary): Check {
  const failing = action.pages.filter((page) => page.after.errorRate > 0).map((page) => `${page.page} ${formatPercent(page.after.errorRate)} errors`);
  if (action.restoredService) return check('release-rollback', 'rollback', false, `Release event: the rollback restored service on ${summary.baseline}${failing.length ? ` (${failing.join(', ')})` : ''}`, null, null);
  const why = summary.firstErrorAfterRollback ? `; the app's first error after it: ${summary.firstErrorAfterRollback}` : '';
  const schema = summary.statements.length > 0 ? ` — the schema stayed as ${summary.candidate}'s migration left it, and ${summary.baseline} does not work on it` : '';
  return check('release-rollback', 'rollback', true, `Release event: the rollback did not restore service (${failing.join(', ') || 'errors after it'})${schema}${why}`, null, null);
}

function switchErrorCheck(action: ReleaseEventSummary['actions'][number], name: string, limit: number): Check {
  const requests = action.pages.reduce((sum, page) => sum + page.during.requests, 0);
  const rate = requests > 0 ? action.failedDuringSwitch / requests : 0;
  return check('release-switch-errors', action.kind, rate > limit, `Release event: ${formatCount(action.failedDuringSwitch)} of ${formatCount(requests)} requests failed during the ${name} (${formatPercent(rate)}, budget ${formatPercent(limit)})`, rate, limit);
}

function recoveryChecks(action: ReleaseEventSummary['actions'][number], name: string, limit: number): Check[] {
  return action.pages.map((page) => {
    const recovered = page.recoverySeconds;
    const said = recovered === null ? 'did not recover before the load ended' : `back in its pre-deploy band ${recovered} s after the switch`;
    return check('release-recovery', `${action.kind}:${page.page}`, recovered === null || recovered > limit, `Release event: ${page.page} ${said} after the ${name} (budget ${limit} s)`, recovered, limit, page.page);
  });
}

function lockWaitCheck(statement: StatementCost, limit: number, event: ReleaseEvent): Check {
  const where = `${statement.file} statement ${statement.index} (${shortQuery(statement.sql, 60)})`;
  const findings = event.findings.filter((finding) => finding.file === statement.file && finding.index === statement.index).map((finding) => finding.rule);
  const flagged = findings.length > 0 ? ` [${findings.join(', ')}]` : '';
  return check('release-lock-wait', `${statement.file}:${statement.index}`, statement.longestWaitMs > limit, `Migration ${where}${flagged}: ${statement.cost} (budget: no wait over ${formatMs(limit)})`, statement.longestWaitMs, limit);
}
