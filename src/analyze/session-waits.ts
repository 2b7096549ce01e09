import type { ActivitySample, ActivitySession, RunRecord } from '../run/run-record-schema.ts';
import type { BlockingPair, LongStatement, PageWaitNumbers, PoolWaitNumbers } from './analysis.ts';
import { pagesOfQuery } from './match-queries.ts';
import { counterIncrease, poolReadings, type PoolGauges } from './pool-gauges.ts';
import type { PooledSide } from './pool-runs.ts';

/** Where statements no query profile knows are counted. */
export const OTHER_PAGE = 'other';

/** One page's share of a statement: the page's requests × its calls per request, normalized over the pages. */
interface PageShare {
  page: string;
  weight: number;
}

interface PageAccumulator {
  waitMsByType: Map<string, number>;
  waitMsByEvent: Map<string, number>;
  activeMs: number;
  lockWaitMs: number;
  idleInTransactionMs: number;
  /** Session observations of a lock wait and of idle in transaction: a wait seen once is not evidence. */
  lockWaitSamples: number;
  idleInTransactionSamples: number;
  longestIdleInTransactionMs: number | null;
  /** The statement its idle transactions last ran, fingerprint → observations. */
  idleStatements: Map<string, { query: string; id: string; count: number }>;
  /** Tables its idle transactions had written (rows they held locked), → observations. */
  idleWrites: Map<string, number>;
  longest: Map<string, LongStatement>;
}

/** One side's waits, before comparison: per page, blocking pairs, the pool. */
export interface SideWaits {
  sampled: boolean;
  intervalMs: number;
  requests: number;
  pages: Map<string, PageWaitNumbers & { requests: number; lockWaitSamples: number; idleInTransactionSamples: number; idleStatement: { query: string; id: string } | null; idleWrites: string[] }>;
  blocking: BlockingPair[];
  pool: (PoolWaitNumbers & { gauges: PoolGauges }) | null;
  /** Per statement fingerprint: sessions running it caught waiting on a lock (a statement's time may be lock waiting, not work). */
  lockWaitsByStatement: Map<string, StatementLockWaits>;
}

export interface StatementLockWaits {
  samples: number;
  /** Most seen first. */
  events: string[];
  relations: string[];
}

const isIdleInTransaction = (session: ActivitySession) => session.state.startsWith('idle in transaction');

function accumulator(): PageAccumulator {
  return {
    waitMsByType: new Map(),
    waitMsByEvent: new Map(),
    activeMs: 0,
    lockWaitMs: 0,
    idleInTransactionMs: 0,
    lockWaitSamples: 0,
    idleInTransactionSamples: 0,
    longestIdleInTransactionMs: null,
    idleStatements: new Map(),
    idleWrites: new Map(),
    longest: new Map(),
  };
}

const add = (map: Map<string, number>, key: string, value: number) => map.set(key, (map.get(key) ?? 0) + value);

/** Which pages a session's statement belongs to, from the query profiles (memoized per fingerprint). */
function pageAttributor(side: PooledSide, minSimilarity: number): (session: ActivitySession) => PageShare[] {
  const requests = new Map(side.pages.map((page) => [page.page, page.requests]));
  const known = new Map<string, PageShare[]>();
  return (session) => {
    if (!session.fingerprint || !session.query) return [{ page: OTHER_PAGE, weight: 1 }];
    const cached = known.get(session.fingerprint);
    if (cached) return cached;
    const pages = pagesOfQuery({ fingerprint: session.fingerprint, id: session.fingerprint.slice(0, 8), query: session.query }, side.profiles, minSimilarity);
    const raw = pages.map((entry) => ({ page: entry.page, weight: (requests.get(entry.page) ?? 0) * (entry.inferred ? 1 : entry.callsPerRequest) }));
    const total = raw.reduce((sum, entry) => sum + entry.weight, 0);
    const shares = raw.length === 0 ? [{ page: OTHER_PAGE, weight: 1 }] : raw.map((entry) => ({ page: entry.page, weight: total > 0 ? entry.weight / total : 1 / raw.length }));
    known.set(session.fingerprint, shares);
    return shares;
  };
}

function observe(page: PageAccumulator, session: ActivitySession, ms: number): void {
  if (isIdleInTransaction(session)) {
    page.idleInTransactionMs += ms;
    page.idleInTransactionSamples += 1;
    if (session.stateMs !== null) page.longestIdleInTransactionMs = Math.max(page.longestIdleInTransactionMs ?? 0, session.stateMs);
    if (session.fingerprint && session.query) {
      const seen = page.idleStatements.get(session.fingerprint);
      page.idleStatements.set(session.fingerprint, { query: session.query, id: session.fingerprint.slice(0, 8), count: (seen?.count ?? 0) + 1 });
    }
    for (const relation of session.writtenRelations ?? []) add(page.idleWrites, relation, 1);
    return;
  }
  if (session.state !== 'active') return;
  page.activeMs += ms;
  if (session.fingerprint && session.query && session.stateMs !== null) {
    const before = page.longest.get(session.fingerprint);
    if (!before || before.ms < session.stateMs) page.longest.set(session.fingerprint, { id: session.fingerprint.slice(0, 8), fingerprint: session.fingerprint, query: session.query, ms: session.stateMs });
  }
  if (!session.waitEvent) return;
  add(page.waitMsByType, session.waitEvent.split(':')[0]!, ms);
  add(page.waitMsByEvent, session.waitEvent, ms);
  if (session.waitEvent.startsWith('Lock:')) {
    page.lockWaitMs += ms;
    page.lockWaitSamples += 1;
  }
}

/** The session at the head of a blocking chain: follow the first blocker until one that waits on nobody (or is not in the sample). */
function rootBlocker(session: ActivitySession, byPid: ReadonlyMap<number, ActivitySession>): ActivitySession | null {
  const seen = new Set<number>([session.pid]);
  let current: ActivitySession | null = null;
  let next = session.blockedBy[0];
  while (next !== undefined && !seen.has(next)) {
    seen.add(next);
    current = byPid.get(next) ?? null;
    if (!current) return null;
    next = current.blockedBy[0];
  }
  return current;
}

interface PairAccumulator {
  pair: Pick<BlockingPair, 'blockedPages' | 'blockingPages' | 'relation'>;
  /** The holder's statements as sampled (running, or the last it ran when idle in transaction), fingerprint → observations. */
  holders: Map<string, { query: string; count: number }>;
  events: Map<string, number>;
  states: Map<string, number>;
  peak: number;
  samples: number;
}

const mostSeen = (counts: Map<string, number>) => [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([key]) => key);
const sharePages = (shares: PageShare[]) => [...shares].sort((a, b) => b.weight - a.weight || a.page.localeCompare(b.page)).map((share) => share.page);

function collectBlocking(sample: ActivitySample, attribute: (session: ActivitySession) => PageShare[], pairs: Map<string, PairAccumulator>): void {
  const sessions = sample.sessions ?? [];
  const byPid = new Map(sessions.map((session) => [session.pid, session]));
  const waitingNow = new Map<string, number>();
  for (const session of sessions) {
    if (session.blockedBy.length === 0) continue;
    const root = rootBlocker(session, byPid);
    const blockedPages = sharePages(attribute(session));
    const blockingPages = root ? sharePages(attribute(root)) : ['unknown'];
    const key = JSON.stringify([blockedPages, blockingPages, session.lockRelation]);
    let entry = pairs.get(key);
    if (!entry) {
      entry = {
        pair: { blockedPages, blockingPages, relation: session.lockRelation },
        holders: new Map(),
        events: new Map(),
        states: new Map(),
        peak: 0,
        samples: 0,
      };
      pairs.set(key, entry);
    }
    add(entry.events, session.waitEvent ?? 'unknown', 1);
    if (root) add(entry.states, root.state, 1);
    if (root?.fingerprint && root.query) entry.holders.set(root.fingerprint, { query: root.query, count: (entry.holders.get(root.fingerprint)?.count ?? 0) + 1 });
    waitingNow.set(key, (waitingNow.get(key) ?? 0) + 1);
  }
  for (const [key, count] of waitingNow) {
    const entry = pairs.get(key)!;
    entry.peak = Math.max(entry.peak, count);
    entry.samples += 1;
  }
}

/** `update t`, `insert into t`, `delete from t`, `… from t … for update`: a statement that takes row locks in `relation`. */
function locksRowsIn(query: string, relation: string): boolean {
  const table = relation.split('.').at(-1)!.replaceAll('"', '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const name = `(?:[\\w"]+\\.)?"?${table}"?\\b`;
  return new RegExp(`\\b(?:update|insert\\s+into|delete\\s+from)\\s+(?:only\\s+)?${name}`, 'i').test(query) || new RegExp(`\\bfrom\\s+${name}[\\s\\S]*\\bfor\\s+(?:no\\s+key\\s+)?(?:update|share)\\b`, 'i').test(query);
}

/**
 * The statement to name as the holder's: the sampled holder catches the
 * transaction at whatever statement it ran last (often a later one than the
 * one that took the lock), so among the statements the holding page runs
 * (sampled or profiled) the one that locks rows in the waited-on table wins;
 * else the holder's statement seen most.
 */
function holdingStatement(entry: PairAccumulator, side: PooledSide): { fingerprint: string; query: string } | null {
  const seen = [...entry.holders.entries()].sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0])).map(([fingerprint, { query }]) => ({ fingerprint, query }));
  const relation = entry.pair.relation;
  if (relation) {
    const profiled = side.profiles.filter((profile) => entry.pair.blockingPages.includes(profile.page)).flatMap((profile) => profile.statements);
    const locking = [...seen, ...profiled].find((statement) => locksRowsIn(statement.query, relation));
    if (locking) return { fingerprint: locking.fingerprint, query: locking.query };
  }
  return seen[0] ?? null;
}

/**
 * ms requests waited for a connection in one run: the wait-seconds counter's
 * increase when the app has one (it counts every wait), else the waiting
 * gauge × the scrape interval (Little's law; waits shorter than a scrape are
 * seen only by chance). null when it has neither.
 */
function poolWaitMs(run: ReturnType<typeof poolReadings>): number | null {
  if (run.gauges.waitSeconds !== null) {
    const counted = run.readings.flatMap((reading) => (reading.waitSeconds === null ? [] : [reading.waitSeconds]));
    if (counted.length > 0) return counterIncrease(counted) * 1000;
  }
  if (run.gauges.waiting === null) return null;
  return run.readings.reduce((total, reading) => total + (reading.waiting ?? 0) * run.intervalMs, 0);
}

function poolNumbers(runs: readonly RunRecord[], requests: number): SideWaits['pool'] {
  const perRun = runs.map(poolReadings);
  const gauges = perRun.find((entry) => entry.gauges.waiting !== null || entry.gauges.inUse !== null || entry.gauges.waitSeconds !== null)?.gauges;
  if (!gauges) return null;
  const values = (pick: 'waiting' | 'inUse' | 'size') => perRun.flatMap((entry) => entry.readings.flatMap((reading) => (reading[pick] === null ? [] : [reading[pick]!])));
  const waiting = values('waiting');
  const inUse = values('inUse');
  const size = values('size');
  const waitMs = perRun.map(poolWaitMs);
  const waitingSeconds = perRun.reduce((sum, entry) => sum + (entry.readings.filter((reading) => (reading.waiting ?? 0) > 0).length * entry.intervalMs) / 1000, 0);
  const hasWaiting = waiting.length > 0;
  const hasWaitMs = waitMs.some((ms) => ms !== null);
  return {
    gauges,
    peakWaiting: hasWaiting ? Math.max(...waiting) : null,
    meanWaiting: hasWaiting ? waiting.reduce((sum, value) => sum + value, 0) / waiting.length : null,
    secondsWaiting: hasWaiting ? waitingSeconds : null,
    waitMsPerRequest: hasWaitMs && requests > 0 ? waitMs.reduce<number>((sum, ms) => sum + (ms ?? 0), 0) / requests : null,
    peakInUse: inUse.length > 0 ? Math.max(...inUse) : null,
    size: size.length > 0 ? Math.max(...size) : null,
  };
}

function pageNumbers(entry: PageAccumulator, requests: number, isOther: boolean) {
  const perRequest = (ms: number) => (isOther || requests === 0 ? null : ms / requests);
  const seconds = (map: Map<string, number>) => Object.fromEntries([...map.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([key, ms]) => [key, ms / 1000]));
  const idleStatement = [...entry.idleStatements.values()].sort((a, b) => b.count - a.count || a.id.localeCompare(b.id))[0];
  return {
    requests,
    waitSecondsByType: seconds(entry.waitMsByType),
    waitSecondsByEvent: seconds(entry.waitMsByEvent),
    activeSeconds: entry.activeMs / 1000,
    lockWaitMsPerRequest: perRequest(entry.lockWaitMs),
    idleInTransactionSeconds: entry.idleInTransactionMs / 1000,
    idleInTransactionMsPerRequest: perRequest(entry.idleInTransactionMs),
    longestIdleInTransactionMs: entry.longestIdleInTransactionMs,
    longestStatements: [...entry.longest.values()].sort((a, b) => b.ms - a.ms || a.id.localeCompare(b.id)).slice(0, 3),
    lockWaitSamples: entry.lockWaitSamples,
    idleInTransactionSamples: entry.idleInTransactionSamples,
    idleStatement: idleStatement ? { query: idleStatement.query, id: idleStatement.id } : null,
    idleWrites: mostSeen(entry.idleWrites).slice(0, 3),
  };
}

/**
 * One side's waits from its pg_stat_activity samples: every non-idle session
 * seen counts one sampling interval of session time to the page(s) whose
 * statement it ran (split by each page's share of that statement's calls;
 * `other` when no query profile knows it): as a wait of its event's type
 * when active and waiting, as idle in transaction when its transaction sat
 * open between statements. Sessions waiting on a lock are paired with the
 * session at the head of their blocking chain. The app's pool metrics, when
 * it exposes them, give the time requests waited for a connection (its
 * wait-seconds counter if it has one, else its waiting gauge).
 */
export function summarizeSideWaits(side: PooledSide, minSimilarity: number): SideWaits {
  const attribute = pageAttributor(side, minSimilarity);
  const sampled = side.runs.some((run) => run.activity.samples.some((sample) => sample.sessions !== undefined));
  const accumulators = new Map<string, PageAccumulator>(side.pages.map((page) => [page.page, accumulator()]));
  const pairs = new Map<string, PairAccumulator>();
  const statementLocks = new Map<string, { samples: number; events: Map<string, number>; relations: Map<string, number> }>();
  for (const run of side.runs) {
    const ms = run.activity.intervalMs;
    for (const sample of run.activity.samples) {
      for (const session of sample.sessions ?? []) {
        if (session.state === 'active' && session.fingerprint && session.waitEvent?.startsWith('Lock:')) {
          const entry = statementLocks.get(session.fingerprint) ?? { samples: 0, events: new Map(), relations: new Map() };
          entry.samples += 1;
          add(entry.events, session.waitEvent, 1);
          if (session.lockRelation) add(entry.relations, session.lockRelation, 1);
          statementLocks.set(session.fingerprint, entry);
        }
        for (const share of attribute(session)) {
          if (!accumulators.has(share.page)) accumulators.set(share.page, accumulator());
          observe(accumulators.get(share.page)!, session, ms * share.weight);
        }
      }
      collectBlocking(sample, attribute, pairs);
    }
  }
  const requests = new Map(side.pages.map((page) => [page.page, page.requests]));
  const pages = new Map([...accumulators.entries()].map(([page, entry]) => [page, pageNumbers(entry, requests.get(page) ?? 0, page === OTHER_PAGE)]));
  const intervalMs = side.runs[0]?.activity.intervalMs ?? 0;
  const blocking = [...pairs.values()]
    .map((entry): BlockingPair => {
      const holding = holdingStatement(entry, side);
      return {
        ...entry.pair,
        blockingQuery: holding?.query ?? null,
        blockingId: holding?.fingerprint.slice(0, 8) ?? null,
        blockingFingerprint: holding?.fingerprint ?? null,
        waitEvents: mostSeen(entry.events),
        blockingState: mostSeen(entry.states)[0] ?? null,
        peakWaiting: entry.peak,
        secondsSeen: (entry.samples * intervalMs) / 1000,
      };
    })
    .sort((a, b) => b.peakWaiting - a.peakWaiting || b.secondsSeen - a.secondsSeen || a.blockedPages.join().localeCompare(b.blockedPages.join()));
  const lockWaitsByStatement = new Map([...statementLocks.entries()].map(([fingerprint, entry]) => [fingerprint, { samples: entry.samples, events: mostSeen(entry.events), relations: mostSeen(entry.relations) }]));
  return { sampled, intervalMs, requests: side.requests, pages, blocking, pool: poolNumbers(side.runs, side.requests), lockWaitsByStatement };
}
