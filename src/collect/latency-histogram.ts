import { build, type Histogram } from 'hdr-histogram-js';

/**
 * Response times in milliseconds, recorded into an HDR histogram at
 * microsecond resolution: fixed memory whatever the sample count, and every
 * percentile within `significantDigits` of the exact value (3 digits: 0.1%).
 *
 * Recording counts into this class's own array at the HDR histogram's own
 * bucket index (see {@link HdrIndex}), handed to the HDR histogram in one
 * go before anything reads it: its `recordValue` works the index out with
 * floating-point logarithms and powers, and was a sixth of the time spent
 * merging runners' samples. The counts, and so every percentile and the
 * mean, are the ones recording each value would give.
 */
export class LatencyHistogram {
  private readonly histogram: Histogram;
  private readonly index: HdrIndex;
  /** Counts not yet in the HDR histogram, by its counts index; grown as larger values come. */
  private pending = new Uint32Array(0);
  /** The lowest and highest pending index: the part of `pending` a flush reads. */
  private pendingLow = Number.POSITIVE_INFINITY;
  private pendingHigh = -1;
  private pendingCount = 0;
  /**
   * The largest value recorded, in microseconds, kept here rather than read
   * from the HDR histogram: its `add` can leave a bucket's lower bound as the
   * max (when the two histograms were sized differently), and a merged
   * histogram must answer exactly as one that recorded every value itself.
   */
  private maxMicros = 0;

  constructor(significantDigits: 1 | 2 | 3 = 3) {
    this.histogram = build({ numberOfSignificantValueDigits: significantDigits, autoResize: true, lowestDiscernibleValue: 1 });
    this.index = new HdrIndex(significantDigits);
  }

  get count(): number {
    return this.histogram.totalCount + this.pendingCount;
  }

  record(milliseconds: number): void {
    const micros = milliseconds > 0 ? Math.round(milliseconds * 1000) : 0;
    if (micros > this.maxMicros) this.maxMicros = micros;
    if (micros >= FAST_LIMIT_MICROS) {
      this.histogram.recordValue(micros);
      return;
    }
    const index = this.index.of(micros);
    if (index >= this.pending.length) this.grow(index);
    this.pending[index]! += 1;
    if (index < this.pendingLow) this.pendingLow = index;
    if (index > this.pendingHigh) this.pendingHigh = index;
    if (++this.pendingCount === MAX_PENDING) this.flush();
  }

  /**
   * Adds `other`'s values: the result answers every percentile, the max and
   * the mean exactly as one histogram that recorded both sets of values
   * (HDR counts add bucket by bucket).
   */
  add(other: LatencyHistogram): void {
    if (other.count === 0) return;
    this.flush();
    other.flush();
    this.histogram.add(other.histogram);
    this.maxMicros = Math.max(this.maxMicros, other.maxMicros);
  }

  /**
   * The value at `percentile` (0–100) in milliseconds; 0 when empty. HDR
   * answers with the top of the value's bucket, which can sit just above the
   * largest value recorded: capped at the max so p99 <= max always holds.
   */
  percentile(percentile: number): number {
    if (this.count === 0) return 0;
    this.flush();
    return Math.min(this.histogram.getValueAtPercentile(percentile), this.maxMicros) / 1000;
  }

  get max(): number {
    return this.count === 0 ? 0 : this.maxMicros / 1000;
  }

  get mean(): number {
    if (this.count === 0) return 0;
    this.flush();
    return this.histogram.mean / 1000;
  }

  reset(): void {
    this.histogram.reset();
    if (this.pendingCount > 0) this.pending.fill(0, this.pendingLow, this.pendingHigh + 1);
    this.clearPending();
    this.maxMicros = 0;
  }

  /** The pending counts into the HDR histogram, each at its bucket's lowest value (the same counts index). */
  private flush(): void {
    if (this.pendingCount === 0) return;
    for (let index = this.pendingLow; index <= this.pendingHigh; index++) {
      const count = this.pending[index]!;
      if (count === 0) continue;
      this.histogram.recordValueWithCount(this.index.lowestValue(index), count);
      this.pending[index] = 0;
    }
    this.clearPending();
  }

  private clearPending(): void {
    this.pendingCount = 0;
    this.pendingLow = Number.POSITIVE_INFINITY;
    this.pendingHigh = -1;
  }

  private grow(index: number): void {
    const grown = new Uint32Array(Math.max(index + 1, this.pending.length * 2, 1024));
    grown.set(this.pending);
    this.pending = grown;
  }
}

/** Values at or above this many microseconds (35 minutes) go to the HDR histogram one by one: the index below uses 32-bit arithmetic. */
const FAST_LIMIT_MICROS = 2 ** 31;
/** Pending counts fit a Uint32Array: flushed long before any could overflow. */
const MAX_PENDING = 2 ** 31;

/**
 * The counts index hdr-histogram-js gives a value (`countsArrayIndex`), for
 * a histogram built with `lowestDiscernibleValue: 1` (unit magnitude 0), in
 * integer arithmetic: bucket `floor(log2(value)) - halfMagnitude` (at least
 * 0), sub-bucket `value >> bucket`. A unit test holds it to the library's
 * own answer.
 */
export class HdrIndex {
  private readonly halfMagnitude: number;
  private readonly halfCount: number;

  constructor(significantDigits: number) {
    const subBucketCountMagnitude = Math.ceil(Math.log2(2 * 10 ** significantDigits));
    this.halfMagnitude = subBucketCountMagnitude - 1;
    this.halfCount = 2 ** this.halfMagnitude;
  }

  /** For 0 <= value < 2^31. */
  of(value: number): number {
    const bucket = Math.max(31 - Math.clz32(value) - this.halfMagnitude, 0);
    return bucket * this.halfCount + (value >>> bucket);
  }

  /** The lowest value whose index is `index`. */
  lowestValue(index: number): number {
    const bucket = Math.max(Math.floor(index / this.halfCount) - 1, 0);
    const subBucket = index - bucket * this.halfCount;
    return subBucket * 2 ** bucket;
  }
}
