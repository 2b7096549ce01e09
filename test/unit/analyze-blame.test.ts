import { describe, expect, it } from 'vitest';
import type { Check } from '../../src/analyze/analysis.ts';
import { analyzeRuns, orderChecks } from '../../src/analyze/analyze-runs.ts';
import { rowsPerCallHint } from '../../src/analyze/rows-per-call-hint.ts';
import { renderCsv } from '../../src/report/render-csv.ts';
import { renderMarkdown } from '../../src/report/render-markdown.ts';
import { fingerprint, page, plan, profile, runRecord, statement, type ProfiledQuery } from '../support/run-record-builders.ts';

const SESSION = 'select * from sessions where token = $1';
const APPOINTMENTS = 'select a.id, a.starts_at from appointments a where a.teacher_id = $1 and a.evening_id = $2';
const EVENING = 'select * from evenings where id = $1';
const AUDIT = 'with recent as (select * from audit_log order by created_at desc) select count(*) from recent group by actor_id';

/** My Bookings alone, 100 requests over the load, profiled with `queries`. */
function bookings(release: string, queries: ProfiledQuery[], statements: ReturnType<typeof statement>[], id = release) {
  return runRecord({ id, release, pages: [page('My Bookings')], profiles: [profile('My Bookings', queries)], statements });
}

const READS: ProfiledQuery[] = [
  { name: 'a1', query: SESSION, callsPerRequest: 1 },
  { name: 'b1', query: APPOINTMENTS, callsPerRequest: 1, rowsPerCall: 20 },
];

describe('transaction control is not a query', () => {
  it('passes every check when a release wraps unchanged reads in BEGIN … COMMIT, counting the transaction apart', () => {
    const baseline = bookings('baseline', READS, [statement('a1', SESSION), statement('b1', APPOINTMENTS, { rows: 2000 })]);
    const transaction: ProfiledQuery[] = [{ name: 't1', query: 'BEGIN READ ONLY', callsPerRequest: 1, rowsPerCall: 0, blocksPerCall: 0 }, ...READS, { name: 't2', query: 'COMMIT', callsPerRequest: 1, rowsPerCall: 0, blocksPerCall: 0 }];
    // COMMIT waits for the WAL flush: the slowest statement of the load, which must still not be blamed.
    const candidate = bookings('read-in-transaction', transaction, [
      statement('t1', 'BEGIN READ ONLY', { rows: 0, blocksPerCall: 0 }),
      statement('a1', SESSION),
      statement('b1', APPOINTMENTS, { rows: 2000 }),
      statement('t2', 'COMMIT', { rows: 0, blocksPerCall: 0, totalMs: 400 }),
    ]);
    const analysis = analyzeRuns({ baselines: [baseline], candidates: [candidate] });
    expect(analysis.checks.filter((check) => check.status !== 'pass').map((check) => check.sentence)).toEqual([]);
    expect(analysis.verdict).toBe('pass');
    const transactionIds = [fingerprint('t1'), fingerprint('t2')];
    expect(analysis.checks.filter((check) => transactionIds.includes(check.fingerprint ?? ''))).toEqual([]);
    expect(analysis.pages[0]).toMatchObject({ counters: { queriesPerRequest: 2, rowsPerRequest: 21, transactionsPerRequest: 1 }, baselineCounters: { queriesPerRequest: 2, transactionsPerRequest: 0 } });
    expect(analysis.queries.new).toEqual([]);
    expect(analysis.queries.transactionControl!.map((row) => [row.query, row.status])).toEqual([
      ['COMMIT', 'new'],
      ['BEGIN READ ONLY', 'new'],
    ]);
    const markdown = renderMarkdown(analysis)[0]!.text;
    expect(markdown).toContain('transactions/request');
    expect(markdown).toContain('2 transaction control statements (BEGIN, COMMIT, SET, …: not counted as queries, never checked)');
    expect(renderCsv(analysis).find((file) => file.name === 'queries.csv')!.text).toContain(',transaction control,');
  });
});

describe('a query rewritten on one page', () => {
  it('compares the rewrite with the query it replaced on that page, though another page still runs the old text', () => {
    const rewritten = 'with mine as (select a.id, a.starts_at from appointments a where a.teacher_id = $1 and a.evening_id = $2) select m.id, m.starts_at from mine m';
    const pages = [page('My Bookings'), page('Video call')];
    const baseline = runRecord({
      release: 'baseline',
      pages,
      profiles: [profile('My Bookings', READS), profile('Video call', [{ name: 'b1', query: APPOINTMENTS, callsPerRequest: 1, rowsPerCall: 20 }])],
      statements: [statement('a1', SESSION), statement('b1', APPOINTMENTS, { rows: 4000 })],
    });
    const candidate = runRecord({
      release: 'rewritten',
      pages,
      profiles: [profile('My Bookings', [READS[0]!, { name: 'r1', query: rewritten, callsPerRequest: 1, rowsPerCall: 20 }]), profile('Video call', [{ name: 'b1', query: APPOINTMENTS, callsPerRequest: 1, rowsPerCall: 20 }])],
      statements: [statement('a1', SESSION), statement('b1', APPOINTMENTS, { rows: 2000 }), statement('r1', rewritten, { rows: 2000 })],
    });
    const analysis = analyzeRuns({ baselines: [baseline], candidates: [candidate] });
    expect(analysis.checks.filter((check) => check.status === 'fail').map((check) => check.sentence)).toEqual([]);
    expect(analysis.checks.find((check) => check.id === 'page-query-calls:My Bookings:r1000000')).toMatchObject({ status: 'pass', measured: 1, baseline: 1 });
  });
});

describe('per-call counters over the load, checked against the probe', () => {
  it("warns, not fails, when the load's buffers per call grew but the probe, on the same users both sides, shows no change", () => {
    const run = (release: string, loadBlocks: number, probeBlocks: number) =>
      bookings(release, [READS[0]!, { ...READS[1]!, blocksPerCall: probeBlocks }], [statement('a1', SESSION), statement('b1', APPOINTMENTS, { rows: 2000, blocksPerCall: loadBlocks })]);
    const check = (candidate: ReturnType<typeof run>) => analyzeRuns({ baselines: [run('baseline', 9, 9)], candidates: [candidate] }).checks.find((entry) => entry.id === 'query-blocks:b1000000')!;
    const mix = check(run('baseline-again', 65, 9));
    expect(mix.status).toBe('warn');
    expect(mix.sentence).toContain('over the load only: the per-page probe (the same users on both sides) shows no such change');
    expect(check(run('regressed', 65, 65)).status).toBe('fail');
  });
});

describe('query time', () => {
  it('fails a new query that takes most of the database time, and names it first rather than COMMIT', () => {
    const baseline = bookings('baseline', READS, [statement('a1', SESSION), statement('b1', APPOINTMENTS), statement('t2', 'COMMIT', { totalMs: 1 })]);
    const candidate = bookings('audit-report', READS, [statement('a1', SESSION), statement('b1', APPOINTMENTS), statement('t2', 'COMMIT', { totalMs: 15 }), statement('z9', AUDIT, { calls: 100, totalMs: 3000 })]);
    const analysis = analyzeRuns({ baselines: [baseline], candidates: [candidate] });
    expect(analysis.verdict).toBe('fail');
    const first = analysis.checks[0]!;
    expect(first).toMatchObject({ kind: 'db-time-share', status: 'fail', queryId: 'z9000000', costMs: 30 });
    expect(first.sentence).toBe(`new query z9000000 takes 98.8 % of the database time, 30.0 ms per request of the load: ${AUDIT.slice(0, 79)}…`);
    expect(analysis.checks.some((check) => check.fingerprint === fingerprint('t2'))).toBe(false);
  });

  it('only warns when the same query takes a much larger share with one run per side, and fails when every repeat agrees', () => {
    const side = (release: string, totalMs: number, id = release) => bookings(release, READS, [statement('a1', SESSION, { totalMs: 100 }), statement('b1', APPOINTMENTS, { totalMs })], id);
    const once = analyzeRuns({ baselines: [side('baseline', 5)], candidates: [side('slower', 300)] }).checks.find((check) => check.id === 'db-time-share:b1000000')!;
    expect(once).toMatchObject({ status: 'warn', page: 'My Bookings', costMs: 2.95 });
    expect(once.sentence).toContain('takes 75.0 % of the database time, 3.00 ms per request of the load (baseline 4.8 %, 0.05 ms) — the same query, so a timing change');
    const repeated = analyzeRuns({ baselines: [side('baseline', 5, 'b1'), side('baseline', 6, 'b2')], candidates: [side('slower', 300, 'c1'), side('slower', 280, 'c2')] });
    expect(repeated.checks.find((check) => check.id === 'db-time-share:b1000000')).toMatchObject({ status: 'fail' });
  });

  it('does not fail a query that already took most of the database time', () => {
    const baseline = bookings('baseline', READS, [statement('a1', SESSION), statement('b1', APPOINTMENTS, { totalMs: 90 })]);
    const candidate = bookings('next', READS, [statement('a1', SESSION), statement('b1', APPOINTMENTS, { totalMs: 95 })]);
    expect(analyzeRuns({ baselines: [baseline], candidates: [candidate] }).checks.find((check) => check.id === 'db-time-share:b1000000')).toMatchObject({ status: 'pass' });
  });

  it('warns on a query that got slower with one run per side, and fails it when every repeat is slower', () => {
    const side = (release: string, totalMs: number, id = release) => bookings(release, READS, [statement('a1', SESSION), statement('b1', APPOINTMENTS, { totalMs })], id);
    const once = analyzeRuns({ baselines: [side('baseline', 20)], candidates: [side('slower', 100)] });
    const warned = once.checks.find((check) => check.id === 'query-time:b1000000')!;
    expect(warned).toMatchObject({ status: 'warn', page: 'My Bookings', measured: 1, baseline: 0.2 });
    expect(warned.costMs).toBeCloseTo(0.8);
    expect(warned.sentence).toBe(
      `My Bookings: query b1000000 — 1.00 ms per request of the load, baseline 0.20 ms (5×); mean 1.00 ms, baseline 0.20 ms — slower, but one run per side cannot tell a slowdown from machine noise; repeat both sides to judge: ${APPOINTMENTS.slice(0, 79)}…`,
    );
    expect(once.verdict).toBe('pass');
    const repeated = analyzeRuns({ baselines: [side('baseline', 20, 'b1'), side('baseline', 22, 'b2')], candidates: [side('slower', 100, 'c1'), side('slower', 96, 'c2')] });
    expect(repeated.checks.find((check) => check.id === 'query-time:b1000000')).toMatchObject({ status: 'fail' });
    expect(repeated.checks.find((check) => check.id === 'query-time:b1000000')!.sentence).toContain('slower in every run');
  });
});

describe('Seq Scans and ranking by cost', () => {
  it('fails a new query that scans a large table, though it has no baseline plan to compare with', () => {
    const baseline = bookings('baseline', READS, [statement('a1', SESSION), statement('b1', APPOINTMENTS)]);
    const candidate = bookings('notices', READS, [statement('a1', SESSION), statement('b1', APPOINTMENTS), statement('n1', 'select * from notices where body ilike $1', { plan: plan([['notices', 40_000]]), blocksPerCall: 900 })]);
    const check = analyzeRuns({ baselines: [baseline], candidates: [candidate] }).checks.find((entry) => entry.id === 'seq-scan:n1000000')!;
    expect(check).toMatchObject({ status: 'fail', kind: 'seq-scan' });
    expect(check.sentence).toBe('new query n1000000 has a Seq Scan on notices (estimated 40,000 rows scanned): select * from notices where body ilike $1');
  });

  it("names a new query's Seq Scan when a page check blames it", () => {
    const baseline = bookings('baseline', READS, [statement('a1', SESSION), statement('b1', APPOINTMENTS)]);
    const pinned = 'select id from notices where (attributes ->> $1)::boolean';
    const candidate = bookings('pinned', [...READS, { name: 'n1', query: pinned, callsPerRequest: 1 }], [statement('a1', SESSION), statement('b1', APPOINTMENTS), statement('n1', pinned, { plan: plan([['notices', 600]]) })]);
    const check = analyzeRuns({ baselines: [baseline], candidates: [candidate] }).checks.find((entry) => entry.id === 'page-query-calls:My Bookings:n1000000')!;
    expect(check.status).toBe('fail');
    expect(check.sentence).toBe(`My Bookings: new query n1000000 makes 1 call per request (Seq Scan on notices): ${pinned}`);
  });

  it('ranks a Seq Scan of a tiny table below a query returning 15× more rows', () => {
    const evenings = (blocksPerCall: number) => ({ name: 'c1', query: EVENING, callsPerRequest: 1, blocksPerCall });
    const baseline = bookings('baseline', [...READS, evenings(3)], [statement('a1', SESSION), statement('b1', APPOINTMENTS, { rows: 2000, totalMs: 20 }), statement('c1', EVENING, { blocksPerCall: 3, totalMs: 5 })]);
    const candidate = bookings(
      'unbounded',
      [READS[0]!, { ...READS[1]!, rowsPerCall: 300 }, evenings(60)],
      [statement('a1', SESSION), statement('b1', APPOINTMENTS, { rows: 30_000, totalMs: 200 }), statement('c1', EVENING, { blocksPerCall: 60, totalMs: 8, plan: plan([['evenings', 12]]) })],
    );
    const failing = analyzeRuns({ baselines: [baseline], candidates: [candidate] }).checks.filter((check) => check.status === 'fail');
    expect(failing[0]).toMatchObject({ queryId: 'b1000000', page: 'My Bookings', costMs: 1.8 });
    expect(failing[0]!.sentence).toMatch(/^My Bookings: .*b1000000/);
    const scan = failing.findIndex((check) => check.id === 'seq-scan:c1000000');
    expect(scan).toBeGreaterThan(failing.findIndex((check) => check.id === 'query-rows:b1000000'));
    expect(failing[scan]!.costMs).toBeCloseTo(0.03);
  });
});

describe('order of failing checks', () => {
  const check = (id: string, kind: Check['kind'], status: Check['status'], costMs?: number): Check => ({
    id,
    kind,
    status,
    page: 'My Bookings',
    queryId: null,
    fingerprint: null,
    sentence: id,
    measured: null,
    baseline: null,
    limit: null,
    magnitude: 1,
    ...(costMs === undefined ? {} : { costMs }),
  });

  it('puts run-status first, then failures by measured cost, then the rest by kind, then warnings', () => {
    const ordered = orderChecks([
      check('p95', 'p95-ratio', 'warn', 9),
      check('n+1', 'queries-per-request', 'fail', 0.2),
      check('scan', 'seq-scan', 'fail'),
      check('share', 'db-time-share', 'fail', 30),
      check('run', 'run-status', 'fail'),
      check('errors', 'errors', 'fail'),
    ]);
    expect(ordered.map((entry) => entry.id)).toEqual(['run', 'share', 'n+1', 'scan', 'errors', 'p95']);
  });

  it('keeps the kind order for costs below the floor, which a short load cannot tell from noise', () => {
    const ordered = orderChecks([check('rewritten', 'page-query-calls', 'fail', 0.014), check('n+1', 'queries-per-request', 'fail', 0.006)], 0.05);
    expect(ordered.map((entry) => entry.id)).toEqual(['n+1', 'rewritten']);
  });
});

describe('rows per call', () => {
  it('asks whether a LIMIT is missing when a rewritten query dropped it and returns 15× the rows', () => {
    const limited = 'select * from post_recipients where post_id = $1 order by id limit $2';
    const unlimited = 'select * from post_recipients where post_id = $1 order by id';
    const baseline = runRecord({ statements: [statement('r1', limited, { rows: 2000 })] });
    const candidate = runRecord({ release: 'recipients-unbounded', statements: [statement('r2', unlimited, { rows: 30_600 })] });
    const check = analyzeRuns({ baselines: [baseline], candidates: [candidate] }).checks.find((entry) => entry.kind === 'query-rows')!;
    expect(check).toMatchObject({ status: 'fail', queryId: 'r2000000', measured: 306, baseline: 20 });
    expect(check.sentence).toBe(`query r2000000 (rewritten from r1000000) — rows per call 20 → 306: is a LIMIT missing? (the query it replaces had one) — ${unlimited}`);
  });

  it('puts the LIMIT question beside a Seq Scan that came with the extra rows', () => {
    const limited = 'select * from post_recipients where post_id = any($1) order by id limit $2';
    const unlimited = 'select * from post_recipients where post_id = any($1) order by id';
    const baseline = runRecord({ statements: [statement('r1', limited, { rows: 2000, blocksPerCall: 10, plan: plan() })] });
    const candidate = runRecord({ release: 'no-limit', statements: [statement('r2', unlimited, { rows: 30_600, blocksPerCall: 400, plan: plan([['post_recipients', 15_000]]) })] });
    const check = analyzeRuns({ baselines: [baseline], candidates: [candidate] }).checks.find((entry) => entry.kind === 'seq-scan')!;
    expect(check.status).toBe('fail');
    expect(check.sentence).toBe(
      `query r2000000 (rewritten from r1000000) has a new Seq Scan on post_recipients (shared buffers per call 400, baseline 10); rows per call 20 → 306: is a LIMIT missing? (the query it replaces had one) — ${unlimited}`,
    );
  });

  it('words the hint by what the query text shows', () => {
    const limit = { ratio: 2, increase: 10 };
    expect(rowsPerCallHint({ now: 306, was: 20, query: 'select * from t where a = $1' }, limit)).toBe(': is a LIMIT missing?');
    expect(rowsPerCallHint({ now: 306, was: 20, query: 'select * from t where a = $1 limit $2', previousQuery: 'select * from t where a = $1 limit $2' }, limit)).toBe(' despite its LIMIT: is the limit larger than before?');
    expect(rowsPerCallHint({ now: 60, was: 20, query: 'select * from t where a = $1 limit $2' }, limit)).toBeNull();
    expect(rowsPerCallHint({ now: 25, was: 20, query: 'select * from t where a = $1' }, limit)).toBeNull();
  });
});
