import { defineConfig } from 'rehearse';

/** A school-portal release: the app picks its code by PORTAL_RELEASE (fixtures/school-portal/app/releases.ts). */
function portal(name: string, description: string, env: Record<string, string> = {}) {
  return { description, env: { PORTAL_RELEASE: name, ...env } };
}

/** A release that carries migrations: a deploy rehearsed under load (`run --deploy-at`) runs them itself, measured. */
function migrating(name: string, description: string) {
  return { ...portal(name, description), migrations: `fixtures/school-portal/releases/${name}` };
}

// The school-portal fixture, rehearsed by `rehearse demo` and by
// `rehearse run scenarios/<name>.ts --release <name>` in this repository.
export default defineConfig({
  db: { provider: 'embedded' },
  app: {
    command: 'node --import tsx fixtures/school-portal/app/server.ts',
    healthPath: '/healthz',
    metricsPath: '/metrics',
    readyTimeoutSeconds: 30,
  },
  releases: {
    baseline: portal('baseline', 'the healthy portal'),
    'bookings-n-plus-one': portal('bookings-n-plus-one', "My Bookings loads each appointment's people with queries of their own"),
    'posts-cache-per-user': portal('posts-cache-per-user', 'the posts cache key includes the user'),
    'recipients-unbounded': portal('recipients-unbounded', 'the feed joins recipients of every post before the limit'),
    'drop-bookings-index': migrating('drop-bookings-index', "a migration drops My Bookings' index"),
    'login-hot-row': migrating('login-hot-row', "every sign-in increments the day's shared login counter row first"),
    'login-transaction-across-hash': portal('login-transaction-across-hash', 'sign-in holds a transaction open while it verifies the password'),
    'pool-too-small': portal('pool-too-small', 'each request holds a connection from start to response, and the pool has 1 connection', { POOL_SIZE: '1' }),
    'posts-feed-no-limit': portal('posts-feed-no-limit', 'the feed query loses its LIMIT; the app keeps the first 20 rows'),
    'posts-json-filter': migrating('posts-json-filter', 'Posts also lists pinned posts, filtered on an unindexed jsonb attribute'),
    'bookings-costly-render': portal('bookings-costly-render', 'My Bookings formats and sorts every appointment over and over before rendering (app CPU only)'),
    'bookings-read-transaction': portal('bookings-read-transaction', "My Bookings' reads in one read-only transaction (harmless)"),
    'bookings-query-rewritten': portal('bookings-query-rewritten', 'the My Bookings query rewritten with a CTE, same plan and rows (harmless)'),
    'posts-summary-column': migrating('posts-summary-column', 'a migration adds a nullable posts.summary column, catalog only (harmless)'),
    'appointments-token-rewrite': migrating('appointments-token-rewrite', 'a migration adds appointments.token with a volatile default: the table is rewritten under ACCESS EXCLUSIVE'),
    // The same rewrite, migrated by a command (a node script that runs the SQL), as projects with a migration tool do.
    'appointments-token-command': {
      ...portal('appointments-token-rewrite', 'the appointments.token rewrite applied by a migrate command, not by rehearse'),
      migrate: 'node fixtures/school-portal/releases/appointments-token-command/migrate.mjs',
    },
    'appointments-token-batched': migrating('appointments-token-batched', 'the same token column added without the long lock: catalog-only column, batched backfill, NOT VALID check validated'),
    'posts-body-renamed': migrating('posts-body-renamed', 'a migration renames posts.body to content and the code reads content: the baseline cannot read Posts once migrated'),
  },
  data: { model: './fixtures/school-portal/model.ts', scale: 0.02, seed: 42 },
  // Arrivals/s at 4pm on a parents' evening: what `rehearse capacity` reports headroom over.
  capacity: { peak: { parents: 16, teachers: 3 } },
  scenarios: { dir: 'scenarios' },
});
