import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReleaseName } from '../../fixtures/school-portal/app/releases.ts';
import { SEEDED_PASSWORD } from '../../fixtures/school-portal/password.ts';
import { login, myBookings } from '../../scenarios/school-portal-pages.ts';
import { probePages } from '../../src/run/page-probe.ts';
import type { QueryProfile } from '../../src/run/run-record-schema.ts';
import { dataset, defineScenario } from '../../src/scenario/define-scenario.ts';
import { steady } from '../../src/scenario/load-shapes.ts';
import { datasetFile } from '../../src/scenario/plan-script.ts';
import { startPortalProcess } from '../support/school-portal-app.ts';
import { PORTAL_TEST_DATA as DATA } from '../support/school-portal-data.ts';
import { startPortalDatabaseServer, type PortalDatabaseServer } from '../support/school-portal-database.ts';

/** Northfield teachers, each with 30 appointments tonight: sign in, then My Bookings. */
const scenario = defineScenario({
  name: 'probe-teachers',
  description: 'Teachers sign in and open My Bookings.',
  data: { teachers: dataset('select 1', ['email', 'password', 'evening_id']) },
  journeys: { teachers: { data: 'teachers', load: steady({ rate: 1, duration: '1s' }), steps: [login, myBookings] } },
});
const TEACHERS = [1, 2, 3].map((id) => ({ email: `teacher${id}@portal.test`, password: SEEDED_PASSWORD, evening_id: DATA.northfield.tonightEveningId }));

let databases: PortalDatabaseServer;
let dataDir: string;
let copies = 0;

beforeAll(async () => {
  databases = await startPortalDatabaseServer();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-probe-'));
  await writeFile(path.join(dataDir, datasetFile('teachers')), JSON.stringify(TEACHERS));
});

afterAll(async () => {
  await databases?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Probes every page of the scenario against a fresh copy of the data served by the release; by page. */
async function probe(release: ReleaseName, options: { env?: Record<string, string>; measureCpu?: boolean } = {}): Promise<Record<string, QueryProfile>> {
  const database = await databases.copy(`probe_${(copies += 1)}`);
  const app = await startPortalProcess({ databaseUrl: database.url, release, env: options.env });
  try {
    const profiles = await probePages({
      scenario,
      baseUrl: app.url,
      dataDir,
      admin: databases.server.admin,
      database: database.name,
      requests: TEACHERS.length,
      ...(options.measureCpu === false ? {} : { appPid: app.child.pid }),
    });
    return Object.fromEntries(profiles.map((profile) => [profile.page, profile]));
  } finally {
    await app.stop();
  }
}

describe('the per-page probe, on the school-portal app', () => {
  let baseline: Record<string, QueryProfile>;
  beforeAll(async () => {
    baseline = await probe('baseline');
  });

  it("measures the app's CPU per request of each page, the password hash of Login far above My Bookings", () => {
    expect(baseline['My Bookings']!.requests).toBe(TEACHERS.length); // the database counters: one request per user
    expect(baseline['My Bookings']!.queriesPerRequest).toBe(3);
    for (const profile of Object.values(baseline)) expect(profile.appCpuMsPerRequest, profile.page).toBeGreaterThan(0);
    expect(baseline.Login!.appCpuMsPerRequest).toBeGreaterThan(baseline['My Bookings']!.appCpuMsPerRequest!);
  });

  it('leaves app CPU unmeasured when it does not know the app’s process (app.baseUrl)', async () => {
    const unmeasured = await probe('baseline', { measureCpu: false });
    for (const profile of Object.values(unmeasured)) expect(profile.appCpuMsPerRequest, profile.page).toBeNull();
  });

  it('bookings-costly-render: the same queries per My Bookings request, more app CPU per request', async () => {
    // With 30 appointments per teacher the release's passes cost tens of milliseconds: far above a shared machine's noise.
    const release = await probe('bookings-costly-render');
    expect(release['My Bookings']!.queriesPerRequest).toBe(baseline['My Bookings']!.queriesPerRequest);
    expect(release['My Bookings']!.rowsPerRequest).toBe(baseline['My Bookings']!.rowsPerRequest);
    expect(release['My Bookings']!.responseBytesPerRequest).toBe(baseline['My Bookings']!.responseBytesPerRequest);
    expect(release['My Bookings']!.appCpuMsPerRequest).toBeGreaterThan(2 * baseline['My Bookings']!.appCpuMsPerRequest!);
  });
});
