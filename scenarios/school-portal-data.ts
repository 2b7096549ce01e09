import { dataset } from 'rehearse';

// Test data for the school-portal scenarios. Every seeded user's password is
// SEEDED_PASSWORD (fixtures/school-portal/password.ts). Samples are ordered by
// a hash of the email, so they are spread across schools yet the same on
// every run of the same seeded data.

/** Parents with at least one booking, and the evening of it. */
export const parentsWithBookings = dataset(
  `select p.email, 'parents-evening' as password, max(a.evening_id)::text as evening_id
     from parents p
     join appointments a on a.parent_id = p.id and a.status <> 'cancelled'
    group by p.id, p.email
    order by md5(p.email)
    limit 2000`,
  ['email', 'password', 'evening_id'],
);

/** Teachers with at least one booking, and the evening of it. */
export const teachersWithBookings = dataset(
  `select t.email, 'parents-evening' as password, max(a.evening_id)::text as evening_id
     from teachers t
     join appointments a on a.teacher_id = t.id and a.status <> 'cancelled'
    group by t.id, t.email
    order by md5(t.email)
    limit 500`,
  ['email', 'password', 'evening_id'],
);

/** Parents with at least one child, who therefore see a posts feed. */
export const parentsWithChildren = dataset(
  `select p.email, 'parents-evening' as password
     from parents p
    where exists (select 1 from guardianships g where g.parent_id = p.id)
    order by md5(p.email)
    limit 2000`,
  ['email', 'password'],
);
