import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bookingsQuery } from '../../fixtures/school-portal/app/data/bookings.ts';
import type { ReleaseName } from '../../fixtures/school-portal/app/releases.ts';
import { startPortalProcess } from '../support/school-portal-app.ts';
import { jsonPage, logIn } from '../support/school-portal-client.ts';
import { PORTAL_TEST_DATA as DATA } from '../support/school-portal-data.ts';
import { startPortalDatabaseServer, type PortalDatabase, type PortalDatabaseServer } from '../support/school-portal-database.ts';
import {
  planScans,
  resetStatistics,
  rowsRead,
  statementTotals,
  waitForAppDisconnect,
  type StatementTotals,
} from '../support/school-portal-statistics.ts';

/** A fixed workload: each user signs in, then requests `path` `times` times, one request at a time. */
interface Workload {
  emails: readonly string[];
  path: string;
  times: number;
  /** Tables whose rows read are counted. */
  tables: readonly string[];
  env?: Record<string, string>;
}

/** What the database did for the workload, from pg_stat_statements and the table counters. */
interface Rehearsal {
  database: PortalDatabase;
  requests: number;
  statements: StatementTotals;
  rowsRead: Record<string, number>;
  metrics: string;
  pages: unknown[];
  queriesPerRequest(): number;
  rowsReadPerRequest(table: string): number;
}

let databases: PortalDatabaseServer;

beforeAll(async () => {
  databases = await startPortalDatabaseServer();
});

afterAll(async () => {
  await databases?.stop();
});

let copies = 0;

/**
 * Runs the workload against a fresh copy of the data with the release's app.
 * Statistics are reset after sign-in, so they hold the page requests only; the
 * app is stopped before table counters are read, because backends publish them
 * for certain only when they exit.
 */
async function rehearse(release: ReleaseName, workload: Workload): Promise<Rehearsal> {
  const admin = databases.server.admin;
  const database = await databases.copy(`${release}_${(copies += 1)}`);
  const app = await startPortalProcess({ databaseUrl: database.url, release, env: workload.env });
  const pages: unknown[] = [];
  let statements: StatementTotals;
  let metrics: string;
  try {
    const sessions = [];
    for (const email of workload.emails) sessions.push(await logIn(app.url, email));
    await resetStatistics(admin, database.url);
    for (const session of sessions) {
      for (let request = 0; request < workload.times; request += 1) pages.push(await jsonPage(await session.get(workload.path, { json: true })));
    }
    statements = await statementTotals(admin, database.name);
    metrics = await (await fetch(`${app.url}/metrics`)).text();
  } finally {
    await app.stop();
  }
  await waitForAppDisconnect(admin, database.name);
  const reads: Record<string, number> = {};
  for (const table of workload.tables) reads[table] = await rowsRead(database.url, table);
  const requests = pages.length;
  return {
    database,
    requests,
    statements,
    rowsRead: reads,
    metrics,
    pages,
    queriesPerRequest: () => statements.calls / requests,
    rowsReadPerRequest: (table) => (reads[table] ?? 0) / requests,
  };
}

function metricValue(metrics: string, name: string): number {
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics);
  if (!match?.[1]) throw new Error(`metric ${name} not found`);
  return Number(match[1]);
}

function cacheHitRate(metrics: string): number {
  const hits = metricValue(metrics, 'portal_posts_cache_hits_total');
  const misses = metricValue(metrics, 'portal_posts_cache_misses_total');
  return hits / (hits + misses);
}

function callsOf(statements: StatementTotals, fragment: string): number {
  return [...statements.callsByQuery].filter(([query]) => query.includes(fragment)).reduce((sum, [, calls]) => sum + calls, 0);
}

const MY_BOOKINGS: Workload = { emails: [DATA.busyTeacher.email], path: '/bookings', times: 10, tables: ['appointments'] };

describe('My Bookings releases', () => {
  let baseline: Rehearsal;
  beforeAll(async () => {
    baseline = await rehearse('baseline', MY_BOOKINGS);
  });

  it('baseline: a few queries per request, and the index finds only the teacher’s rows', async () => {
    expect(baseline.queriesPerRequest()).toBe(3); // session, tonight's evening, the bookings
    // The planner reads a few rows of its own (probing index bounds), hence not exactly 30.
    expect(baseline.rowsReadPerRequest('appointments')).toBeGreaterThanOrEqual(DATA.appointmentsPerTeacherTonight);
    expect(baseline.rowsReadPerRequest('appointments')).toBeLessThan(2 * DATA.appointmentsPerTeacherTonight);
    const scans = await planScans(baseline.database.url, bookingsQuery('teacher'), [DATA.busyTeacher.id, DATA.northfield.tonightEveningId]);
    expect(scans.join('\n')).toMatch(/Scan (on appointments )?using appointments_teacher_id_evening_id_idx/);
    expect(scans).not.toContain('Seq Scan on appointments');
  });

  it('bookings-n-plus-one (SchoolCloud): ten times the queries per request, for the same page', async () => {
    const release = await rehearse('bookings-n-plus-one', MY_BOOKINGS);
    expect(release.queriesPerRequest()).toBeGreaterThanOrEqual(10 * baseline.queriesPerRequest());
    expect(release.queriesPerRequest()).toBe(3 + 2 * DATA.appointmentsPerTeacherTonight);
    expect(callsOf(release.statements, 'from students where id = $1')).toBe(release.requests * DATA.appointmentsPerTeacherTonight);
    expect(release.pages).toEqual(baseline.pages);
  });

  it('drop-bookings-index: the release migration drops the index, so My Bookings scans appointments', async () => {
    const release = await rehearse('drop-bookings-index', MY_BOOKINGS);
    const scans = await planScans(release.database.url, bookingsQuery('teacher'), [DATA.busyTeacher.id, DATA.northfield.tonightEveningId]);
    expect(scans).toContain('Seq Scan on appointments');
    expect(scans.join('\n')).not.toContain('appointments_teacher_id_evening_id_idx');
    expect(release.rowsReadPerRequest('appointments')).toBeGreaterThanOrEqual(10 * baseline.rowsReadPerRequest('appointments'));
    expect(release.queriesPerRequest()).toBe(baseline.queriesPerRequest());
    expect(release.pages).toEqual(baseline.pages);
  });
});

describe('posts feed releases', () => {
  it('posts-cache-per-user (ParentSquare): the hit rate collapses and every user costs a query', async () => {
    const burst: Workload = { emails: DATA.northfieldParentEmails, path: '/posts', times: 1, tables: [] };
    const baseline = await rehearse('baseline', burst);
    const release = await rehearse('posts-cache-per-user', burst);
    expect(cacheHitRate(baseline.metrics)).toBeCloseTo(19 / 20);
    expect(cacheHitRate(release.metrics)).toBe(0);
    expect(callsOf(baseline.statements, 'join post_recipients')).toBe(1);
    expect(callsOf(release.statements, 'join post_recipients')).toBe(DATA.northfieldParentEmails.length);
    expect(release.pages).toEqual(baseline.pages);
  });

  it('recipients-unbounded (Parade): one changed query reads ten times the recipient rows per request', async () => {
    // Without the cache every request runs the feed query, so rows per request are the query's own.
    const uncached: Workload = { emails: [DATA.northfieldParent.email], path: '/posts', times: 10, tables: ['post_recipients'], env: { POSTS_CACHE_TTL_MS: '0' } };
    const baseline = await rehearse('baseline', uncached);
    const release = await rehearse('recipients-unbounded', uncached);
    const pagePosts = 20;
    expect(baseline.rowsReadPerRequest('post_recipients')).toBeGreaterThanOrEqual(pagePosts * DATA.northfield.recipientsPerPost);
    expect(baseline.rowsReadPerRequest('post_recipients')).toBeLessThan(2 * pagePosts * DATA.northfield.recipientsPerPost);
    expect(release.rowsReadPerRequest('post_recipients')).toBeGreaterThanOrEqual(10 * baseline.rowsReadPerRequest('post_recipients'));
    expect(release.statements.sharedBlocks).toBeGreaterThan(baseline.statements.sharedBlocks);
    expect(release.queriesPerRequest()).toBe(baseline.queriesPerRequest());
    expect(release.pages).toEqual(baseline.pages);
  });
});
