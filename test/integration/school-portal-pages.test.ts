import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ForeignMigrationError, migrate } from '../../fixtures/school-portal/app/migrate.ts';
import type { Booking } from '../../fixtures/school-portal/app/data/bookings.ts';
import { withDatabase } from '../../src/db/connection-url.ts';
import { waitForExit, type ExitStatus } from '../../src/system/child-process.ts';
import { runPortalCommand, startPortalProcess, type PortalProcess } from '../support/school-portal-app.ts';
import { jsonPage, logIn, sessionFromCookie, type PortalSession } from '../support/school-portal-client.ts';
import { PORTAL_TEST_DATA as DATA } from '../support/school-portal-data.ts';
import { startPortalDatabaseServer, withClient, type PortalDatabase, type PortalDatabaseServer } from '../support/school-portal-database.ts';
import { waitForAppDisconnect, waitForBlockedQueries } from '../support/school-portal-statistics.ts';

interface BookingsJson {
  user: { kind: string; name: string };
  evening: { id: string; title: string } | null;
  bookings: (Omit<Booking, 'startsAt'> & { startsAt: string })[];
}

interface ExpectedBooking {
  id: string;
  counterpart: string;
  student: string;
}

let databases: PortalDatabaseServer;
let database: PortalDatabase;
let portal: PortalProcess;
let teacher: PortalSession;

beforeAll(async () => {
  databases = await startPortalDatabaseServer();
  database = await databases.copy('pages');
  portal = await startPortalProcess({ databaseUrl: database.url });
  teacher = await logIn(portal.url, DATA.busyTeacher.email);
});

afterAll(async () => {
  await portal?.stop();
  await databases?.stop();
});

/** What My Bookings must show, straight from the tables. */
async function expectedBookings(viewer: 'teacher' | 'parent', userId: string, eveningId: string): Promise<ExpectedBooking[]> {
  const counterpart = viewer === 'teacher' ? 'parents c on c.id = a.parent_id' : 'teachers c on c.id = a.teacher_id';
  return withClient(database.url, async (client) => {
    const { rows } = await client.query<ExpectedBooking>(
      `select a.id, c.first_name || ' ' || c.last_name as counterpart, s.first_name || ' ' || s.last_name as student
       from appointments a join ${counterpart} join students s on s.id = a.student_id
       where a.${viewer}_id = $1 and a.evening_id = $2 order by a.starts_at, a.id`,
      [userId, eveningId],
    );
    return rows;
  });
}

function exitWithin(child: ChildProcess, ms: number): Promise<ExitStatus | 'still running'> {
  return Promise.race([waitForExit(child), new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), ms))]);
}

function asShown(bookings: BookingsJson['bookings']): ExpectedBooking[] {
  return bookings.map((booking) => ({
    id: booking.id,
    counterpart: `${booking.counterpart.firstName} ${booking.counterpart.lastName}`,
    student: `${booking.student.firstName} ${booking.student.lastName}`,
  }));
}

describe('the school-portal process', () => {
  it('prints exactly one line, the ready line, and answers /healthz', async () => {
    expect(portal.stdout()).toMatch(/^school-portal ready on http:\/\/127\.0\.0\.1:\d+ \(release baseline\)\n$/);
    const response = await fetch(`${portal.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', release: 'baseline' });
  });

  it('records the migrations it applied, and migrating again applies nothing', async () => {
    const applied = await withClient(database.url, (client) => client.query<{ name: string }>('select name from schema_migrations'));
    expect(applied.rows.map((row) => row.name)).toEqual(['001_schema.sql']);
    expect(await migrate(database.url, 'baseline')).toEqual([]);
  });
});

describe('POST /login', () => {
  it('signs in with a form, sets a session cookie and stores the session', async () => {
    const session = await logIn(portal.url, DATA.busyTeacher.email);
    expect(session.cookie).toMatch(/^portal_session=[\w-]{20,}$/);
    const token = decodeURIComponent(session.cookie.split('=')[1] ?? '');
    const stored = await withClient(database.url, (client) =>
      client.query('select user_kind, user_id from sessions where token = $1 and expires_at > now()', [token]),
    );
    expect(stored.rows).toEqual([{ user_kind: 'teacher', user_id: DATA.busyTeacher.id }]);
  });

  it('signs in with a JSON body, answering JSON when asked to and HTML otherwise', async () => {
    const signIn = (accept: string) =>
      fetch(`${portal.url}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept },
        body: JSON.stringify({ email: DATA.twoSchoolParent.email, password: 'parents-evening' }),
      });
    const json = await signIn('application/json');
    expect(json.status).toBe(200);
    expect(json.headers.get('set-cookie')).toMatch(/^portal_session=.+; Path=\/; HttpOnly/);
    expect(await json.json()).toMatchObject({ user: { kind: 'parent', id: DATA.twoSchoolParent.id } });
    const page = await signIn('*/*');
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/Signed in as \w+ \w+ \(parent\)/);
  });

  it.each([
    ['a wrong password', 401, 'application/json', JSON.stringify({ email: DATA.busyTeacher.email, password: 'not-it' })],
    ['an unknown email', 401, 'application/json', JSON.stringify({ email: 'nobody@portal.test', password: 'parents-evening' })],
    ['malformed JSON', 400, 'application/json', '{"email": "teacher1@portal.test", "password": '],
    ['a missing password', 400, 'application/json', JSON.stringify({ email: DATA.busyTeacher.email })],
    ['a form with no fields', 400, 'application/x-www-form-urlencoded', ''],
  ])('refuses %s with %i and keeps serving', async (_case, status, contentType, body) => {
    const response = await fetch(`${portal.url}/login`, { method: 'POST', headers: { 'content-type': contentType }, body });
    expect(response.status).toBe(status);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect((await fetch(`${portal.url}/healthz`)).status).toBe(200);
    expect((await teacher.get('/bookings')).status).toBe(200);
  });
});

describe('GET /bookings (My Bookings)', () => {
  it("shows a teacher tonight's appointments with parent and student names, in HTML", async () => {
    const response = await teacher.get('/bookings');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    const page = await response.text();
    const expected = await expectedBookings('teacher', DATA.busyTeacher.id, DATA.northfield.tonightEveningId);
    expect(expected).toHaveLength(DATA.appointmentsPerTeacherTonight);
    expect(page).toContain("Year 11 Parents&#39; Evening, Northfield Academy");
    expect(page.match(/<tr data-appointment=/g)).toHaveLength(expected.length);
    for (const booking of expected) {
      expect(page).toMatch(new RegExp(`<tr data-appointment="${booking.id}">[^]*?<td>${booking.counterpart}</td><td>${booking.student} \\(Year`));
    }
  });

  it('answers the same bookings as JSON, in time order', async () => {
    const page = await jsonPage<BookingsJson>(await teacher.get('/bookings', { json: true }));
    expect(page.evening?.id).toBe(DATA.northfield.tonightEveningId);
    expect(asShown(page.bookings)).toEqual(await expectedBookings('teacher', DATA.busyTeacher.id, DATA.northfield.tonightEveningId));
    expect(page.bookings.map((booking) => booking.counterpart.role)).toSatisfy((roles: string[]) => roles.every((role) => role === 'parent'));
  });

  it('shows a parent their own appointments, with the teachers’ names', async () => {
    const [first] = await expectedBookings('teacher', DATA.busyTeacher.id, DATA.northfield.tonightEveningId);
    const parentId = await withClient(database.url, async (client) => {
      const { rows } = await client.query<{ parent_id: string }>('select parent_id from appointments where id = $1', [first?.id]);
      return rows[0]?.parent_id ?? '';
    });
    expect(Number(parentId)).toBeGreaterThan(50); // a Northfield-only parent, so tonight is Northfield's
    const parent = await logIn(portal.url, `parent${parentId}@portal.test`);
    const page = await jsonPage<BookingsJson>(await parent.get('/bookings', { json: true }));
    const expected = await expectedBookings('parent', parentId, DATA.northfield.tonightEveningId);
    expect(expected.length).toBeGreaterThan(0);
    expect(asShown(page.bookings)).toEqual(expected);
    expect(expected.map((booking) => booking.id)).toContain(first?.id);
  });

  it("takes tonight to be the latest evening of all of a parent's schools", async () => {
    const parent = await logIn(portal.url, DATA.twoSchoolParent.email);
    const page = await jsonPage<BookingsJson>(await parent.get('/bookings', { json: true }));
    expect(page.evening?.id).toBe(DATA.riverside.tonightEveningId);
  });

  it('shows another evening of the same school when asked with ?evening=', async () => {
    const page = await jsonPage<BookingsJson>(await teacher.get(`/bookings?evening=${DATA.northfield.earlierEveningId}`, { json: true }));
    expect(page.evening?.id).toBe(DATA.northfield.earlierEveningId);
    expect(asShown(page.bookings)).toEqual(await expectedBookings('teacher', DATA.busyTeacher.id, DATA.northfield.earlierEveningId));
  });

  it.each([
    ['an evening that does not exist', '999999'],
    ["another school's evening", DATA.riverside.tonightEveningId],
    ['an id that is not a number', 'tonight'],
  ])('answers 404 for %s', async (_case, eveningId) => {
    expect((await teacher.get(`/bookings?evening=${eveningId}`)).status).toBe(404);
  });

  it('shows staff an empty list: they hold no appointments', async () => {
    const staff = await logIn(portal.url, DATA.staff.email);
    const page = await jsonPage<BookingsJson>(await staff.get('/bookings', { json: true }));
    expect(page.user.kind).toBe('staff');
    expect(page.bookings).toEqual([]);
  });
});

describe('GET /evenings/:id/video', () => {
  it("loads everything needed for all the user's calls that evening", async () => {
    const response = await teacher.get(`/evenings/${DATA.northfield.tonightEveningId}/video`);
    expect(response.status).toBe(200);
    const page = await response.text();
    const schedule = JSON.parse(/<script type="application\/json" id="video-calls">(.*)<\/script>/.exec(page)?.[1] ?? 'null') as {
      appointmentId: string;
      with: string;
      joinUrl: string;
    }[];
    const expected = await withClient(database.url, async (client) => {
      const { rows } = await client.query<{ id: string; video_room: string }>(
        `select id, video_room from appointments where teacher_id = $1 and evening_id = $2 and status <> 'cancelled' order by starts_at, id`,
        [DATA.busyTeacher.id, DATA.northfield.tonightEveningId],
      );
      return rows;
    });
    expect(expected.length).toBeGreaterThan(20);
    expect(schedule.map((call) => call.appointmentId)).toEqual(expected.map((row) => row.id));
    expect(schedule.map((call) => call.joinUrl)).toEqual(expected.map((row) => `https://video.school-portal.invalid/rooms/${row.video_room}`));
    for (const call of schedule) expect(page).toContain(`${call.with} about`);
  });

  it.each([
    ['an evening that does not exist', '999999'],
    ["another school's evening", DATA.hillcrest.tonightEveningId],
    ['an id that is not a number', 'abc'],
  ])('answers 404 for %s', async (_case, eveningId) => {
    expect((await teacher.get(`/evenings/${eveningId}/video`)).status).toBe(404);
  });
});

describe('GET /posts', () => {
  interface PostsJson {
    posts: { id: string; schoolName: string; title: string; recipientCount: number; readCount: number }[];
  }

  it("shows a parent the latest posts of their child's school, with recipient counts", async () => {
    const parent = await logIn(portal.url, DATA.northfieldParent.email);
    const response = await parent.get('/posts');
    expect(response.status).toBe(200);
    const page = await response.text();
    expect(page.match(/<article data-post=/g)).toHaveLength(20);
    expect(page).toContain('<h2>Notice 400</h2>');
    expect(page).toContain('Northfield Academy');
    expect(page).toContain(`sent to ${DATA.northfield.recipientsPerPost} families, read by 20`);
    expect(page).not.toContain('Riverside Primary');
  });

  it("mixes the posts of all of a parent's schools, newest first", async () => {
    const parent = await logIn(portal.url, DATA.twoSchoolParent.email);
    const { posts } = await jsonPage<PostsJson>(await parent.get('/posts', { json: true }));
    expect(posts.map((post) => post.title)).toEqual(Array.from({ length: 20 }, (_, index) => `Notice ${500 - index}`));
    expect(new Set(posts.map((post) => post.schoolName))).toEqual(new Set(['Riverside Primary']));
  });

  it("shows a teacher their school's posts", async () => {
    const hillcrest = await logIn(portal.url, DATA.hillcrestTeacher.email);
    const { posts } = await jsonPage<PostsJson>(await hillcrest.get('/posts', { json: true }));
    expect(posts[0]).toMatchObject({ title: 'Notice 520', schoolName: 'Hillcrest School', recipientCount: 10, readCount: 4 });
  });
});

describe('without a session', () => {
  it.each(['/bookings', '/posts', `/evenings/${DATA.northfield.tonightEveningId}/video`])('GET %s answers 401', async (path) => {
    expect((await fetch(`${portal.url}${path}`)).status).toBe(401);
    expect((await sessionFromCookie(portal.url, 'portal_session=forged').get(path)).status).toBe(401);
    expect((await sessionFromCookie(portal.url, 'portal_session=%E0%A4%A').get(path)).status).toBe(401);
  });

  it('an unknown page answers 404', async () => {
    expect((await fetch(`${portal.url}/nope`)).status).toBe(404);
  });
});

describe('GET /metrics', () => {
  it('counts requests per route and status, and reports the cache and the pool', async () => {
    await teacher.get('/bookings');
    const metrics = await (await fetch(`${portal.url}/metrics`)).text();
    expect(metrics).toMatch(/^portal_http_requests_total\{route="\/bookings",method="GET",status="200"\} \d+$/m);
    expect(metrics).toMatch(/^portal_http_requests_total\{route="\/login",method="POST",status="401"\} 2$/m);
    expect(metrics).toMatch(/^portal_http_request_duration_seconds_count\{route="\/evenings\/:id\/video",method="GET"\} \d+$/m);
    expect(metrics).toMatch(/^portal_posts_cache_hits_total \d+$/m);
    expect(metrics).toMatch(/^portal_posts_cache_misses_total \d+$/m);
    expect(metrics).toMatch(/^portal_db_pool_size 10$/m);
    expect(metrics).toMatch(/^portal_db_pool_connections_in_use \d+$/m);
    expect(metrics).toMatch(/^portal_db_pool_waiting 0$/m);
    expect(metrics).toMatch(/^portal_release_info\{release="baseline"\} 1$/m);
  });
});

describe('lifecycle', () => {
  it('migrates from the command line without serving, idempotently', async () => {
    await databases.server.admin.query('create database cli_migrate');
    const env = { DATABASE_URL: withDatabase(databases.server.url, 'cli_migrate'), PORTAL_RELEASE: 'drop-bookings-index' };
    const first = await runPortalCommand(['migrate'], env);
    expect(first.stdout).toBe(
      'school-portal migrated (release drop-bookings-index): applied 001_schema.sql, drop-bookings-index/002_drop_bookings_index.sql\n',
    );
    const again = await runPortalCommand(['migrate'], env);
    expect(again).toMatchObject({ code: 0, stdout: 'school-portal migrated (release drop-bookings-index): already up to date\n' });
  });

  it('adopts a schema created from 001_schema.sql without it (as the seeder does), and applies the rest', async () => {
    await databases.server.admin.query('create database seeder_made');
    const url = withDatabase(databases.server.url, 'seeder_made');
    const schema = await readFile(new URL('../../fixtures/school-portal/migrations/001_schema.sql', import.meta.url), 'utf8');
    await withClient(url, (client) => client.query(schema));
    expect(await migrate(url, 'drop-bookings-index')).toEqual(['drop-bookings-index/002_drop_bookings_index.sql']);
    const applied = await withClient(url, (client) => client.query<{ name: string }>('select name from schema_migrations order by name'));
    expect(applied.rows.map((row) => row.name)).toEqual(['001_schema.sql', 'drop-bookings-index/002_drop_bookings_index.sql']);
  });

  it("refuses to run a release on a database another release's migration changed", async () => {
    const other = await databases.copy('other_release');
    await migrate(other.url, 'drop-bookings-index');
    await expect(migrate(other.url, 'baseline')).rejects.toBeInstanceOf(ForeignMigrationError);
    const refused = await startPortalProcess({ databaseUrl: other.url, release: 'baseline' }).catch((error: Error) => error);
    expect(String(refused)).toMatch(/migrated by another release \(drop-bookings-index\/002_drop_bookings_index\.sql/);
  });

  it('stops on SIGTERM: requests in flight still get their answer, then exit 0 with every connection closed', async () => {
    const own = await databases.copy('lifecycle');
    const running = await startPortalProcess({ databaseUrl: own.url });
    try {
      const session = await logIn(running.url, DATA.busyTeacher.email);
      await withClient(own.url, async (blocker) => {
        // Holding a lock every page needs keeps requests in flight for as long as the test wants.
        await blocker.query('begin');
        await blocker.query('lock table sessions in access exclusive mode');
        const inFlight = Array.from({ length: 5 }, () => session.get('/bookings').then((response) => response.status));
        await waitForBlockedQueries(databases.server.admin, own.name, 5);
        running.child.kill('SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(running.child.exitCode).toBeNull();
        await blocker.query('commit');
        expect(await Promise.all(inFlight)).toEqual([200, 200, 200, 200, 200]);
      });
      // Without `Connection: close` on those answers, their kept-alive sockets would hold it open for 72 s.
      expect(await exitWithin(running.child, 5_000)).toEqual({ code: 0, signal: null });
      await waitForAppDisconnect(databases.server.admin, own.name, 5_000);
    } finally {
      await running.stop();
    }
    expect(running.stderr()).toBe('');
  });
});
