import { z } from 'zod';
import { POSTGRES_MAJORS } from '../db/postgres-majors.ts';

/** The database providers rehearse can start or connect to. */
export const DB_PROVIDERS = ['embedded', 'testcontainers', 'url'] as const;
export type DbProviderName = (typeof DB_PROVIDERS)[number];

const settingValue = z.union([z.string(), z.number(), z.boolean()]);

const dbSchema = z.strictObject({
  /** Which Postgres to rehearse on (default "embedded", applied with the other sources' precedence). */
  provider: z.enum(DB_PROVIDERS).optional(),
  /** Postgres settings (GUCs) layered over rehearse's rehearsal defaults. */
  settings: z.record(z.string().regex(/^[a-z_][a-z0-9_.]*$/, 'a Postgres setting name'), settingValue).default({}),
  /** Postgres major to rehearse on (default 18): the embedded server's binaries (installed on first use), or the testcontainers image `postgres:<major>` when no image is given. */
  version: z.literal(POSTGRES_MAJORS).optional(),
  /** Docker image for the testcontainers provider. */
  image: z.string().min(1).optional(),
  /** Connection URL for the url provider (else DATABASE_URL). */
  url: z.string().url().optional(),
});

const appSchema = z
  .strictObject({
    /** Shell command that starts the app; rehearse sets DATABASE_URL and PORT. */
    command: z.string().min(1).optional(),
    /** Working directory of the command, relative to the config file. */
    cwd: z.string().min(1).optional(),
    /** Extra environment for the command. */
    env: z.record(z.string(), z.string()).default({}),
    /** Path polled until it answers 2xx. */
    healthPath: z.string().startsWith('/').default('/healthz'),
    /** Prometheus metrics path, sampled during the run (optional). */
    metricsPath: z.string().startsWith('/').optional(),
    /**
     * Which of those metrics are the connection pool's gauges, when their names
     * do not say (rehearse recognises `…pool…waiting`, `…pool…in_use`,
     * `…pool…size`, HikariCP's `hikaricp_connections_pending` and the like).
     */
    poolMetrics: z
      .strictObject({
        /** Requests waiting for a connection. */
        waiting: z.string().min(1).optional(),
        /** Connections checked out. */
        inUse: z.string().min(1).optional(),
        /** Most connections the pool may open. */
        size: z.string().min(1).optional(),
        /** Counter of seconds spent acquiring a connection (`_total`, or a histogram's `_sum`); preferred over `waiting` for time waited. */
        waitSeconds: z.string().min(1).optional(),
      })
      .optional(),
    /** How long the app may take to become healthy. */
    readyTimeoutSeconds: z.number().positive().default(30),
    /** An app already running; rehearse starts nothing. */
    baseUrl: z.string().url().optional(),
  })
  .refine((app) => (app.command === undefined) !== (app.baseUrl === undefined), {
    message: 'expected exactly one of "command" (rehearse starts the app) or "baseUrl" (the app is already running)',
  });

const dataSchema = z.strictObject({
  /** Module exporting the data model, relative to the config file. */
  model: z.string().min(1).optional(),
  /** Multiplies every row count in the model. */
  scale: z.number().positive().default(1),
  /** PRNG seed: same model, scale and seed give identical data. */
  seed: z.number().int().nonnegative().default(42),
});

const scenariosSchema = z.strictObject({
  /** Folder holding scenario files, relative to the config file. */
  dir: z.string().min(1).default('scenarios'),
});

const pageBudgetSchema = z.strictObject({
  p95Ms: z.number().positive().optional(),
  p99Ms: z.number().positive().optional(),
  /** Fraction of failed requests, 0..1. */
  errorRate: z.number().min(0).max(1).optional(),
  /** Queries per request, measured by the probe that requests the page alone. */
  queriesPerRequest: z.number().min(0).optional(),
  /** Response body bytes per request, measured by the same probe. */
  responseBytes: z.number().positive().optional(),
});

/** Measured over the whole load (pg_stat_statements). */
const queryBudgetSchema = z.strictObject({
  /** Mean execution time per call. */
  meanMs: z.number().positive().optional(),
  /** Calls per request of the load (every page's requests). */
  callsPerRequest: z.number().min(0).optional(),
  rowsPerCall: z.number().min(0).optional(),
  /** Shared buffers (hit + read) per call. */
  blocksPerCall: z.number().min(0).optional(),
});

/** A query id as reports print it (8 hex digits) or its whole fingerprint (16). */
export const QUERY_ID_KEY = /^(?:[0-9a-f]{8}|[0-9a-f]{16})$/i;
const SQL_KEY = /^\s*(?:select|with|insert|update|delete|values|table)\b/i;

/** `*`, a query id, a fingerprint, or the query's SQL (matched by fingerprint). */
const queryBudgetKey = z
  .string()
  .refine((key) => key === '*' || QUERY_ID_KEY.test(key) || SQL_KEY.test(key), '"*", a query id from a report (8 hex digits), its fingerprint (16 hex digits), or the query\'s SQL');

const budgetsSchema = z.strictObject({
  /** Budgets per page name; `*` applies to every page. */
  pages: z.record(z.string().min(1), pageBudgetSchema).default({}),
  /** Budgets per query: by id, fingerprint or SQL text; `*` applies to every query. */
  queries: z.record(queryBudgetKey, queryBudgetSchema).default({}),
  /** Regression tolerance for timings, as a fraction (0.1 = 10 %). */
  tolerance: z.number().min(0).default(0.1),
  /** What a deploy or rollback rehearsed under load (`run --deploy-at`) may cost; exit 1 past it. */
  release: z
    .strictObject({
      /** The longest any session may wait behind a migration statement's lock, ms. */
      maxLockWaitMs: z.number().nonnegative().optional(),
      /** Failed requests ÷ requests from an action's start until traffic moved (0.01 = 1 %). */
      maxErrorRateDuringSwitch: z.number().min(0).max(1).optional(),
      /** Seconds after the switch until every page is back in its pre-deploy band. */
      maxRecoverySeconds: z.number().nonnegative().optional(),
    })
    .optional(),
  /** What the cache server (`services.redis`) may use during the load; exit 1 past it. */
  cache: z
    .strictObject({
      /** Its busiest interval's CPU, % of one core (Redis runs commands on one thread). */
      maxCpuPercent: z.number().positive().optional(),
    })
    .optional(),
});

/** What one named release changes in how the app starts; `rehearse run --release <name>` applies it. */
const releaseSchema = z.strictObject({
  /** Environment for the app, merged over app.env (`--app-env` still wins). */
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name'), z.string()).optional(),
  /** Replaces app.command for this release. */
  command: z.string().min(1).optional(),
  /** Another config file, relative to this one, whose app section this release uses. */
  config: z.string().min(1).optional(),
  /** One line saying what the release changes. */
  description: z.string().optional(),
  /**
   * A folder of `.sql` files, relative to the config, that migrate the database to this release: run in
   * name order, statement by statement, by a deploy rehearsed during the load (`run --deploy-at`), each
   * statement timed and its locks sampled. The app is then started with REHEARSE_MIGRATIONS_APPLIED=1.
   */
  migrations: z.string().min(1).optional(),
  /**
   * Instead of `migrations`: the shell command that migrates the database to this release (e.g.
   * `npm run migrate`), run by a deploy rehearsed during the load in the release's app directory with its
   * environment (DATABASE_URL as the app gets it, PGAPPNAME so its sessions' locks are told apart).
   */
  migrate: z.string().min(1).optional(),
});

const releaseEntrySchema = releaseSchema.refine((release) => release.migrations === undefined || release.migrate === undefined, {
  message: 'expected one of "migrations" (a folder of .sql files) or "migrate" (a command), not both',
  path: ['migrate'],
});

/** What `rehearse capacity` judges a release against. */
const capacitySchema = z.strictObject({
  /**
   * The expected peak per journey, arrivals/s (e.g. at 4pm on a parents' evening): headroom is the
   * capacity over their sum, and the capacity run's steps climb around it. Without it, a journey's
   * own load's highest rate stands in.
   */
  peak: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a journey name made of letters, digits and _'), z.number().positive()).optional(),
});

/**
 * The cache server the app uses: a Redis the user runs (`url`), or one rehearse starts for the run
 * from the machine's redis-server (`start: true`: a free loopback port, no persistence, stopped at
 * the end). Either way the app gets REDIS_URL and rehearse watches the server during the load.
 */
const redisServiceSchema = z.union([
  z.strictObject({ url: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL') }),
  z.strictObject({ start: z.literal(true) }),
]);

const servicesSchema = z.strictObject({
  redis: redisServiceSchema.optional(),
});

/** A release name as it appears in run ids and on the command line. */
export const RELEASE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

export const configSchema = z.strictObject({
  db: dbSchema.default({ settings: {} }),
  app: appSchema.optional(),
  /** Named releases and how to select each; without it `--release` is only a label. */
  releases: z.record(z.string().regex(RELEASE_NAME, 'a release name of letters, digits, ".", "_" and "-"'), releaseEntrySchema).optional(),
  data: dataSchema.default({ scale: 1, seed: 42 }),
  scenarios: scenariosSchema.default({ dir: 'scenarios' }),
  budgets: budgetsSchema.default({ pages: {}, queries: {}, tolerance: 0.1 }),
  capacity: capacitySchema.optional(),
  /** Servers beside the database that the app uses and rehearse watches. */
  services: servicesSchema.optional(),
});

/** What a user writes in rehearse.config.ts. */
export type UserConfig = z.input<typeof configSchema>;
/** The validated config with every default filled in. */
export type Config = z.output<typeof configSchema>;
export type PageBudget = z.output<typeof pageBudgetSchema>;
export type QueryBudget = z.output<typeof queryBudgetSchema>;
export type ReleaseConfig = z.output<typeof releaseSchema>;
export type AppConfig = NonNullable<Config['app']>;
export type RedisServiceConfig = NonNullable<NonNullable<Config['services']>['redis']>;
