/**
 * The exact limits of every regression check, in one place. docs/REPORTS.md
 * explains each; the analysis JSON carries the values it used.
 *
 * Deterministic counters come from the per-page query profile (a probe that
 * requests each page alone) and from pg_stat_statements over the whole load.
 * They do not move with machine noise, so a threshold only has to rule out
 * data-dependent wobble (which users a cache had already seen, which plan
 * the planner picked for a tiny table), not timing noise. Each counter check
 * needs both a ratio and an absolute increase, so that 1 → 2.5 queries does
 * not fail a page and 0.1 → 0.6 blocks does not fail a query.
 */
export interface Thresholds {
  /** A page's queries per request: fail at ≥ ratio × baseline and ≥ baseline + increase. */
  queriesPerRequest: { ratio: number; increase: number };
  /** A page's rows returned per request. */
  rowsPerRequest: { ratio: number; increase: number };
  /** A page's shared buffers (hit + read) per request. */
  blocksPerRequest: { ratio: number; increase: number };
  /** A page's response body bytes per request (probe). */
  responseBytesPerRequest: { ratio: number; increase: number };
  /**
   * The app's CPU milliseconds per request of a page (probe, the app's process
   * tree). Unlike the database counters it moves between runs of one release:
   * a page of 1–2 ms measured 1.2 and 2.4 ms in two baseline runs (GC and JIT
   * land in whichever page is being probed), a 40 ms page 38 and 40 ms; so
   * fail at ≥ 1.5× and ≥ +2 ms, which bookings-costly-render's My Bookings
   * (1.2 → 4.8 ms) crosses and those do not.
   */
  appCpuMsPerRequest: { ratio: number; increase: number };
  /**
   * A page's cache server commands per request (probe, INFO commandstats over its first round).
   * A lookup that hits is one GET, one that misses a GET and a SET, so a page whose lookups all
   * start to miss doubles: fail at ≥ 1.5× and ≥ +0.5 commands, which a feed cached per user
   * (1 → 2 on Posts) crosses and a few more cold keys in one run's probe users do not. Two
   * baseline runs of posts-feed-burst measured Posts at exactly 1 (GET 1, no miss) both times.
   */
  cacheCommandsPerRequest: { ratio: number; increase: number };
  /**
   * The cache server's CPU at its busiest interval of the load, % of one core (median over repeats).
   * Unlike its commands it moves with the machine and with Redis' own timers: fail at ≥ 1.5× and
   * ≥ +5 points. Three baseline runs of posts-feed-burst peaked at 0.45, 0.47 and 0.72 % (an idle
   * Redis' housekeeping is most of that): 1.52× between two of them, so the ratio alone would fail
   * an A/A pair, while 5 points is work a release added. posts-cache-per-user peaked at 0.66 and
   * 0.67 % and passes: at that load its cache change shows in cache-commands-per-request, not in
   * CPU (docs/BENCHMARKS.md). `budgets.cache.maxCpuPercent` is the absolute limit.
   */
  cacheCpuPercentAtPeak: { ratio: number; increase: number };
  /** A query's calls per request of one page (query profile). */
  pageQueryCalls: { ratio: number; increase: number };
  /** A query's calls per request over the whole load (calls / all requests). */
  statementCallsPerRequest: { ratio: number; increase: number };
  /** A query's rows returned per call. */
  statementRowsPerCall: { ratio: number; increase: number };
  /** A query's shared buffers per call. */
  statementBlocksPerCall: { ratio: number; increase: number };
  /**
   * A new Seq Scan fails when the query's buffers per call grew at least
   * `seqScanBlocksRatio` ×, or the scan is estimated to return at least
   * `seqScanLargeRows` rows; a Seq Scan of a small table (which the planner
   * picks or not from run to run as statistics change) does not.
   */
  seqScanBlocksRatio: number;
  seqScanLargeRows: number;
  /**
   * Buffers growing `seqScanBlocksRatio` × count for a Seq Scan only when the
   * query also reads at least this many more buffers per call (50 × 8 KiB),
   * so a scan of a tiny table that went from 3 to 8 buffers is not blamed.
   */
  seqScanBlocksIncrease: number;
  /** A new query (no predecessor) with a Seq Scan fails at ≥ `seqScanLargeRows` estimated rows or at least this many buffers per call. */
  seqScanNewQueryBlocksPerCall: number;
  /**
   * A query's mean time or total time per request of the load: slower at ≥
   * `ratio` × its predecessor's and adding at least `increaseMs` per request
   * of the load. A warning with one run per side; with repeats on both sides
   * it fails when every candidate run is slower than every baseline run.
   */
  queryTime: { ratio: number; increaseMs: number };
  /**
   * "A new query that dominates database time is a headline in itself": a
   * query taking at least `share` of the candidate's database time whose
   * predecessor took at most `baselineShare` (0 when new) fails, when it
   * costs at least `minMsPerRequest` per request of the load and at least
   * that much more than its predecessor.
   */
  dbTimeShare: { share: number; baselineShare: number; minMsPerRequest: number };
  /**
   * Failing checks are ranked by their cost (added ms per request of the
   * load) only from this cost up; below it the difference is noise of a short
   * load (0.006 vs 0.014 ms was seen between two queries of one N+1), and
   * the kind's rank picks the sentence that says why.
   */
  costRankFloorMs: number;
  /** "is a LIMIT missing?": said when a query's rows per call grew this much. */
  rowsPerCallHint: { ratio: number; increase: number };
  /** "Same query repeated per row (N+1)": the query's calls per request grew at least this much (or it is new). */
  repeatedPerRowRatio: number;
  /** A query with no fingerprint match is the same query changed when its text is at least this similar (token Jaccard). */
  changedQuerySimilarity: number;
  /** A page's error rate: fail when it rises by at least this much (absolute) with at least `minErrors` errors. */
  errorRateIncrease: number;
  minErrors: number;
  /**
   * A page's lock-wait time per request (ms of its sessions waiting on a
   * lock, from pg_stat_activity samples × the sampling interval, ÷ the page's
   * requests).
   */
  lockWaitPerRequest: { ratio: number; increase: number };
  /** A page's idle-in-transaction time per request (ms its transactions sat open between statements ÷ its requests). */
  idleInTransactionPerRequest: { ratio: number; increase: number };
  /** …and the added idle time must be at least this share of the page's mean request time (sampled every 250 ms, a small absolute figure is noise; a tenth of the request is not). */
  idleInTransactionShareOfLatency: number;
  /** Time requests waited for a pool connection per request of the whole load (ms; the app's wait-seconds counter, else its waiting gauge integrated over time). */
  poolWaitPerRequest: { ratio: number; increase: number };
  /**
   * …and the added wait must be at least this share of the candidate's mean
   * request time: 5 ms is a slowdown for an app answering in 20 ms, noise
   * for one answering in 2 s.
   */
  poolWaitShareOfLatency: number;
  /** Lock-wait and idle-in-transaction checks judge nothing seen in fewer session samples than this: one sample is noise. */
  minWaitSamples: number;
  /**
   * The load was not delivered when more than `maxDroppedShare` of a
   * journey's planned arrivals were dropped, or k6 itself used more than
   * `maxK6Cores` over its busiest `k6WindowSeconds`; then the run's timings
   * are not trusted. Neither are they when processes rehearse did not start
   * (other jobs on the machine) took more than `maxOtherCores` of CPU the
   * rehearsal's processes were waiting for, over the busiest window: the app
   * and Postgres waited for CPU, not for the release.
   */
  loadDelivery: { maxDroppedShare: number; maxK6Cores: number; k6WindowSeconds: number; maxOtherCores: number };
  /** Timings: the p95 ratio interval's confidence level and bootstrap resamples. */
  timingConfidence: number;
  bootstrapResamples: number;
  /**
   * A timing verdict's band is the tolerance or this many milliseconds of the
   * baseline's p95, whichever is more: a 5 ms page's 10 % is 0.5 ms, less than
   * one scheduler or GC pause moves a request. Not more than 1 ms: with 2 ms,
   * bookings-costly-render's My Bookings (p95 11.5 → 17.2 ms, 1.45×, five
   * 40-s runs per side) stayed NOT SURE, its 99 % interval never clear of a
   * 20 % band (timing-verdict.ts, docs/BENCHMARKS.md).
   */
  timingFloorMs: number;
}

export const DEFAULT_THRESHOLDS: Thresholds = {
  queriesPerRequest: { ratio: 1.5, increase: 2 },
  rowsPerRequest: { ratio: 5, increase: 10 },
  blocksPerRequest: { ratio: 2, increase: 50 },
  responseBytesPerRequest: { ratio: 1.5, increase: 8192 },
  appCpuMsPerRequest: { ratio: 1.5, increase: 2 },
  cacheCommandsPerRequest: { ratio: 1.5, increase: 0.5 },
  cacheCpuPercentAtPeak: { ratio: 1.5, increase: 5 },
  pageQueryCalls: { ratio: 2, increase: 0.5 },
  statementCallsPerRequest: { ratio: 2.5, increase: 0.1 },
  statementRowsPerCall: { ratio: 5, increase: 10 },
  statementBlocksPerCall: { ratio: 5, increase: 50 },
  seqScanBlocksRatio: 2,
  seqScanLargeRows: 1000,
  seqScanBlocksIncrease: 50,
  seqScanNewQueryBlocksPerCall: 1000,
  queryTime: { ratio: 1.5, increaseMs: 0.2 },
  dbTimeShare: { share: 0.5, baselineShare: 0.1, minMsPerRequest: 0.5 },
  costRankFloorMs: 0.05,
  rowsPerCallHint: { ratio: 2, increase: 10 },
  repeatedPerRowRatio: 5,
  changedQuerySimilarity: 0.5,
  errorRateIncrease: 0.01,
  minErrors: 5,
  lockWaitPerRequest: { ratio: 2, increase: 10 },
  idleInTransactionPerRequest: { ratio: 2, increase: 5 },
  idleInTransactionShareOfLatency: 0.1,
  poolWaitPerRequest: { ratio: 2, increase: 1 },
  poolWaitShareOfLatency: 0.05,
  minWaitSamples: 3,
  loadDelivery: { maxDroppedShare: 0.01, maxK6Cores: 0.9, k6WindowSeconds: 5, maxOtherCores: 0.25 },
  timingConfidence: 0.95,
  bootstrapResamples: 2000,
  timingFloorMs: 1,
};

/** Default regression tolerance for timings (config `budgets.tolerance`, `--tolerance`). */
export const DEFAULT_TOLERANCE = 0.1;

/** True when `value` exceeds `baseline` by both the ratio and the absolute increase. */
export function exceeds(value: number, baseline: number, limit: { ratio: number; increase: number }): boolean {
  return value >= baseline * limit.ratio && value - baseline >= limit.increase;
}
