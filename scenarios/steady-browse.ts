import { defineScenario, steady, think } from 'rehearse';
import { parentsWithBookings, teachersWithBookings } from './school-portal-data.ts';
import { login, myBookings, posts, videoCall } from './school-portal-pages.ts';

// An ordinary afternoon: a mixed, steady load, the reference point that the
// spikes are compared with.
export default defineScenario({
  name: 'steady-browse',
  description: 'An ordinary afternoon: parents read posts and check bookings, teachers check their evening, at a steady rate.',
  data: { parents: parentsWithBookings, teachers: teachersWithBookings },
  journeys: {
    parents: {
      data: 'parents',
      load: steady({ rate: 4, duration: '2m' }),
      steps: [login, think([1, 3]), posts, think([2, 5]), myBookings],
    },
    teachers: {
      data: 'teachers',
      load: steady({ rate: 1, duration: '2m' }),
      steps: [login, think([1, 3]), myBookings, think([2, 4]), videoCall],
    },
  },
  budgets: {
    pages: { Posts: { p95Ms: 300 }, 'My Bookings': { p95Ms: 400 }, 'Video call': { p95Ms: 600 } },
    overall: { errorRate: 0.01 },
  },
});
