import { defineScenario, spike, think } from 'rehearse';
import { parentsWithBookings, teachersWithBookings } from './school-portal-data.ts';
import { login, myBookings, videoCall } from './school-portal-pages.ts';

// SchoolCloud, 4pm: parents and teachers log in within a minute, open My
// Bookings, then the video-call page (shared/seeds/schoolcloud-…).
export default defineScenario({
  name: 'parents-evening-login-spike',
  description: "4pm on a parents' evening: parents and teachers log in within a minute and open My Bookings, then the video-call page.",
  data: { parents: parentsWithBookings, teachers: teachersWithBookings },
  journeys: {
    parents: {
      data: 'parents',
      load: spike({ from: 0.5, peak: 16, rampUp: '45s', hold: '60s', rampDown: '15s' }),
      steps: [login, think([1, 3]), myBookings, think([2, 5]), videoCall],
    },
    teachers: {
      data: 'teachers',
      load: spike({ from: 0.1, peak: 3, rampUp: '45s', hold: '60s', rampDown: '15s' }),
      steps: [login, think([1, 2]), myBookings, think([1, 3]), videoCall],
    },
  },
  budgets: {
    pages: {
      Login: { p95Ms: 1500 },
      'My Bookings': { p95Ms: 500, errorRate: 0.01 },
      'Video call': { p95Ms: 800, errorRate: 0.01 },
    },
    overall: { errorRate: 0.01 },
  },
});
