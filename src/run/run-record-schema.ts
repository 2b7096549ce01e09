import { z } from 'zod';
import { releaseEventSchema } from '../release/release-event-schema.ts';

/**
 * The run record: what one rehearsal measured, written to
 * `reports/<run-id>/run.json`. Collectors produce its parts, analysis and
 * reports read it; a baseline is just an older record. Bump the version on
 * any change a reader of the previous version would misread.
 *
 * Conventions: durations in milliseconds (`…Ms`), instants inside the
 * measurements as unix epoch milliseconds (`time`), the run's own start and
 * finish as ISO strings.
 */
export const RUN_RECORD_SCHEMA_VERSION = 1;

const count = z.number().int().nonnegative();
const nonNegative = z.number().nonnegative();
const epochMs = z.number().int().nonnegative();

export const latencySchema = z.object({
  mean: nonNegative,
  p50: nonNegative,
  p90: nonNegative,
  p95: nonNegative,
  p99: nonNegative,
  max: nonNegative,
});
export type Latency = z.infer<typeof latencySchema>;

/** One page (k6 `name` tag) over the whole run, from http_req_duration and http_req_failed. */
export const pageResultSchema = z.object({
  page: z.string(),
  requests: count,
  errors: count,
  /** errors / requests, 0 when there were no requests. */
  errorRate: z.number().min(0).max(1),
  /** Requests per second over the whole run window (first to last sample). */
  throughput: nonNegative,
  latencyMs: latencySchema,
  /** `HTTP 500`, or k6's error text for a request with no response; at most 20 causes, the rest as `other`. */
  errorCauses: z.record(z.string(), count),
});
export type PageResult = z.infer<typeof pageResultSchema>;

export const totalsSchema = pageResultSchema.omit({ page: true }).extend({
  durationSeconds: nonNegative,
  /** Start of the first and last second that held a sample; null without samples. */
  firstSampleAt: epochMs.nullable(),
  lastSampleAt: epochMs.nullable(),
});
export type Totals = z.infer<typeof totalsSchema>;

export const timelinePointSchema = z.object({
  /** Start of the one-second bucket. */
  time: epochMs,
  requests: count,
  errors: count,
  /** p95 of the bucket's response times (HDR, 2 significant digits); 0 when it had none. */
  p95: nonNegative,
  /** p50 of the bucket's response times; absent in records written before rehearse kept it. */
  p50: nonNegative.optional(),
});
export type TimelinePoint = z.infer<typeof timelinePointSchema>;

export const timelineSchema = z.object({
  bucketSeconds: z.literal(1),
  /** Every page together. */
  all: z.array(timelinePointSchema),
  pages: z.array(z.object({ page: z.string(), points: z.array(timelinePointSchema) })),
});
export type Timeline = z.infer<typeof timelineSchema>;

export const checkResultSchema = z.object({ name: z.string(), passes: count, fails: count });
export type CheckResult = z.infer<typeof checkResultSchema>;

/**
 * Samples of the metrics rehearse reads (http_req_duration, http_req_failed,
 * checks; others are skipped uncounted), records that could not be read, and
 * durations that arrived after their timeline second was closed (counted,
 * but not in that second's p95). `truncated`: the raw output ended early
 * (k6 was killed), so the results cover only part of the run.
 */
export const sampleCountsSchema = z.object({
  used: count,
  malformed: count,
  late: count,
  truncated: z.boolean().optional(),
});
export type SampleCounts = z.infer<typeof sampleCountsSchema>;

/** Everything read from k6's raw samples. */
export const k6ResultsSchema = z.object({
  pages: z.array(pageResultSchema),
  totals: totalsSchema,
  timeline: timelineSchema,
  checks: z.array(checkResultSchema),
  samples: sampleCountsSchema,
});

export const planSummarySchema = z.object({
  nodeTypes: z.array(z.string()),
  seqScans: z.array(z.object({ relation: z.string(), estimatedRows: nonNegative })),
  joinMethods: z.array(z.string()),
  indexes: z.array(z.string()),
  totalCost: nonNegative,
  estimatedRows: nonNegative,
  /** How each relation is read (`appointments` → `Index Scan`), sorted; absent in records written before it was kept. */
  access: z.array(z.object({ relation: z.string(), scan: z.string() })).optional(),
});
export type PlanSummary = z.infer<typeof planSummarySchema>;

export const statementPlanSchema = z.object({
  /** Planned with GENERIC_PLAN (the text had $n parameters). */
  generic: z.boolean(),
  summary: planSummarySchema,
  /** EXPLAIN (FORMAT JSON) output, as Postgres returned it. */
  json: z.unknown(),
});
export type StatementPlan = z.infer<typeof statementPlanSchema>;

/** One query shape from pg_stat_statements, entries with the same fingerprint merged. */
export const statementSchema = z.object({
  /** libpg_query fingerprint of the text (16 hex digits); stable across runs and servers. */
  fingerprint: z.string().regex(/^[0-9a-f]{16}$/),
  /** Short id for people: the fingerprint's first 8 digits. */
  id: z.string().regex(/^[0-9a-f]{8}$/),
  /** pg_stat_statements' queryids, for looking the query up on that server only: they differ across major versions and (before 18) relation OIDs. */
  queryIds: z.array(z.string()),
  /** Normalized text: constants as $n, whitespace collapsed. */
  query: z.string(),
  calls: count,
  totalMs: nonNegative,
  meanMs: nonNegative,
  stddevMs: nonNegative,
  minMs: nonNegative,
  maxMs: nonNegative,
  rows: count,
  sharedBlocksHit: count,
  sharedBlocksRead: count,
  tempBlocksRead: count,
  tempBlocksWritten: count,
  plan: statementPlanSchema.nullable(),
  /** Why there is no plan (a utility statement, an untyped parameter …); null when there is one or none was asked for. */
  planError: z.string().nullable(),
});
export type Statement = z.infer<typeof statementSchema>;

/** One client backend of the run database that was not idle: active, or idle inside a transaction. */
export const activitySessionSchema = z.object({
  pid: z.number().int(),
  /** `active`, `idle in transaction`, `idle in transaction (aborted)`, `fastpath function call`. */
  state: z.string(),
  /** `Lock:transactionid`, `IO:DataFileRead`, `Client:ClientRead` …; null when not waiting. */
  waitEvent: z.string().nullable(),
  /** The running (or, idle in a transaction, the last) statement, constants replaced by $n, truncated; null when empty. */
  query: z.string().nullable(),
  /** Fingerprint of the full statement (query-fingerprint.ts), for attributing the session to a page. */
  fingerprint: z.string().nullable(),
  /** How long it has been in this state. */
  stateMs: nonNegative.nullable(),
  /** How long since its transaction began; null outside a transaction. */
  transactionMs: nonNegative.nullable(),
  /** pg_blocking_pids(pid) while waiting on a lock; empty otherwise. */
  blockedBy: z.array(z.number().int()),
  /** For a lock wait, the table the lock is on (`login_counters`), when Postgres says or the blocker's row lock tells; else null. */
  lockRelation: z.string().nullable(),
  /** Idle in transaction: the tables its transaction has written so far (it holds their changed rows locked until it ends). */
  writtenRelations: z.array(z.string()).optional(),
});
export type ActivitySession = z.infer<typeof activitySessionSchema>;

export const activitySampleSchema = z.object({
  time: epochMs,
  /** Client backends connected to the run's database. */
  connections: count,
  active: count,
  idleInTransaction: count,
  /** Active and waiting on something (wait_event_type set): locks, I/O, LWLocks. */
  waiting: count,
  /** `Lock:transactionid` → number of active backends waiting on it. */
  waitEvents: z.record(z.string(), count),
  longestRunningMs: nonNegative.nullable(),
  /** Its text with constants replaced by $n, truncated. */
  longestRunningQuery: z.string().nullable(),
  /** The longest a session had sat idle in its open transaction; null when none did. Absent in records written before rehearse sampled it. */
  longestIdleInTransactionMs: nonNegative.nullable().optional(),
  /** Every non-idle client backend (the sampler's own excluded); absent in older records. */
  sessions: z.array(activitySessionSchema).optional(),
});
export type ActivitySample = z.infer<typeof activitySampleSchema>;

export const metricsSampleSchema = z.object({
  time: epochMs,
  /** `name{label="value",…}` → value, counters and gauges only. */
  values: z.record(z.string(), z.number()),
});
export type MetricsSample = z.infer<typeof metricsSampleSchema>;

/** Connection-pool gauges of the app's metrics, by name (`portal_db_pool_waiting`, optionally with labels). */
export const poolMetricNamesSchema = z.strictObject({
  waiting: z.string().min(1).optional(),
  inUse: z.string().min(1).optional(),
  size: z.string().min(1).optional(),
  /** A counter of seconds spent acquiring connections; preferred over the waiting gauge for time waited. */
  waitSeconds: z.string().min(1).optional(),
});
export type PoolMetricNames = z.infer<typeof poolMetricNamesSchema>;

export const samplerFailuresSchema = z.object({ count, last: z.string().nullable() });
export type SamplerFailures = z.infer<typeof samplerFailuresSchema>;

/** The CPU part for everything on the machine that is not the rehearsal's: other jobs, other users' work. */
export const OTHERS_PART = 'others';

/** CPU used in one interval: part (`app`, `postgres`, `k6`, `others`) → cores busy (CPU seconds per second). */
export const cpuSampleSchema = z.object({
  time: epochMs,
  cores: z.record(z.string(), nonNegative),
  /** With `others` measured: the rehearsal's threads' time waiting on a run queue for a CPU, in cores (seconds per second). */
  waiting: nonNegative.optional(),
});
export type CpuSample = z.infer<typeof cpuSampleSchema>;

/** CPU of the processes rehearse started, from /proc, every interval of the load. */
export const cpuSectionSchema = z.object({
  intervalMs: count,
  /** The parts measured, and why any other was not (`postgres`: "runs in a container"). */
  measured: z.array(z.string()),
  notMeasured: z.record(z.string(), z.string()),
  samples: z.array(cpuSampleSchema),
  failures: samplerFailuresSchema,
});
export type CpuSection = z.infer<typeof cpuSectionSchema>;

/**
 * What the cache server did in one interval of the load (INFO deltas), and its gauges at the end
 * of it. `commands`: command name → calls (rehearse's own INFO and connection handshakes left out).
 */
export const cacheSampleSchema = z.object({
  time: epochMs,
  commands: z.record(z.string(), count),
  /** Lookups of a key that was there (keyspace_hits) and that was not (keyspace_misses). */
  hits: count,
  misses: count,
  /** Bytes the server read from and wrote to its clients. */
  inputBytes: count,
  outputBytes: count,
  usedMemoryBytes: count,
  /** Clients connected, rehearse's own sampler left out. */
  connectedClients: count,
  /** Cores busy: the server's CPU seconds (INFO cpu, user + sys) per second of the interval. */
  cpuCores: nonNegative,
});
export type CacheSample = z.infer<typeof cacheSampleSchema>;

/**
 * The cache server (`services.redis`) during the load; absent when none is configured (and in
 * records written before rehearse watched one).
 */
export const cacheServerSectionSchema = z.object({
  /** `started`: rehearse ran redis-server for the run; `url`: a Redis the user runs; null when not measured. */
  source: z.enum(['started', 'url']).nullable(),
  /** Why it was not measured ("redis-server is not installed …"); null when it was. */
  notMeasured: z.string().nullable(),
  intervalMs: count,
  samples: z.array(cacheSampleSchema),
  failures: samplerFailuresSchema,
});
export type CacheServerSection = z.infer<typeof cacheServerSectionSchema>;

export const profileStatementSchema = z.object({
  fingerprint: z.string(),
  id: z.string(),
  query: z.string(),
  calls: count,
  callsPerRequest: nonNegative,
  rowsPerCall: nonNegative,
  sharedBlocksPerCall: nonNegative,
  meanMs: nonNegative,
});
export type ProfileStatement = z.infer<typeof profileStatementSchema>;

/** Deterministic per-page database cost, from a probe that requests one page alone. */
export const queryProfileSchema = z.object({
  page: z.string(),
  requests: count,
  queriesPerRequest: nonNegative,
  rowsPerRequest: nonNegative,
  sharedBlocksPerRequest: nonNegative,
  /** Body bytes per answered request; absent in records written before rehearse measured it. */
  responseBytesPerRequest: nonNegative.optional(),
  /** BEGIN / START TRANSACTION per request; absent in records written before transaction control was counted apart (analysis recounts it from `statements`). */
  transactionsPerRequest: nonNegative.optional(),
  /**
   * CPU milliseconds of the app's whole process tree (every thread) per answered request, over the
   * first round and the repeats that make it stable (the database counters are the first round's);
   * null when rehearse did not start the app (app.baseUrl) or cannot read process CPU; absent in
   * records written before rehearse measured it.
   */
  appCpuMsPerRequest: nonNegative.nullable().optional(),
  /**
   * Cache server commands per answered request of the first round, by command (`get` → 1), from
   * INFO commandstats before and after it; absent when no cache server was measured.
   */
  cacheCommands: z.record(z.string(), nonNegative).optional(),
  /** Their sum, and the lookups of that round that missed, per request; absent as above. */
  cacheCommandsPerRequest: nonNegative.optional(),
  cacheMissesPerRequest: nonNegative.optional(),
  statements: z.array(profileStatementSchema),
});
export type QueryProfile = z.infer<typeof queryProfileSchema>;

export const machineSchema = z.object({
  cpus: count,
  cpuModel: z.string(),
  memoryBytes: count,
  platform: z.string(),
  arch: z.string(),
});
export type Machine = z.infer<typeof machineSchema>;

/** A scenario budget as recorded: latency and error limits (`page` tag or every request). */
export const scenarioBudgetSchema = z.object({ p95Ms: nonNegative.optional(), p99Ms: nonNegative.optional(), errorRate: z.number().min(0).max(1).optional() });

export const runContextSchema = z.object({
  rehearseVersion: z.string(),
  node: z.string(),
  k6Version: z.string().nullable(),
  postgresVersion: z.string().nullable(),
  machine: machineSchema,
  scenario: z.object({
    name: z.string(),
    file: z.string(),
    /**
     * The scenario's budgets as the run was driven with them (k6's thresholds),
     * so a report never depends on finding the file again; absent in records
     * written before they were stored.
     */
    budgets: z.object({ pages: z.record(z.string(), scenarioBudgetSchema), overall: scenarioBudgetSchema.nullable() }).optional(),
  }),
  release: z.string().nullable(),
  /**
   * What the named release changed in how the app started (the config's `releases`); absent when
   * nothing was applied (no `--release`, a config without releases, or a record written before).
   */
  appliedRelease: z
    .object({
      name: z.string(),
      description: z.string().nullable(),
      /** The release's environment, credential-like values masked. */
      env: z.record(z.string(), z.string()),
      /** The command that replaced app.command; null when kept. */
      command: z.string().nullable(),
      /** The config file whose app section was used, relative to the config; null when none. */
      config: z.string().nullable(),
    })
    .optional(),
  /**
   * The expected peak a capacity run is judged against (arrivals/s, every journey together), and
   * per journey, from the config's `capacity.peak` or else the scenario's own peak rates; absent
   * in runs that are not capacity runs (and in records written before).
   */
  capacity: z.object({ expectedPeak: z.number().positive(), peaks: z.record(z.string(), nonNegative), source: z.enum(['config', 'scenario']) }).optional(),
  scale: z.number().nullable(),
  seed: z.union([z.number(), z.string()]).nullable(),
  /**
   * Production's planner settings set on the run's database (`--profile`): each with production's
   * value, and `notApplied` saying why when the rehearsal server could not take it; absent without a profile.
   */
  profileSettings: z
    .object({
      source: z.string(),
      capturedOn: z.string(),
      database: z.string(),
      settings: z.array(z.object({ name: z.string(), value: z.string(), notApplied: z.string().optional() })),
      reanalyzed: z.boolean(),
    })
    .optional(),
  /** `embedded`, `testcontainers` or `url`; `external` for a collected run; never the connection string. */
  dbProvider: z.string(),
  /**
   * A run rehearse did not drive (`rehearse collect`): k6 runners elsewhere (k6-operator) against an
   * app and a database that were not rehearse's, so the record has no database or app sections.
   * Absent for runs rehearse drove.
   */
  collected: z
    .object({
      from: z.string(),
      runners: count,
      appAndDatabase: z.literal('external'),
      /** `host:port/database` the database collectors read (`collect --db-url`), never credentials; the stages say which ran. */
      database: z.string().optional(),
    })
    .optional(),
});
export type RunContext = z.infer<typeof runContextSchema>;

/**
 * What happened to one stage of a run. `failed`: it ran and did not finish
 * its work (the message says why); `not-run`: an earlier failure or an
 * interruption meant it never started; `skipped`: nothing to do (the message
 * says why, e.g. no app metrics configured).
 */
export const STAGE_STATUSES = ['ok', 'failed', 'skipped', 'not-run'] as const;
export type StageStatus = (typeof STAGE_STATUSES)[number];

export const stageSchema = z.object({
  /** `database`, `seed`, `test data`, `app`, `load`, `collect activity`, `results`, `probe` … */
  name: z.string(),
  status: z.enum(STAGE_STATUSES),
  startedAt: epochMs.nullable(),
  finishedAt: epochMs.nullable(),
  message: z.string().nullable(),
});
export type Stage = z.infer<typeof stageSchema>;

/** One phase of the load as the load driver ran it (one today; capacity steps are several). */
/** A k6 threshold that failed: `http_req_duration{page:Posts}` and `p(95)<300`. */
export const failedThresholdSchema = z.object({ metric: z.string(), threshold: z.string() });

/** One of several k6 processes that shared a phase's load (`--runners`, k6-operator). */
export const loadRunnerSchema = z.object({
  /** Its `--execution-segment`, e.g. `1/2:1`. */
  segment: z.string(),
  /** Its raw samples, a file name inside the run directory. */
  rawFile: z.string(),
  /** null when it never finished. */
  exitCode: z.number().int().nullable(),
  /** The host it ran on through a command prefix (`--runners` with hosts); absent on rehearse's own. */
  host: z.string().optional(),
});
export type LoadRunner = z.infer<typeof loadRunnerSchema>;

export const loadPhaseSchema = z.object({
  name: z.string(),
  startedAt: epochMs,
  finishedAt: epochMs.nullable(),
  /** k6's exit code; null when it never finished (killed, interrupted). */
  exitCode: z.number().int().nullable(),
  thresholdsFailed: z.boolean(),
  /** Which thresholds failed, from k6's summary; absent when k6 wrote none. */
  failedThresholds: z.array(failedThresholdSchema).optional(),
  /** k6's `--execution-segment-sequence` when the phase ran on several runners; absent for one k6. */
  segmentSequence: z.string().optional(),
  /** Each runner of the phase, when it ran on several; absent for one k6. */
  runners: z.array(loadRunnerSchema).optional(),
});
export type LoadPhaseResult = z.infer<typeof loadPhaseSchema>;

/**
 * One k6 scenario as planned: a journey's load, or one plateau of a stepped
 * (capacity) load. `offeredRate` and `plannedArrivals` are null for
 * executors that loop VUs instead of starting arrivals.
 */
export const plannedScenarioSchema = z.object({
  /** k6's scenario name (the `scenario` tag on every sample). */
  scenario: z.string(),
  journey: z.string(),
  /** The plateau of a stepped load (0-based); null otherwise. */
  step: z.number().int().nonnegative().nullable(),
  /** The first seconds of a plateau, driven but left out of the step's statistics. */
  warmup: z.boolean(),
  /** Arrivals per second at the plateau, or at the top of a ramp. */
  offeredRate: nonNegative.nullable(),
  /** Arrivals k6 was asked to start over the scenario. */
  plannedArrivals: nonNegative.nullable(),
  preAllocatedVUs: count.nullable(),
  maxVUs: count.nullable(),
  /** Seconds from the start of the test (k6 `startTime`), and how long it runs. */
  startSeconds: nonNegative,
  durationSeconds: nonNegative,
});
export type PlannedScenario = z.infer<typeof plannedScenarioSchema>;

/** What k6 did for one scenario, from its samples (`scenario` tag). */
export const scenarioResultSchema = z.object({
  scenario: z.string(),
  /** Iterations that ran to their end (k6 `iterations`). */
  iterations: count,
  /** Arrivals k6 could not start for want of a free VU (k6 `dropped_iterations`). */
  dropped: count,
  /** Per page, over this scenario's requests only. */
  pages: z.array(pageResultSchema),
  /** Start of the first and last second that held one of its requests; null without requests. */
  firstSampleAt: epochMs.nullable(),
  lastSampleAt: epochMs.nullable(),
});
export type ScenarioResult = z.infer<typeof scenarioResultSchema>;

/** The load as planned and as k6 delivered it; absent in records written before rehearse kept it. */
export const loadSectionSchema = z.object({
  plan: z.array(plannedScenarioSchema),
  scenarios: z.array(scenarioResultSchema),
  /** The most VUs k6 had allocated (`vus_max`) and running at once (`vus`); null without those samples. */
  vusAllocated: count.nullable(),
  vusActive: count.nullable(),
});
export type LoadSection = z.infer<typeof loadSectionSchema>;

/** What the k6 samples give: the record's results, and the delivered half of its `load` section. */
export type K6Results = z.infer<typeof k6ResultsSchema> & { delivered: Omit<LoadSection, 'plan'> };

export const RUN_STATUSES = ['complete', 'incomplete', 'interrupted'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export const runRecordSchema = z
  .object({
    schemaVersion: z.literal(RUN_RECORD_SCHEMA_VERSION),
    id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a run id of letters, digits, ".", "_" and "-"'),
    status: z.enum(RUN_STATUSES),
    /** What ended the run early: the stage (`database`, `app`, `k6`, `collect`, `signal` …) and the message. */
    failure: z.object({ stage: z.string(), message: z.string() }).nullable(),
    /** Every stage in order with its status; empty in records written before stages were recorded. */
    stages: z.array(stageSchema).default([]),
    startedAt: z.iso.datetime(),
    finishedAt: z.iso.datetime().nullable(),
    context: runContextSchema,
    k6: z.object({
      /** null when k6 never finished (killed, interrupted). */
      exitCode: z.number().int().nullable(),
      thresholdsFailed: z.boolean(),
      /** Which thresholds failed (k6's own verdict per budget); absent in records written before rehearse kept them. */
      failedThresholds: z.array(failedThresholdSchema).optional(),
    }),
    /** The load's phases as driven; empty in records written before phases were recorded. */
    phases: z.array(loadPhaseSchema).default([]),
    pages: z.array(pageResultSchema),
    /** null when no k6 samples were read. */
    totals: totalsSchema.nullable(),
    timeline: timelineSchema,
    checks: z.array(checkResultSchema),
    samples: sampleCountsSchema,
    statements: z.array(statementSchema),
    /** pg_stat_statements entries evicted during the run (pg_stat_statements_info.dealloc): >0 means statements are incomplete. */
    statementsDeallocated: count,
    activity: z.object({ intervalMs: count, samples: z.array(activitySampleSchema), failures: samplerFailuresSchema }),
    /** null when the app has no /metrics (or none was configured). */
    appMetrics: z
      .object({
        url: z.string(),
        intervalMs: count,
        samples: z.array(metricsSampleSchema),
        failures: samplerFailuresSchema,
        /** The config's `app.poolMetrics`: which gauges are the connection pool's, when their names do not say. */
        poolMetrics: poolMetricNamesSchema.optional(),
      })
      .nullable(),
    /** Absent in records written before CPU was measured. */
    cpu: cpuSectionSchema.optional(),
    cacheServer: cacheServerSectionSchema.optional(),
    /** The load as planned per k6 scenario and as delivered; absent in records written before it was kept. */
    load: loadSectionSchema.optional(),
    queryProfiles: z.array(queryProfileSchema),
    /** The deploy and rollback rehearsed during the load (`--deploy-at`); absent on a run without one. */
    releaseEvent: releaseEventSchema.optional(),
    /** File names inside the run directory; null when not written. */
    files: z.object({ k6Raw: z.string().nullable(), appLog: z.string().nullable() }),
  })
  .refine((record) => (record.status === 'complete') === (record.failure === null), {
    message: 'a complete run has no failure; an incomplete or interrupted one says what failed',
    path: ['failure'],
  });
export type RunRecord = z.infer<typeof runRecordSchema>;
