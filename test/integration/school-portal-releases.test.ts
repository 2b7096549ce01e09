import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import repositoryConfig from '../../rehearse.config.ts';
import { bookingsQuery } from '../../fixtures/school-portal/app/data/bookings.ts';
import { PINNED_POSTS_LIMIT, PINNED_POSTS_QUERY } from '../../fixtures/school-portal/app/data/pinned-posts.ts';
import { POSTS_PAGE_SIZE } from '../../fixtures/school-portal/app/data/posts-feed.ts';
import type { ReleaseName } from '../../fixtures/school-portal/app/releases.ts';
import { startPortalProcess } from '../support/school-portal-app.ts';
import { jsonPage, logIn } from '../support/school-portal-client.ts';
import { PORTAL_TEST_DATA as DATA } from '../support/school-portal-data.ts';
import { startPortalDatabaseServer, withClient, type PortalDatabase, type PortalDatabaseServer } from '../support/school-portal-database.ts';
import {
  planOutline,
  planScans,
  resetStatistics,
  rowsRead,
  statementTotals,
  waitForAppDisconnect,
  waitForBlockedQueries,
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

function rowsOf(statements: StatementTotals, fragment: string): number {
  return [...statements.rowsByQuery].filter(([query]) => query.includes(fragment)).reduce((sum, [, rows]) => sum + rows, 0);
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

  it('bookings-costly-render: more computation in the app only, the same queries and the same page', async () => {
    const release = await rehearse('bookings-costly-render', MY_BOOKINGS);
    expect(release.queriesPerRequest()).toBe(baseline.queriesPerRequest());
    expect(release.rowsReadPerRequest('appointments')).toBe(baseline.rowsReadPerRequest('appointments'));
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

describe('harmless My Bookings releases', () => {
  let baseline: Rehearsal;
  beforeAll(async () => {
    baseline = await rehearse('baseline', MY_BOOKINGS);
  });

  it('bookings-read-transaction: the same reads between BEGIN READ ONLY and COMMIT, the same pages', async () => {
    const release = await rehearse('bookings-read-transaction', MY_BOOKINGS);
    expect(callsOf(release.statements, 'begin read only')).toBe(release.requests);
    expect(release.queriesPerRequest()).toBe(baseline.queriesPerRequest() + 2); // BEGIN and COMMIT around the same queries
    expect(release.rowsReadPerRequest('appointments')).toBe(baseline.rowsReadPerRequest('appointments'));
    expect(release.pages).toEqual(baseline.pages);
  });

  it('bookings-query-rewritten: a CTE with its joins reordered, planned exactly as the baseline query', async () => {
    const release = await rehearse('bookings-query-rewritten', MY_BOOKINGS);
    const teacher = [DATA.busyTeacher.id, DATA.northfield.tonightEveningId];
    const parent = [DATA.twoSchoolParent.id, DATA.riverside.tonightEveningId];
    expect(await planOutline(release.database.url, bookingsQuery('teacher', 'cte'), teacher)).toEqual(await planOutline(release.database.url, bookingsQuery('teacher'), teacher));
    expect(await planOutline(release.database.url, bookingsQuery('parent', 'cte'), parent)).toEqual(await planOutline(release.database.url, bookingsQuery('parent'), parent));
    expect(callsOf(release.statements, 'with my_appointments')).toBe(release.requests);
    expect(release.queriesPerRequest()).toBe(baseline.queriesPerRequest());
    expect(release.rowsReadPerRequest('appointments')).toBe(baseline.rowsReadPerRequest('appointments'));
    expect(release.pages).toEqual(baseline.pages);
  });
});

describe('posts feed releases that read more', () => {
  it('posts-feed-no-limit: the feed query returns every post of the school instead of a page, for the same page', async () => {
    const uncached: Workload = { emails: [DATA.northfieldParent.email], path: '/posts', times: 5, tables: [], env: { POSTS_CACHE_TTL_MS: '0' } };
    const baseline = await rehearse('baseline', uncached);
    const release = await rehearse('posts-feed-no-limit', uncached);
    const feed = 'join post_recipients';
    expect(rowsOf(baseline.statements, feed) / callsOf(baseline.statements, feed)).toBe(POSTS_PAGE_SIZE);
    expect(rowsOf(release.statements, feed) / callsOf(release.statements, feed)).toBe(DATA.northfield.postCount);
    expect(release.pages).toEqual(baseline.pages);
  });

  it('posts-json-filter: every request filters posts on an unindexed jsonb attribute, a Seq Scan of posts', async () => {
    const burst: Workload = { emails: DATA.northfieldParentEmails.slice(0, 5), path: '/posts', times: 2, tables: ['posts'] };
    const baseline = await rehearse('baseline', burst);
    const release = await rehearse('posts-json-filter', burst);
    const scans = await planScans(release.database.url, PINNED_POSTS_QUERY, [[DATA.northfield.schoolId], PINNED_POSTS_LIMIT]);
    expect(scans).toContain('Seq Scan on posts');
    // Not cached: one pinned-posts query per request, each reading the whole posts table (520 posts).
    expect(callsOf(release.statements, '(attributes ->>')).toBe(release.requests);
    expect(release.rowsReadPerRequest('posts') - baseline.rowsReadPerRequest('posts')).toBeGreaterThanOrEqual(520);
    // The migration pinned every fiftieth post: Northfield's 50, 100 … 400, the newest five shown.
    const first = release.pages[0] as { pinned: Array<{ id: string }>; posts: unknown[] };
    expect(first.pinned.map((post) => post.id)).toEqual(['400', '350', '300', '250', '200']);
    expect(release.pages.map((page) => (page as { posts: unknown[] }).posts)).toEqual(baseline.pages.map((page) => (page as { posts: unknown[] }).posts));
  });
});

describe('sign-in and pool releases', () => {
  const admin = () => databases.server.admin;

  it("login-hot-row: every sign-in attempt counts on the day's row first and holds it through the password check, so sign-ins queue on its lock", async () => {
    const database = await databases.copy(`login_hot_row_${(copies += 1)}`);
    const app = await startPortalProcess({ databaseUrl: database.url, release: 'login-hot-row' });
    const [first, ...concurrent] = DATA.northfieldParentEmails.slice(0, 4);
    try {
      await logIn(app.url, first!); // creates today's row
      // A sign-in still committing holds the row: the ones behind it wait for its transaction.
      await withClient(database.url, async (holder) => {
        await holder.query('begin');
        await holder.query('update login_counters set attempts = attempts + 1 where day = current_date');
        const signIns = Promise.all(concurrent.map((email) => logIn(app.url, email)));
        await waitForBlockedQueries(admin(), database.name, concurrent.length);
        const { rows } = await admin().query<{ wait: string; query: string }>(
          `select wait_event_type || ':' || wait_event as wait, query from pg_stat_activity
           where datname = $1 and application_name = 'school-portal' and wait_event_type = 'Lock'`,
          [database.name],
        );
        expect(rows.map((row) => row.wait)).toContain('Lock:transactionid');
        expect(rows.every((row) => ['Lock:transactionid', 'Lock:tuple'].includes(row.wait) && row.query.includes('login_counters'))).toBe(true);
        await holder.query('commit');
        await signIns;
      });
      const counted = await withClient(database.url, (client) => client.query<{ attempts: string }>('select attempts from login_counters where day = current_date'));
      expect(Number(counted.rows[0]?.attempts)).toBe(1 + 1 + concurrent.length);
      // The row is held through the hash: the sign-in's transaction is idle after counting, while scrypt runs.
      expect(await idleInTransactionDuringSignIn('login-hot-row')).toBeGreaterThan(0);
    } finally {
      await app.stop();
    }
  });

  /** Whether the app's connection was seen idle in transaction while one sign-in ran (polled until it answered). */
  async function idleInTransactionDuringSignIn(release: ReleaseName): Promise<number> {
    const database = await databases.copy(`${release.replace(/-/g, '_')}_${(copies += 1)}`);
    const app = await startPortalProcess({ databaseUrl: database.url, release });
    let seen = 0;
    try {
      for (const email of DATA.northfieldParentEmails.slice(0, 3)) {
        let done = false;
        const signIn = logIn(app.url, email).finally(() => (done = true));
        for (let poll = 0; poll < 2_000 && !done; poll += 1) {
          const { rows } = await admin().query<{ count: string }>(
            `select count(*) from pg_stat_activity where datname = $1 and application_name = 'school-portal' and state = 'idle in transaction'`,
            [database.name],
          );
          seen += Number(rows[0]?.count);
        }
        await signIn;
      }
    } finally {
      await app.stop();
    }
    return seen;
  }

  it('login-transaction-across-hash: the connection idles in transaction while the password is verified', async () => {
    expect(await idleInTransactionDuringSignIn('baseline')).toBe(0);
    expect(await idleInTransactionDuringSignIn('login-transaction-across-hash')).toBeGreaterThan(0);
  });

  it('pool-too-small: each request holds a connection until its response; with the config’s POOL_SIZE=1, concurrent requests wait for one', async () => {
    const env = repositoryConfig.releases?.['pool-too-small']?.env ?? {};
    expect(env).toMatchObject({ POOL_SIZE: '1' });
    const database = await databases.copy(`pool_too_small_${(copies += 1)}`);
    const app = await startPortalProcess({ databaseUrl: database.url, release: 'pool-too-small', env });
    try {
      const session = await logIn(app.url, DATA.busyTeacher.email);
      let settled = false;
      const requests = Promise.all(Array.from({ length: 30 }, () => session.get('/bookings', { json: true }).then(jsonPage))).finally(() => (settled = true));
      const gauges: string[] = [];
      for (let scrape = 0; scrape < 50 && !settled; scrape += 1) gauges.push(await (await fetch(`${app.url}/metrics`)).text());
      await requests;
      expect(gauges.map((text) => metricValue(text, 'portal_db_pool_size'))).toContain(1);
      expect(Math.max(...gauges.map((text) => metricValue(text, 'portal_db_pool_waiting')))).toBeGreaterThan(0);
      const after = await (await fetch(`${app.url}/metrics`)).text();
      expect(metricValue(after, 'portal_db_pool_wait_seconds_total')).toBeGreaterThan(0);
    } finally {
      await app.stop();
    }
  });
});
