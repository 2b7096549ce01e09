import { defineScenario, soak, think } from 'rehearse';
import { parentsWithBookings } from './school-portal-data.ts';
import { login, myBookings, posts, videoCall } from './school-portal-pages.ts';

// Half an hour at a moderate rate: pool exhaustion, growing sessions and
// slow drift show up here, not in a two-minute spike.
export default defineScenario({
  name: 'soak',
  description: 'Thirty minutes at a moderate steady rate, to find leaks, pool exhaustion and slow drift.',
  data: { parents: parentsWithBookings },
  journeys: {
    parents: {
      data: 'parents',
      load: soak({ rate: 5, duration: '30m' }),
      steps: [login, think([1, 3]), myBookings, think([1, 3]), posts, think([2, 5]), videoCall],
    },
  },
  budgets: {
    pages: { 'My Bookings': { p95Ms: 500 }, Posts: { p95Ms: 300 }, 'Video call': { p95Ms: 800 } },
    overall: { errorRate: 0.01 },
  },
});
