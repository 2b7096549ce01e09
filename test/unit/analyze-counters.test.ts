import { describe, expect, it } from 'vitest';
import { analyzeRuns } from '../../src/analyze/analyze-runs.ts';
import { matchQueries, querySimilarity } from '../../src/analyze/match-queries.ts';
import { parseRunRecord } from '../../src/run/run-record.ts';
import { page, plan, profile, runRecord, statement } from '../support/run-record-builders.ts';

const SESSION = 'select * from sessions where token = $1';
const APPOINTMENTS = 'select a.id, a.starts_at from appointments a join parents p on p.id = a.parent_id where a.teacher_id = $1 and a.evening_id = $2';
const APPOINTMENTS_ONLY = 'select a.id, a.starts_at, a.parent_id from appointments a where a.teacher_id = $1 and a.evening_id = $2';
const PARENT = 'select first_name, last_name from parents where id = $1';

function bookings(release: string, queries: Parameters<typeof profile>[1], statements = [statement('a1', SESSION), statement('b1', APPOINTMENTS)]) {
  return runRecord({ release, pages: [page('My Bookings'), page('Login')], profiles: [profile('My Bookings', queries), profile('Login', [{ name: 'a1', query: SESSION, callsPerRequest: 1 }])], statements });
}

const baseline = bookings('baseline', [
  { name: 'a1', query: SESSION, callsPerRequest: 1 },
  { name: 'b1', query: APPOINTMENTS, callsPerRequest: 1, rowsPerCall: 30 },
  { name: 'c1', query: 'select * from evenings where id = $1', callsPerRequest: 1 },
]);

describe('deterministic counters', () => {
  it('builds records the schema accepts', () => {
    expect(() => parseRunRecord(JSON.parse(JSON.stringify(baseline)))).not.toThrow();
  });

  it('never fails a baseline against another run of itself', () => {
    const analysis = analyzeRuns({ baselines: [baseline], candidates: [{ ...baseline, id: `${baseline.id}-again` }] });
    expect(analysis.verdict).toBe('pass');
    expect(analysis.checks.filter((check) => check.status !== 'pass')).toEqual([]);
    expect(analysis.headline).toMatch(/^PASS — parents-evening-login-spike: baseline against baseline: \d+ of \d+ checks passed$/);
  });

  it('fails an N+1 first, naming the page, the repeated query and saying N+1', () => {
    const candidate = bookings('bookings-n-plus-one', [
      { name: 'a1', query: SESSION, callsPerRequest: 1 },
      { name: 'b2', query: APPOINTMENTS_ONLY, callsPerRequest: 1, rowsPerCall: 30 },
      { name: 'c1', query: 'select * from evenings where id = $1', callsPerRequest: 1 },
      { name: 'd1', query: PARENT, callsPerRequest: 30, rowsPerCall: 1 },
      { name: 'e1', query: 'select first_name from students where id = $1', callsPerRequest: 30, rowsPerCall: 1 },
    ]);
    const analysis = analyzeRuns({ baselines: [baseline], candidates: [candidate] });
    expect(analysis.verdict).toBe('fail');
    const first = analysis.checks[0]!;
    expect(first).toMatchObject({ kind: 'queries-per-request', page: 'My Bookings', status: 'fail', queryId: 'd1000000', measured: 63, baseline: 3 });
    expect(first.sentence).toBe(
      'My Bookings: 63 queries per request, baseline 3 (21×) — new query d1000000 makes 30 calls per request, one row each — same query repeated per row (N+1): select first_name, last_name from parents where id = $1',
    );
  });

  it('compares a rewritten query with the one it replaced, not as new beside vanished', () => {
    expect(querySimilarity(APPOINTMENTS, APPOINTMENTS_ONLY)).toBeGreaterThanOrEqual(0.5);
    const matching = matchQueries([{ fingerprint: 'b1', id: 'b1', query: APPOINTMENTS }], [{ fingerprint: 'b2', id: 'b2', query: APPOINTMENTS_ONLY }, { fingerprint: 'd1', id: 'd1', query: PARENT }], 0.5);
    expect([...matching.predecessor]).toEqual([['b2', 'b1']]);
    expect(matching.added).toEqual(['d1']);
    expect(matching.removed).toEqual([]);
  });

  it('does not fail a page for a small change in queries per request', () => {
    const candidate = bookings('small', [
      { name: 'a1', query: SESSION, callsPerRequest: 1 },
      { name: 'b1', query: APPOINTMENTS, callsPerRequest: 1, rowsPerCall: 30 },
      { name: 'c1', query: 'select * from evenings where id = $1', callsPerRequest: 1 },
      { name: 'f1', query: 'select count(*) from notices where school_id = $1', callsPerRequest: 1 },
    ]);
    const analysis = analyzeRuns({ baselines: [baseline], candidates: [candidate] });
    expect(analysis.checks.find((check) => check.id === 'queries-per-request:My Bookings')).toMatchObject({ status: 'pass', measured: 4, baseline: 3 });
  });

  it('fails a new Seq Scan when the query reads many more buffers, naming the query and the relation', () => {
    const scanned = bookings('drop-index', baseline.queryProfiles[0]!.statements.map((entry) => ({ name: entry.fingerprint.slice(0, 2), query: entry.query, callsPerRequest: entry.callsPerRequest, rowsPerCall: entry.rowsPerCall })), [
      statement('a1', SESSION),
      statement('b1', APPOINTMENTS, { plan: plan([['appointments', 1]]), blocksPerCall: 330 }),
    ]);
    const analysis = analyzeRuns({ baselines: [baseline], candidates: [scanned] });
    const first = analysis.checks[0]!;
    expect(first).toMatchObject({ kind: 'seq-scan', page: 'My Bookings', queryId: 'b1000000', status: 'fail' });
    expect(first.sentence).toMatch(/^My Bookings: query b1000000 has a new Seq Scan on appointments \(shared buffers per call 330, baseline 10\)/);
    expect(analysis.queries.compared.find((row) => row.id === 'b1000000')!.planChanges).toContain('new Seq Scan on appointments');
  });

  it('does not fail a Seq Scan of a small table that reads no more buffers (the planner flips those)', () => {
    const flipped = bookings('baseline', baseline.queryProfiles[0]!.statements.map((entry) => ({ name: entry.fingerprint.slice(0, 2), query: entry.query, callsPerRequest: entry.callsPerRequest, rowsPerCall: entry.rowsPerCall })), [
      statement('a1', SESSION, { plan: plan([['sessions', 1]]) }),
      statement('b1', APPOINTMENTS),
    ]);
    const analysis = analyzeRuns({ baselines: [baseline], candidates: [{ ...flipped, id: 'flipped' }] });
    expect(analysis.verdict).toBe('pass');
    expect(analysis.checks.find((check) => check.id === 'seq-scan:a1000000')!.sentence).toContain('new Seq Scan on sessions without more buffers read, not counted');
  });

  it('fails a Seq Scan estimated to return many rows even when buffers did not grow', () => {
    const scanned = bookings('recipients', baseline.queryProfiles[0]!.statements.map((entry) => ({ name: entry.fingerprint.slice(0, 2), query: entry.query, callsPerRequest: entry.callsPerRequest, rowsPerCall: entry.rowsPerCall })), [
      statement('a1', SESSION),
      statement('b1', APPOINTMENTS, { plan: plan([['post_recipients', 15000]]) }),
    ]);
    const analysis = analyzeRuns({ baselines: [baseline], candidates: [scanned] });
    expect(analysis.checks[0]!.sentence).toMatch(/new Seq Scan on post_recipients \(estimated 15,000 rows scanned\)/);
  });

  it('fails rows per request ≥ 5× naming the query whose rows grew most', () => {
    const candidate = bookings('unbounded', [
      { name: 'a1', query: SESSION, callsPerRequest: 1 },
      { name: 'b1', query: APPOINTMENTS, callsPerRequest: 1, rowsPerCall: 300 },
      { name: 'c1', query: 'select * from evenings where id = $1', callsPerRequest: 1 },
    ]);
    const check = analyzeRuns({ baselines: [baseline], candidates: [candidate] }).checks.find((entry) => entry.kind === 'rows-per-request')!;
    expect(check).toMatchObject({ status: 'fail', page: 'My Bookings', queryId: 'b1000000' });
    expect(check.sentence).toMatch(/^My Bookings: 302 rows per request, baseline 32 \(9.44×\) — query b1000000 returns 300 rows per call \(baseline 30\)/);
  });

  it('fails a query whose calls per request of a page at least doubled (a cache that stopped sharing)', () => {
    const feed = 'select * from posts where school_id = any($1) limit $2';
    const shared = runRecord({ scenario: 'posts-feed-burst', pages: [page('Posts')], profiles: [profile('Posts', [{ name: 'a1', query: SESSION, callsPerRequest: 1 }, { name: 'f1', query: feed, callsPerRequest: 0.4, rowsPerCall: 20, blocksPerCall: 180 }])] });
    const perUser = runRecord({ scenario: 'posts-feed-burst', release: 'posts-cache-per-user', pages: [page('Posts')], profiles: [profile('Posts', [{ name: 'a1', query: SESSION, callsPerRequest: 1 }, { name: 'f1', query: feed, callsPerRequest: 1, rowsPerCall: 20, blocksPerCall: 180 }])] });
    const first = analyzeRuns({ baselines: [shared], candidates: [perUser] }).checks[0]!;
    expect(first).toMatchObject({ kind: 'page-query-calls', page: 'Posts', queryId: 'f1000000', status: 'fail' });
    expect(first.sentence).toBe('Posts: query f1000000 makes 1 call per request (baseline 0.4): select * from posts where school_id = any($1) limit $2');
  });

  it('fails a page whose response body grew ≥ 1.5× and by ≥ 8 KiB, naming the query whose rows grew most', () => {
    const feed = 'select * from posts where school_id = $1 order by created_at desc limit $2';
    const posts = (release: string, rowsPerCall: number, bytes: number | undefined) =>
      runRecord({ scenario: 'posts-feed-burst', release, pages: [page('Posts')], profiles: [profile('Posts', [{ name: 'f1', query: feed, callsPerRequest: 1, rowsPerCall }], 10, bytes)] });
    const check = analyzeRuns({ baselines: [posts('baseline', 20, 6_300)], candidates: [posts('unbounded', 400, 131_000)] }).checks.find((entry) => entry.kind === 'response-bytes')!;
    expect(check).toMatchObject({ id: 'response-bytes:Posts', status: 'fail', page: 'Posts', queryId: 'f1000000', measured: 131_000, baseline: 6_300 });
    expect(check.sentence).toBe('Posts: 127.9 KiB of response body per request, baseline 6.2 KiB (21×) — query f1000000 returns 400 rows per call (baseline 20) despite its LIMIT: is the limit larger than before? — select * from posts where school_id = $1 order by created_at desc limit $2');
    const small = analyzeRuns({ baselines: [posts('baseline', 20, 2_000)], candidates: [posts('next', 20, 9_000)] }).checks.find((entry) => entry.kind === 'response-bytes')!;
    expect(small).toMatchObject({ status: 'pass', measured: 9_000, baseline: 2_000 });
    const unmeasured = analyzeRuns({ baselines: [posts('baseline', 20, undefined)], candidates: [posts('unbounded', 400, 131_000)] });
    expect(unmeasured.checks.filter((entry) => entry.kind === 'response-bytes')).toEqual([]);
    expect(unmeasured.pages[0]!.baselineCounters!.responseBytesPerRequest).toBeNull();
  });

  it("fails a page whose app CPU per request grew ≥ 1.5× and by ≥ 2 ms, not the run-to-run wobble of a small or a large page", () => {
    const cpu = (release: string, ms: Record<string, number | null>) =>
      runRecord({
        release,
        pages: Object.keys(ms).map((name) => page(name)),
        profiles: Object.entries(ms).map(([name, appCpuMsPerRequest]) => ({ ...profile(name, [{ name: 'a1', query: SESSION, callsPerRequest: 1, rowsPerCall: 1 }]), appCpuMsPerRequest })),
      });
    // Two baseline runs measured Video call at 1.2 and 2.4 ms, Login at 38 and 40 ms; bookings-costly-render took My Bookings to 4.8 ms.
    const analysis = analyzeRuns({ baselines: [cpu('baseline', { 'My Bookings': 1.2, 'Video call': 1.2, Login: 38, Posts: null })], candidates: [cpu('next', { 'My Bookings': 4.8, 'Video call': 2.4, Login: 40, Posts: 3 })] });
    const checks = analysis.checks.filter((entry) => entry.kind === 'app-cpu-per-request');
    expect(checks.map((entry) => [entry.page, entry.status])).toEqual([
      ['My Bookings', 'fail'],
      ['Video call', 'pass'],
      ['Login', 'pass'],
    ]);
    expect(checks[0]!.sentence).toBe('My Bookings: 4.80 ms of app CPU per request, baseline 1.20 ms');
  });

  it('fails a page whose cache commands per request grew ≥ 1.5× and by ≥ 0.5, saying which commands and how many lookups missed', () => {
    const cache = (release: string, counters: Record<string, { commands: Record<string, number>; misses: number } | null>) =>
      runRecord({
        release,
        pages: Object.keys(counters).map((name) => page(name)),
        profiles: Object.entries(counters).map(([name, measured]) => ({
          ...profile(name, [{ name: 'a1', query: SESSION, callsPerRequest: 1, rowsPerCall: 1 }]),
          ...(measured ? { cacheCommands: measured.commands, cacheCommandsPerRequest: Object.values(measured.commands).reduce((sum, calls) => sum + calls, 0), cacheMissesPerRequest: measured.misses } : {}),
        })),
      });
    // The probe measured Posts at 1 GET per request (every lookup a hit) with the feed keyed by school set, a GET and a SET with it keyed by user.
    const analysis = analyzeRuns({
      baselines: [cache('baseline', { Posts: { commands: { get: 1 }, misses: 0 }, 'My Bookings': { commands: { get: 1 }, misses: 0 }, Login: null })],
      candidates: [cache('posts-cache-per-user', { Posts: { commands: { get: 1, set: 1 }, misses: 1 }, 'My Bookings': { commands: { get: 1, set: 0.2 }, misses: 0.2 }, Login: { commands: { get: 5 }, misses: 0 } })],
    });
    const checks = analysis.checks.filter((entry) => entry.kind === 'cache-commands-per-request');
    expect(checks.map((entry) => [entry.page, entry.status])).toEqual([
      ['Posts', 'fail'],
      ['My Bookings', 'pass'],
    ]);
    expect(checks[0]!.sentence).toBe('Posts: 2 cache commands per request, baseline 1 (2×) — GET 1, SET 1 per request (baseline GET 1); 1 missed lookups per request, baseline 0');
    expect(analysis.verdict).toBe('fail');
  });

  it('lists new and vanished queries separately', () => {
    const candidate = runRecord({ release: 'next', statements: [statement('a1', SESSION), statement('z9', 'select 1 from audit_log where id = $1')] });
    const analysis = analyzeRuns({ baselines: [runRecord({ statements: [statement('a1', SESSION), statement('y8', 'insert into tracking values ($1)')] })], candidates: [candidate] });
    expect(analysis.queries.compared.map((row) => row.id)).toEqual(['a1000000']);
    expect(analysis.queries.new.map((row) => row.id)).toEqual(['z9000000']);
    expect(analysis.queries.vanished.map((row) => row.id)).toEqual(['y8000000']);
  });
});
