import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { connectCacheServer, type CacheServerConnection } from '../cache-server/cache-server-connection.ts';
import { cacheActivityBetween, totalCommands, type CacheActivity } from '../cache-server/redis-info.ts';
import { median } from '../analyze/statistics.ts';
import { mergeByFingerprint } from '../collect/collect-statements.ts';
import { profileQueries } from '../collect/query-profile.ts';
import { diffStatementSnapshots, resetStatementStats, snapshotStatementStats } from '../collect/statement-snapshot.ts';
import type { Queryable } from '../db/queryable.ts';
import { pageNames } from '../scenario/check-scenario.ts';
import type { Journey, PageStep, Scenario } from '../scenario/define-scenario.ts';
import { datasetFile } from '../scenario/plan-script.ts';
import { throwIfAborted } from '../system/abort.ts';
import { canReadProcessCpu, readTreeRunTimeMs } from '../system/process-cpu.ts';
import { StageFailure } from './stages.ts';
import type { QueryProfile } from './run-record-schema.ts';
import { replayUntil, requestPage, type DataRow, type VirtualUser } from './journey-replay.ts';

export interface ProbeOptions {
  scenario: Scenario;
  baseUrl: string;
  /** Where the scenario's test data was exported. */
  dataDir: string;
  /** Any connection to the server, and the run database's name. */
  admin: Queryable;
  database: string;
  /** Requests per page; each from its own user. Default 10. */
  requests?: number;
  /** The app's process when rehearse started it: its whole tree's CPU is measured per page. */
  appPid?: number;
  /** The cache server the app uses: its commands per request are counted per page too. */
  cacheServerUrl?: string;
  signal?: AbortSignal;
}

/**
 * How the CPU measurement of a page goes on: the users' requests are repeated, round by round, in
 * `blocks` blocks of at least `minRequestsPerBlock` requests and `minMsPerBlock` of wall time each
 * (a few milliseconds per request would otherwise be lost in the app's timers), never past
 * `maxRequests` in all. The page's figure is the median of the blocks' CPU per request: a GC pause
 * or a burst of the app's own timers lands in one block and moves the median little (a mean over
 * all of them once read a 2.6 ms page as 4.7 ms in an unchanged release).
 */
const CPU_MEASUREMENT = { blocks: 5, minRequestsPerBlock: 10, minMsPerBlock: 50, maxRequests: 250 };

/** One probe user, brought to the page: the journey, the page's step in it, and the user's cookies and captures. */
interface ProbeSession {
  journey: Journey;
  index: number;
  step: PageStep;
  user: VirtualUser;
}

/** Every journey that visits the page (parents and teachers alike), with the page's first step in it. */
function journeysFor(scenario: Scenario, page: string): { journey: Journey; index: number; step: PageStep }[] {
  return Object.values(scenario.journeys).flatMap((journey) => {
    const index = journey.steps.findIndex((candidate) => candidate.kind === 'page' && candidate.name === page);
    return index < 0 ? [] : [{ journey, index, step: journey.steps[index] as PageStep }];
  });
}

/**
 * Each page's database cost, measured alone: for `requests` users of every
 * journey that visits the page, every page before it in the journey is
 * replayed first (signing in, capturing what later pages need), then pg_stat_statements is reset for the run
 * database and each user requests the page once, one at a time. The users are taken from the end of the
 * dataset, which the load (row n for VU n) is least likely to have touched,
 * so caches warmed by the load do not hide a per-user cost. The body bytes
 * of those answers are counted too: k6 counts bytes per iteration, not per page.
 *
 * When rehearse started the app, the same users then request the page again,
 * round robin, in blocks whose median CPU time per request is the page's
 * figure (CPU_MEASUREMENT). The database counters stay those of the first round: a
 * repeated request finds caches the first one filled (a posts cache keyed by
 * user misses once per user), so only each user's first request says what a
 * request costs the database. With a cache server, INFO before and after that
 * first round gives the page's cache commands per request the same way.
 */
export async function probePages(options: ProbeOptions): Promise<QueryProfile[]> {
  const cache = options.cacheServerUrl ? await connectCacheServer(options.cacheServerUrl) : undefined;
  try {
    const profiles: QueryProfile[] = [];
    for (const page of pageNames(options.scenario)) {
      throwIfAborted(options.signal);
      profiles.push(await probePage(options, page, cache));
    }
    return profiles;
  } finally {
    cache?.close();
  }
}

async function probePage(options: ProbeOptions, page: string, cache: CacheServerConnection | undefined): Promise<QueryProfile> {
  const sessions = await probeSessions(options, page);
  const appPid = canReadProcessCpu() ? options.appPid : undefined;
  const before = await resetStatementStats(options.admin, options.database);
  const cacheBefore = await cache?.readInfo();
  const first = await requestRound(options, sessions);
  const cacheAfter = await cache?.readInfo();
  const delta = diffStatementSnapshots(before, await snapshotStatementStats(options.admin, options.database));
  const profile = { ...profileQueries(page, first.answered, await mergeByFingerprint(delta.entries), first.bytes), ...(cacheBefore && cacheAfter ? cacheProfile(cacheActivityBetween(cacheBefore.info, cacheAfter.info), first.answered) : {}) };
  if (appPid === undefined) return { ...profile, appCpuMsPerRequest: null };
  return { ...profile, appCpuMsPerRequest: await measureCpuPerRequest(options, sessions, appPid) };
}

/** A page's cache server commands per request, by command and together, and the lookups that missed. */
function cacheProfile(activity: CacheActivity, requests: number): Pick<QueryProfile, 'cacheCommands' | 'cacheCommandsPerRequest' | 'cacheMissesPerRequest'> {
  const per = (count: number) => (requests === 0 ? 0 : count / requests);
  return {
    cacheCommands: Object.fromEntries(Object.entries(activity.commands).map(([command, calls]) => [command, per(calls)])),
    cacheCommandsPerRequest: per(totalCommands(activity)),
    cacheMissesPerRequest: per(activity.misses),
  };
}

/** The probe's users of the page, each signed in and brought to it by replaying the steps before it. */
async function probeSessions(options: ProbeOptions, page: string): Promise<ProbeSession[]> {
  const sessions: ProbeSession[] = [];
  for (const { journey, index, step } of journeysFor(options.scenario, page)) {
    const rows = JSON.parse(await readFile(path.join(options.dataDir, datasetFile(journey.data)), 'utf8')) as DataRow[];
    const users = rows.slice(-Math.min(options.requests ?? 10, rows.length));
    let failure: unknown;
    for (const row of users) {
      // A user the app did not let through (one earlier page answered 500) is skipped like an
      // unexpected answer below: the load's error rates say it, the other users are still measured.
      const user = await replayUntil(options.baseUrl, journey, index, row).catch((error: unknown) => void (failure = error));
      if (user) sessions.push({ journey, index, step, user });
    }
    // No user at all is not one bad answer: the app does not let this journey get to the page.
    if (failure !== undefined && !sessions.some((session) => session.journey === journey)) {
      throw new StageFailure('probe', `${page}: no probe user got to the page: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
  }
  return sessions;
}

/**
 * The app's CPU milliseconds per request of the page: the median over CPU_MEASUREMENT's blocks of
 * the same users' rounds, each block's CPU (the app's whole process tree) over its expected
 * answers; null when no block got one.
 */
async function measureCpuPerRequest(options: ProbeOptions, sessions: readonly ProbeSession[], appPid: number): Promise<number | null> {
  const minRequests = Math.max(Math.ceil((options.requests ?? 10) / CPU_MEASUREMENT.blocks), CPU_MEASUREMENT.minRequestsPerBlock);
  const perBlock: number[] = [];
  let requested = 0;
  const room = () => sessions.length > 0 && requested + sessions.length <= CPU_MEASUREMENT.maxRequests;
  for (let block = 0; block < CPU_MEASUREMENT.blocks && room(); block++) {
    const cpuBefore = await readTreeRunTimeMs([appPid]);
    const started = performance.now();
    let inBlock = 0;
    let answered = 0;
    while (room() && (inBlock < minRequests || performance.now() - started < CPU_MEASUREMENT.minMsPerBlock)) {
      answered += (await requestRound(options, sessions)).answered;
      inBlock += sessions.length;
      requested += sessions.length;
    }
    const cpuMs = (await readTreeRunTimeMs([appPid])) - cpuBefore;
    if (answered > 0) perBlock.push(cpuMs / answered);
  }
  return perBlock.length === 0 ? null : median(perBlock);
}

/** Each user requests the page once, one at a time: how many got an expected answer, and its body bytes. */
async function requestRound(options: ProbeOptions, sessions: readonly ProbeSession[]): Promise<{ answered: number; bytes: number }> {
  let answered = 0;
  let bytes = 0;
  for (const { journey, index, step, user } of sessions) {
    throwIfAborted(options.signal);
    const response = await requestPage(options.baseUrl, journey, index, user);
    if (!step.expect.includes(response.status)) continue;
    answered += 1;
    bytes += response.bytes;
  }
  return { answered, bytes };
}
