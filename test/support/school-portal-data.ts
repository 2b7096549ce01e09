import type pg from 'pg';
import { SEEDED_PASSWORD_HASH } from '../../fixtures/school-portal/password.ts';

/**
 * A small, deterministic school-portal dataset in plain SQL, sized so each
 * release's regression shows plainly (the seeder's model is for scale; this is
 * for tests that must know who is who):
 *
 * - 3 schools: Northfield Academy (1: 40 teachers, 1200 students), Riverside
 *   Primary (2: 10 teachers, 300 students), Hillcrest School (3: 5 teachers, 100).
 * - Parent i is the guardian of student i; parents 1–50 also of student 1200+i,
 *   at Riverside, so their schools are {1, 2}.
 * - Evenings: Northfield 1, 2 and 3 (tonight), Riverside 4 and 5 (tonight),
 *   Hillcrest 6. Tonight at Northfield every teacher has 30 appointments, and
 *   that evening holds most of the appointments table.
 * - Posts: Northfield 400 (60 recipients each), Riverside 100 (30 each),
 *   Hillcrest 20 (10 each); a third of recipients have read theirs.
 */
export const PORTAL_TEST_DATA = {
  northfield: { schoolId: '1', tonightEveningId: '3', earlierEveningId: '1', teachers: 40, postCount: 400, recipientsPerPost: 60 },
  riverside: { schoolId: '2', tonightEveningId: '5' },
  hillcrest: { schoolId: '3', tonightEveningId: '6' },
  appointmentsPerTeacherTonight: 30,
  /** A Northfield teacher: 30 appointments tonight (evening 3). */
  busyTeacher: { id: '1', email: 'teacher1@portal.test' },
  hillcrestTeacher: { id: '51', email: 'teacher51@portal.test' },
  /** Children at Northfield and Riverside: tonight is Riverside's evening 5, the latest of the two. */
  twoSchoolParent: { id: '7', email: 'parent7@portal.test' },
  staff: { id: '1', email: 'staff1@portal.test' },
  northfieldParent: { id: '100', email: 'parent100@portal.test' },
  /** Northfield-only parents, for the posts cache: they share one school set. */
  northfieldParentEmails: Array.from({ length: 20 }, (_, index) => `parent${100 + index}@portal.test`),
} as const;

const FIRST_NAMES = ['Amara', 'Ben', 'Chloe', 'Dev', 'Elif', 'Finn', 'Grace', 'Hamza', 'Isla', 'Jonah', 'Kemi', 'Leo', 'Maya', 'Nikhil', 'Orla', 'Priya', 'Quinn', 'Rosa', 'Sami', 'Tariq', 'Uma', 'Viktor', 'Wren'];
const LAST_NAMES = ['Adeyemi', 'Brennan', 'Chowdhury', 'Doyle', 'Evans', 'Fischer', 'Gallagher', 'Hussain', 'Ivanova', 'Jones', 'Kowalski', 'Lindqvist', 'Murphy', 'Nakamura', 'Okafor', 'Patel', 'Quigley', 'Rossi', 'Singh', 'Thompson', 'Usman', 'Varga', 'Walsh', 'Yilmaz', 'Zhou'];
const SUBJECTS = ['English', 'Maths', 'Science', 'History', 'Geography', 'French', 'Art', 'Music', 'Computing', 'PE'];

function sqlArray(values: readonly string[]): string {
  return `array[${values.map((value) => `'${value.replace(/'/g, "''")}'`).join(', ')}]`;
}

// Names cycle through short lists and may repeat: tests compare pages with what the tables hold.
const FIRST = (idExpression: string) => `(${sqlArray(FIRST_NAMES)})[1 + (${idExpression}) % ${FIRST_NAMES.length}]`;
const LAST = (idExpression: string) => `(${sqlArray(LAST_NAMES)})[1 + (${idExpression}) % ${LAST_NAMES.length}]`;

const SCHEMA_DATA = `
insert into schools (id, name, town, phase, created_at) values
  (1, 'Northfield Academy', 'Leeds', 'secondary', '2015-09-01'),
  (2, 'Riverside Primary', 'York', 'primary', '2016-09-01'),
  (3, 'Hillcrest School', 'Hull', 'all-through', '2017-09-01');

insert into teachers (id, school_id, first_name, last_name, email, password_hash, subject, created_at)
select id, case when id <= 40 then 1 when id <= 50 then 2 else 3 end,
       ${FIRST('id')}, ${LAST('id * 7')}, 'teacher' || id || '@portal.test', $1,
       (${sqlArray(SUBJECTS)})[1 + id % ${SUBJECTS.length}], '2020-01-01'::timestamptz + id * interval '1 day'
from generate_series(1, 55) id;

insert into staff (id, school_id, first_name, last_name, email, password_hash, role, created_at)
select id, (id - 1) / 3 + 1, ${FIRST('id + 11')}, ${LAST('id + 3')}, 'staff' || id || '@portal.test', $1,
       (array['head', 'admin', 'office'])[1 + (id - 1) % 3], '2019-01-01'::timestamptz + id * interval '1 day'
from generate_series(1, 9) id;

insert into students (id, school_id, first_name, last_name, year_group, date_of_birth)
select id, school_id, ${FIRST('id * 5')}, ${LAST('id')},
       case school_id when 1 then 7 + id % 5 when 2 then 1 + id % 6 else 1 + id % 13 end,
       '2010-01-01'::date + (id % 3000)
from (select id, case when id <= 1200 then 1 when id <= 1500 then 2 else 3 end as school_id
      from generate_series(1, 1600) id) numbered;

insert into parents (id, first_name, last_name, email, phone, password_hash, created_at)
select id, ${FIRST('id * 3 + 1')}, ${LAST('id')}, 'parent' || id || '@portal.test', '07700 ' || lpad(id::text, 6, '0'), $1,
       '2021-01-01'::timestamptz + id * interval '1 hour'
from generate_series(1, 1600) id;

insert into guardianships (parent_id, student_id, relationship)
select id, id, case when id % 2 = 0 then 'mother' else 'father' end from generate_series(1, 1600) id
union all
select id, 1200 + id, 'guardian' from generate_series(1, 50) id;

insert into evenings (id, school_id, title, year_group, starts_at, ends_at) values
  (1, 1, 'Year 9 Parents'' Evening', 9, '2025-10-01 16:00Z', '2025-10-01 19:00Z'),
  (2, 1, 'Year 10 Parents'' Evening', 10, '2025-11-05 16:00Z', '2025-11-05 19:00Z'),
  (3, 1, 'Year 11 Parents'' Evening', 11, '2025-12-03 16:00Z', '2025-12-03 19:00Z'),
  (4, 2, 'Autumn Parents'' Evening', 4, '2025-11-12 15:30Z', '2025-11-12 18:30Z'),
  (5, 2, 'Winter Parents'' Evening', 5, '2025-12-10 15:30Z', '2025-12-10 18:30Z'),
  (6, 3, 'Sixth Form Parents'' Evening', 12, '2025-12-01 17:00Z', '2025-12-01 20:00Z');

with plan (evening_id, first_teacher, last_teacher, slots, first_student, school_students) as (values
  (1, 1, 40, 3, 1, 1200), (2, 1, 40, 3, 1, 1200), (3, 1, 40, 30, 1, 1200),
  (4, 41, 50, 5, 1201, 300), (5, 41, 50, 15, 1201, 300), (6, 51, 55, 6, 1501, 100)
), slot as (
  select plan.evening_id, teacher_id, k,
         plan.first_student + (teacher_id * 37 + k * 41 + plan.evening_id * 13) % plan.school_students as student_id
  from plan, generate_series(plan.first_teacher, plan.last_teacher) teacher_id, generate_series(0, plan.slots - 1) k
)
insert into appointments (id, evening_id, teacher_id, student_id, parent_id, starts_at, duration_minutes, status, video_room)
select row_number() over (order by slot.evening_id, teacher_id, k), slot.evening_id, teacher_id, student_id, student_id,
       e.starts_at + k * interval '5 minutes', 5,
       case when k % 10 = 9 then 'cancelled' when slot.evening_id < 3 then 'attended' else 'booked' end,
       'room-' || slot.evening_id || '-' || teacher_id || '-' || k
from slot join evenings e on e.id = slot.evening_id;

with plan (school_id, first_post, last_post, first_staff) as (values (1, 1, 400, 1), (2, 401, 500, 4), (3, 501, 520, 7))
insert into posts (id, school_id, author_staff_id, title, body, published_at)
select post_id, plan.school_id, plan.first_staff + post_id % 3, 'Notice ' || post_id,
       'Dear families, this is notice ' || post_id || ' about the term ahead.',
       '2025-09-01 08:00Z'::timestamptz + post_id * interval '3 hours'
from plan, generate_series(plan.first_post, plan.last_post) post_id;

with plan (first_post, last_post, recipients, first_parent, school_parents) as (values
  (1, 400, 60, 1, 1200), (401, 500, 30, 1201, 300), (501, 520, 10, 1501, 100)
)
insert into post_recipients (post_id, parent_id, read_at)
select post_id, plan.first_parent + (post_id * 7 + k) % plan.school_parents,
       case when k % 3 = 0 then p.published_at + interval '1 hour' end
from plan, generate_series(plan.first_post, plan.last_post) post_id, generate_series(0, plan.recipients - 1) k,
     lateral (select published_at from posts where id = post_id) p;
`;

/** Fills a freshly migrated school-portal database and analyzes it, so plans are the ones tests expect. */
export async function insertSchoolPortalTestData(client: pg.ClientBase): Promise<void> {
  await client.query('begin');
  try {
    // One statement per query: extended protocol (needed for $1) takes one at a time.
    for (const statement of SCHEMA_DATA.split(/;\s*\n/).map((text) => text.trim()).filter(Boolean)) {
      const usesHash = statement.includes('$1');
      await client.query(statement, usesHash ? [SEEDED_PASSWORD_HASH] : []);
    }
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
  await client.query('analyze');
}
