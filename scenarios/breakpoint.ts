import { defineScenario, breakpoint, think } from 'rehearse';
import { parentsWithBookings } from './school-portal-data.ts';
import { login, myBookings, videoCall } from './school-portal-pages.ts';

// For capacity planners: arrivals keep rising until a budget breaks, and the
// run stops there. The rate reached is the headroom.
export default defineScenario({
  name: 'breakpoint',
  description: 'Arrivals rise until Login, My Bookings or the error rate breaks its budget; the rate reached is the capacity.',
  data: { parents: parentsWithBookings },
  journeys: {
    parents: {
      data: 'parents',
      load: breakpoint({ from: 1, to: 80, duration: '5m' }),
      steps: [login, think(1), myBookings, think(1), videoCall],
    },
  },
  budgets: {
    // A sign-in slower than 1.5 s is a parent who gives up, as in the login spike.
    pages: { Login: { p95Ms: 1500 }, 'My Bookings': { p95Ms: 500 } },
    overall: { errorRate: 0.02 },
  },
});
