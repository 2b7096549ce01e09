import type { Timeline, TimelinePoint } from '../run/run-record-schema.ts';
import { compareText } from './compare-text.ts';
import { LatencyHistogram } from './latency-histogram.ts';

interface OpenBucket {
  requests: number;
  errors: number;
  histogram: LatencyHistogram;
}

interface OpenSecond {
  all: OpenBucket;
  pages: Map<string, OpenBucket>;
}

/**
 * Requests, errors, p95 and p50 per page per second, in memory that does not grow
 * with the sample count. k6 writes samples roughly in time order, so only the
 * last `lagSeconds` seconds keep a histogram; older seconds are closed into
 * plain points and their histograms reused. A duration is recorded in its
 * page's histogram only; a second's histogram over every page is their sum,
 * made when the second closes (one HDR record per sample instead of two).
 * A sample for a closed second
 * still counts as a request or error there, but a late duration cannot
 * change its p95: those are counted as `late`. What grows is one small point
 * per page per second: with the run's length, not its sample count.
 */
export class PerSecondTimeline {
  private readonly open = new Map<number, OpenSecond>();
  private readonly closedAll = new Map<number, TimelinePoint>();
  private readonly closedPages = new Map<string, Map<number, TimelinePoint>>();
  private readonly spare: LatencyHistogram[] = [];
  private newest = Number.NEGATIVE_INFINITY;
  private closedBefore = Number.NEGATIVE_INFINITY;
  private lateCount = 0;

  constructor(private readonly lagSeconds = 30) {}

  get late(): number {
    return this.lateCount;
  }

  addDuration(page: string, second: number, milliseconds: number): void {
    const open = this.secondFor(second);
    if (!open) {
      this.addLate(page, second, 1, 0, milliseconds);
      return;
    }
    const bucket = this.pageBucket(open, page);
    bucket.requests += 1;
    bucket.histogram.record(milliseconds);
    open.all.requests += 1;
  }

  addError(page: string, second: number): void {
    const open = this.secondFor(second);
    if (!open) {
      this.addLate(page, second, 0, 1, 0);
      return;
    }
    this.pageBucket(open, page).errors += 1;
    open.all.errors += 1;
  }

  /** Closes every open second and returns the points, oldest first. */
  finish(): Timeline {
    this.closeBefore(Number.POSITIVE_INFINITY);
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const second of this.closedAll.keys()) {
      first = Math.min(first, second);
      last = Math.max(last, second);
    }
    const pages = [...this.closedPages.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .map(([page, points]) => ({ page, points: gapless(points, first, last) }));
    return { bucketSeconds: 1, all: gapless(this.closedAll, first, last), pages };
  }

  private secondFor(second: number): OpenSecond | undefined {
    if (second < this.closedBefore) return undefined;
    if (second > this.newest) {
      this.newest = second;
      this.closeBefore(second - this.lagSeconds);
    }
    let open = this.open.get(second);
    if (!open) {
      open = { all: this.newBucket(), pages: new Map() };
      this.open.set(second, open);
    }
    return open;
  }

  private pageBucket(open: OpenSecond, page: string): OpenBucket {
    let bucket = open.pages.get(page);
    if (!bucket) {
      bucket = this.newBucket();
      open.pages.set(page, bucket);
    }
    return bucket;
  }

  private newBucket(): OpenBucket {
    return { requests: 0, errors: 0, histogram: this.spare.pop() ?? new LatencyHistogram(2) };
  }

  private closeBefore(limit: number): void {
    if (limit <= this.closedBefore) return;
    for (const [second, open] of this.open) {
      if (second >= limit) continue;
      for (const bucket of open.pages.values()) open.all.histogram.add(bucket.histogram);
      this.closedAll.set(second, this.close(second, open.all));
      for (const [page, bucket] of open.pages) this.pagePoints(page).set(second, this.close(second, bucket));
      this.open.delete(second);
    }
    this.closedBefore = limit;
  }

  private close(second: number, bucket: OpenBucket): TimelinePoint {
    const point = { time: second * 1000, requests: bucket.requests, errors: bucket.errors, p95: bucket.histogram.percentile(95), p50: bucket.histogram.percentile(50) };
    bucket.histogram.reset();
    this.spare.push(bucket.histogram);
    return point;
  }

  private pagePoints(page: string): Map<number, TimelinePoint> {
    let points = this.closedPages.get(page);
    if (!points) {
      points = new Map();
      this.closedPages.set(page, points);
    }
    return points;
  }

  private addLate(page: string, second: number, requests: number, errors: number, milliseconds: number): void {
    if (requests > 0) this.lateCount += 1;
    for (const points of [this.closedAll, this.pagePoints(page)]) {
      const point = points.get(second);
      if (point) {
        point.requests += requests;
        point.errors += errors;
      } else {
        points.set(second, { time: second * 1000, requests, errors, p95: requests > 0 ? milliseconds : 0, p50: requests > 0 ? milliseconds : 0 });
      }
    }
  }
}

/** One point per second from `first` to `last`, zeros where nothing happened, so charts share one axis. */
function gapless(points: Map<number, TimelinePoint>, first: number, last: number): TimelinePoint[] {
  const out: TimelinePoint[] = [];
  for (let second = first; second <= last; second++) {
    out.push(points.get(second) ?? { time: second * 1000, requests: 0, errors: 0, p95: 0, p50: 0 });
  }
  return out;
}
