import type { BlockingPair, PageWaitNumbers, PageWaits, PoolWaits, WaitsSummary } from '../analyze/analysis.ts';
import { formatCount, formatMs, shortQuery } from '../analyze/format-number.ts';

/** Cell texts of the Waits section, shared by the Markdown and HTML reports. */

/** `Lock 12 s, IO 0.4 s` (session-seconds by wait type, most first). */
export function waitTypesText(page: PageWaitNumbers): string {
  const entries = Object.entries(page.waitSecondsByType);
  return entries.length === 0 ? '—' : entries.map(([type, seconds]) => `${type} ${formatCount(seconds)} s`).join(', ');
}

const perRequest = (value: number | null, before: number | null | undefined) => {
  if (value === null) return '—';
  return before === null || before === undefined ? formatMs(value) : `${formatMs(value)} (was ${formatMs(before)})`;
};

export function lockWaitText(page: PageWaits): string {
  return perRequest(page.lockWaitMsPerRequest, page.baseline?.lockWaitMsPerRequest);
}

export function idleInTransactionText(page: PageWaits): string {
  return perRequest(page.idleInTransactionMsPerRequest, page.baseline?.idleInTransactionMsPerRequest);
}

export function longestIdleText(page: PageWaits): string {
  return page.longestIdleInTransactionMs === null ? '—' : formatMs(page.longestIdleInTransactionMs);
}

export function longestStatementText(page: PageWaits, length = 60): string {
  const statement = page.longestStatements[0];
  return statement ? `${formatMs(statement.ms)} ${shortQuery(statement.query, length)}` : '—';
}

export function lockOfPair(pair: BlockingPair): string {
  return `${pair.waitEvents.join(', ')}${pair.relation ? ` on ${pair.relation}` : ''}`;
}

export function holderStateText(pair: BlockingPair): string {
  return pair.blockingState ?? 'not sampled';
}

/** `9 waiting at peak (mean 4.2), 12 s with any waiting, 85 ms per request (was 0.00 ms); 10 of 10 in use at peak`. */
export function poolText(pool: PoolWaits): string {
  const waiting =
    pool.waitMsPerRequest === null
      ? 'no waiting gauge'
      : `${formatCount(pool.peakWaiting ?? 0)} waiting at peak (mean ${formatCount(pool.meanWaiting ?? 0)}), ${formatCount(pool.secondsWaiting ?? 0)} s with any waiting, ${perRequest(pool.waitMsPerRequest, pool.baseline?.waitMsPerRequest)} waiting per request`;
  const inUse = pool.peakInUse === null ? '' : `; ${formatCount(pool.peakInUse)}${pool.size === null ? '' : ` of ${formatCount(pool.size)}`} in use at peak`;
  return `${waiting}${inUse}`;
}

export function poolGaugesText(pool: PoolWaits): string {
  return Object.entries(pool.gauges)
    .filter(([, name]) => name !== null)
    .map(([role, name]) => `${role} \`${name}\``)
    .join(', ');
}

/** Whether the Waits section has anything to show. */
export function hasWaits(waits: WaitsSummary): boolean {
  return waits.pages.length > 0 || waits.blocking.length > 0 || waits.pool !== null;
}
