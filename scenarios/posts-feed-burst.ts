import { defineScenario, spike, think } from 'rehearse';
import { parentsWithChildren } from './school-portal-data.ts';
import { login, posts } from './school-portal-pages.ts';

// ParentSquare: a school sends a post, parents open the feed at once. With a
// shared cache the database barely notices; with a per-user cache it takes
// every request (shared/seeds/parentsquare-…).
export default defineScenario({
  name: 'posts-feed-burst',
  description: 'A school post goes out: parents open the posts feed in a burst and come back to it.',
  data: { parents: parentsWithChildren },
  journeys: {
    parents: {
      data: 'parents',
      load: spike({ from: 1, peak: 25, rampUp: '15s', hold: '45s', rampDown: '10s' }),
      steps: [login, think([0.5, 1.5]), posts, think([3, 6]), posts],
    },
  },
  budgets: {
    pages: { Posts: { p95Ms: 300, errorRate: 0.01 } },
    overall: { errorRate: 0.01 },
  },
});
