import { describe, expect, it } from 'vitest';
import { analyzeRuns } from '../../src/analyze/analyze-runs.ts';
import { describePlanChanges } from '../../src/analyze/query-rows.ts';
import { context, page, plan, profile, runRecord, statement } from '../support/run-record-builders.ts';

const BOOKINGS = 'select a.id, a.starts_at from appointments a join parents p on p.id = a.parent_id where a.teacher_id = $1';

const indexed = plan([], { access: [{ relation: 'appointments', scan: 'Index Scan' }, { relation: 'parents', scan: 'Index Scan' }], indexes: ['appointments_teacher_idx', 'parents_pkey'], joinMethods: ['Nested Loop'] });
const scanned = plan([['appointments', 2000]], { access: [{ relation: 'appointments', scan: 'Seq Scan' }, { relation: 'parents', scan: 'Index Scan' }], indexes: ['parents_pkey'], joinMethods: ['Nested Loop'] });

function onServer(version: string, bookingsPlan: typeof indexed) {
  const record = runRecord({
    release: `pg${version}`,
    pages: [page('My Bookings')],
    profiles: [profile('My Bookings', [{ name: 'b1', query: BOOKINGS, callsPerRequest: 1 }])],
    statements: [statement('b1', BOOKINGS, { plan: bookingsPlan })],
  });
  return { ...record, id: `${record.id}-${version}`, context: { ...record.context, ...context({ postgresVersion: version }), release: `pg${version}` } };
}

describe('the same scenario on two Postgres majors, compared like two releases', () => {
  it('says how each relation is read before and after, per relation', () => {
    expect(describePlanChanges(scanned?.summary, indexed?.summary)).toEqual(['appointments: Index Scan → Seq Scan', 'no longer uses appointments_teacher_idx']);
  });

  it('falls back to Seq Scans for plans recorded without per-relation access', () => {
    expect(describePlanChanges(plan([['appointments', 10]])?.summary, plan()?.summary)).toContain('new Seq Scan on appointments');
  });

  it('notes the server majors and lists each query whose plan changed, with its page', () => {
    const analysis = analyzeRuns({ baselines: [onServer('16.14', indexed)], candidates: [onServer('18.4', scanned)] });
    expect(analysis.notes).toContain(
      'The baseline ran on PostgreSQL 16.14, the candidate on 18.4: the server major differs, so 1 query changed plan: My Bookings b1000000: appointments: Index Scan → Seq Scan, no longer uses appointments_teacher_idx.',
    );
  });

  it('says so when no query changed plan across the majors, and says nothing on one major', () => {
    const across = analyzeRuns({ baselines: [onServer('16.14', indexed)], candidates: [onServer('18.4', indexed)] });
    expect(across.notes.find((note) => note.startsWith('The baseline ran on'))).toMatch(/so no query changed plan\.$/);
    const same = analyzeRuns({ baselines: [onServer('18.3', indexed)], candidates: [onServer('18.4', indexed)] });
    expect(same.notes.some((note) => note.startsWith('The baseline ran on'))).toBe(false);
  });
});
