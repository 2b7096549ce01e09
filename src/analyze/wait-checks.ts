import type { BlockingPair, Check } from './analysis.ts';
import { formatCount, formatMs, shortQuery } from './format-number.ts';
import type { PooledSide } from './pool-runs.ts';
import { OTHER_PAGE, type SideWaits } from './session-waits.ts';
import { exceeds, type Thresholds } from './thresholds.ts';

export interface WaitCheckInputs {
  baseline: PooledSide;
  candidate: PooledSide;
  baselineWaits: SideWaits;
  candidateWaits: SideWaits;
  thresholds: Thresholds;
  tolerance: number;
}

type PageNumbers = SideWaits['pages'] extends Map<string, infer Value> ? Value : never;

const noSubject = { queryId: null, fingerprint: null } as const;
const possessive = (pages: readonly string[]) => `${pages.join(', ')}'s`;
const counted = (count: number, noun: string) => `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
const quoted = (query: string | null) => (query ? `\`${shortQuery(query)}\`` : 'a statement not seen');

function lockText(pair: BlockingPair): string {
  const event = pair.waitEvents[0] ?? 'a lock';
  if (!pair.relation) return event;
  return event === 'Lock:transactionid' || event === 'Lock:tuple' ? `${event} (row lock in ${pair.relation})` : `${event} (on ${pair.relation})`;
}

/** "7 sessions waiting on Lock:transactionid (row lock in login_counters) held by Login's `update login_counters …`". */
export function blockingText(pair: BlockingPair): string {
  const idle = pair.blockingState?.startsWith('idle in transaction') ? ' (idle in transaction)' : '';
  const holder = pair.blockingPages[0] === 'unknown' ? 'a session not sampled' : `${possessive(pair.blockingPages)} ${quoted(pair.blockingQuery)}${idle}`;
  return `${formatCount(pair.peakWaiting)} session${pair.peakWaiting === 1 ? '' : 's'} waiting at peak on ${lockText(pair)} held by ${holder}`;
}

/** Added ms per request of the whole load: the page's added ms per request × its requests ÷ all requests. */
function loadCost(added: number, pageRequests: number, loadRequests: number): number {
  return loadRequests === 0 ? 0 : (Math.max(0, added) * pageRequests) / loadRequests;
}

function comparedPages(inputs: WaitCheckInputs): Array<{ page: string; now: PageNumbers; before: PageNumbers }> {
  if (!inputs.candidateWaits.sampled || !inputs.baselineWaits.sampled) return [];
  return [...inputs.candidateWaits.pages.entries()].flatMap(([page, now]) => {
    const before = inputs.baselineWaits.pages.get(page);
    return page === OTHER_PAGE || now.requests === 0 || !before || before.requests === 0 ? [] : [{ page, now, before }];
  });
}

/** Per page: time its sessions waited on locks, per request of the page, against the baseline. */
export function checkLockWaits(inputs: WaitCheckInputs): Check[] {
  const limit = inputs.thresholds.lockWaitPerRequest;
  return comparedPages(inputs).map(({ page, now, before }): Check => {
    const measured = now.lockWaitMsPerRequest ?? 0;
    const baseline = before.lockWaitMsPerRequest ?? 0;
    const failed = exceeds(measured, baseline, limit) && now.lockWaitSamples >= inputs.thresholds.minWaitSamples;
    const pair = inputs.candidateWaits.blocking.find((entry) => entry.blockedPages.includes(page));
    const cause = failed && pair ? `: ${blockingText(pair)}` : '';
    return {
      ...noSubject,
      id: `lock-waits:${page}`,
      kind: 'lock-waits',
      status: failed ? 'fail' : 'pass',
      page,
      sentence: `${page}: ${formatMs(measured)} per request waiting on locks, baseline ${formatMs(baseline)}${cause}`,
      measured,
      baseline,
      limit: Math.max(baseline * limit.ratio, baseline + limit.increase),
      magnitude: measured / Math.max(baseline, 1),
      costMs: loadCost(measured - baseline, now.requests, inputs.candidateWaits.requests),
    };
  });
}

/**
 * Per page: time its transactions sat open between statements, per request
 * of the page. A transaction held open across slow work outside the
 * database (a call to another service, a sleep) holds its connection and its
 * row locks all that time.
 */
export function checkIdleInTransaction(inputs: WaitCheckInputs): Check[] {
  const limit = inputs.thresholds.idleInTransactionPerRequest;
  return comparedPages(inputs).map(({ page, now, before }): Check => {
    const measured = now.idleInTransactionMsPerRequest ?? 0;
    const baseline = before.idleInTransactionMsPerRequest ?? 0;
    const meanMs = inputs.candidate.pages.find((entry) => entry.page === page)?.latencyMs.mean ?? 0;
    const floor = Math.max(limit.increase, inputs.thresholds.idleInTransactionShareOfLatency * meanMs);
    const failed = exceeds(measured, baseline, { ratio: limit.ratio, increase: floor }) && now.idleInTransactionSamples >= inputs.thresholds.minWaitSamples;
    const longest = now.longestIdleInTransactionMs === null ? '' : ` (longest observed ${formatMs(now.longestIdleInTransactionMs)})`;
    const after = now.idleStatement ? ` after ${quoted(now.idleStatement.query)}` : '';
    const holding = now.idleWrites.length > 0 ? `, holding the rows it had written in ${now.idleWrites.join(', ')} locked` : '';
    const blocked = inputs.candidateWaits.blocking.find((pair) => pair.blockingPages.includes(page));
    const taken = blocked?.blockingQuery && blocked.blockingQuery !== now.idleStatement?.query ? `, taken by ${quoted(blocked.blockingQuery)}` : '';
    const victims = blocked ? `; ${counted(blocked.peakWaiting, 'session')} of ${blocked.blockedPages.join(', ')} waited at peak on its locks: ${lockText(blocked)}${taken}` : '';
    return {
      ...noSubject,
      id: `idle-in-transaction:${page}`,
      kind: 'idle-in-transaction',
      status: failed ? 'fail' : 'pass',
      page,
      sentence: failed
        ? `${page}: transactions sat idle ${formatMs(measured)} per request${longest}${after}${holding}, baseline ${formatMs(baseline)}${victims}`
        : `${page}: idle in transaction ${formatMs(measured)} per request, baseline ${formatMs(baseline)}`,
      measured,
      baseline,
      limit: Math.max(baseline * limit.ratio, baseline + floor),
      magnitude: measured / Math.max(baseline, 1),
      costMs: loadCost(measured - baseline, now.requests, inputs.candidateWaits.requests),
    };
  });
}

/** The page whose sessions held connections longer than in the baseline: idle transactions first, else statements. */
function connectionHolder(inputs: WaitCheckInputs): string | null {
  const pages = comparedPages(inputs);
  const added = (pick: (numbers: PageNumbers) => number) =>
    pages
      .map(({ page, now, before }) => ({ page, ms: (pick(now) / now.requests - pick(before) / before.requests) * now.requests }))
      .filter((entry) => entry.ms > 0)
      .sort((a, b) => b.ms - a.ms || a.page.localeCompare(b.page))[0];
  const idle = added((numbers) => numbers.idleInTransactionSeconds * 1000);
  const idleNow = idle && inputs.candidateWaits.pages.get(idle.page);
  if (idle && idleNow && idleNow.idleInTransactionSamples >= inputs.thresholds.minWaitSamples) {
    return `${idle.page}'s transaction (idle in transaction ${formatMs(idleNow.idleInTransactionMsPerRequest ?? 0)} per ${idle.page} request)`;
  }
  const active = added((numbers) => numbers.activeSeconds * 1000);
  const activeNow = active && inputs.candidateWaits.pages.get(active.page);
  const activeBefore = active && inputs.baselineWaits.pages.get(active.page);
  if (!active || !activeNow || !activeBefore) return null;
  // Only statements that now hold connections much longer are a cause; a connection the app holds while idle shows nowhere in the database, and is not blamed on a page.
  const perRequest = (numbers: PageNumbers) => (numbers.activeSeconds * 1000) / numbers.requests;
  if (!exceeds(perRequest(activeNow), perRequest(activeBefore), inputs.thresholds.idleInTransactionPerRequest)) return null;
  const statement = activeNow.longestStatements[0];
  return `${active.page}'s statements (${formatMs((activeNow.activeSeconds * 1000) / activeNow.requests)} per ${active.page} request${statement ? `, longest ${quoted(statement.query)}` : ''})`;
}

/** Pages whose p95 rose past the timing tolerance, the holder itself listed last. */
function slowedPages(inputs: WaitCheckInputs, holder: string | null): string[] {
  const rose = inputs.candidate.pages
    .filter((page) => {
      const before = inputs.baseline.pages.find((entry) => entry.page === page.page);
      return before !== undefined && page.latencyMs.p95 >= before.latencyMs.p95 * (1 + inputs.tolerance);
    })
    .map((page) => page.page);
  const others = rose.filter((page) => !holder?.startsWith(`${page}'s`));
  return others.length > 0 ? others : rose;
}

/**
 * App-wide: how long requests waited for a connection of the app's pool
 * (its wait-seconds counter, else its waiting gauge), per request of the load. A starved pool slows pages
 * whose queries are no slower; the sentence names the pages that slowed and
 * whose transactions or statements held the connections.
 */
export function checkPoolWaits(inputs: WaitCheckInputs): Check[] {
  const now = inputs.candidateWaits.pool;
  const before = inputs.baselineWaits.pool;
  if (now?.waitMsPerRequest === null || now?.waitMsPerRequest === undefined || before?.waitMsPerRequest === null || before?.waitMsPerRequest === undefined) return [];
  const limit = inputs.thresholds.poolWaitPerRequest;
  const measured = now.waitMsPerRequest;
  const baseline = before.waitMsPerRequest;
  const meanLatencyMs = inputs.candidate.totals?.latencyMs.mean ?? null;
  const floor = meanLatencyMs === null ? limit.increase : Math.max(limit.increase, inputs.thresholds.poolWaitShareOfLatency * meanLatencyMs);
  const failed = exceeds(measured, baseline, { ratio: limit.ratio, increase: floor });
  const peak = `${counted(now.peakWaiting ?? 0, 'request')} waiting at peak${now.size !== null && now.peakInUse !== null ? ` (${formatCount(now.peakInUse)} of ${formatCount(now.size)} connections in use)` : ''}`;
  const numbers = `${formatMs(measured)} waiting for a connection per request, baseline ${formatMs(baseline)}`;
  let sentence = `connection pool: ${numbers}`;
  if (failed) {
    const holder = connectionHolder(inputs);
    const slowed = slowedPages(inputs, holder);
    const subject = slowed.length > 0 ? slowed.join(', ') : 'connection pool';
    sentence = holder ? `${subject}: waited for connections held by ${holder}: ${peak}, ${numbers}` : `${subject}: requests waited for a connection: ${peak}, ${numbers}`;
  }
  return [
    {
      ...noSubject,
      id: 'pool-waits:app',
      kind: 'pool-waits',
      status: failed ? 'fail' : 'pass',
      page: null,
      sentence,
      measured,
      baseline,
      limit: Math.max(baseline * limit.ratio, baseline + floor),
      magnitude: measured / Math.max(baseline, 1),
      costMs: Math.max(0, measured - baseline),
    },
  ];
}
