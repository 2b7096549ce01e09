import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { mergeByFingerprint } from '../collect/collect-statements.ts';
import { profileQueries } from '../collect/query-profile.ts';
import { diffStatementSnapshots, resetStatementStats, snapshotStatementStats } from '../collect/statement-snapshot.ts';
import type { Queryable } from '../db/queryable.ts';
import { pageNames } from '../scenario/check-scenario.ts';
import type { Journey, PageStep, Scenario } from '../scenario/define-scenario.ts';
import { datasetFile } from '../scenario/plan-script.ts';
import { throwIfAborted } from '../system/abort.ts';
import { StageFailure } from './stages.ts';
import type { QueryProfile } from './run-record-schema.ts';
import { replayUntil, requestPage, type DataRow } from './journey-replay.ts';

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
  signal?: AbortSignal;
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
 */
export async function probePages(options: ProbeOptions): Promise<QueryProfile[]> {
  const profiles: QueryProfile[] = [];
  for (const page of pageNames(options.scenario)) {
    throwIfAborted(options.signal);
    profiles.push(await probePage(options, page));
  }
  return profiles;
}

async function probePage(options: ProbeOptions, page: string): Promise<QueryProfile> {
  const sessions = [];
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
  const before = await resetStatementStats(options.admin, options.database);
  let answered = 0;
  let bytes = 0;
  for (const { journey, index, step, user } of sessions) {
    throwIfAborted(options.signal);
    const response = await requestPage(options.baseUrl, journey, index, user);
    if (!step.expect.includes(response.status)) continue;
    answered += 1;
    bytes += response.bytes;
  }
  const delta = diffStatementSnapshots(before, await snapshotStatementStats(options.admin, options.database));
  return profileQueries(page, answered, await mergeByFingerprint(delta.entries), bytes);
}
