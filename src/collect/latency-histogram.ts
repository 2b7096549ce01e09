import { build, type Histogram } from 'hdr-histogram-js';

/**
 * Response times in milliseconds, recorded into an HDR histogram at
 * microsecond resolution: fixed memory whatever the sample count, and every
 * percentile within `significantDigits` of the exact value (3 digits: 0.1%).
 */
export class LatencyHistogram {
  private readonly histogram: Histogram;
  /**
   * The largest value recorded, in microseconds, kept here rather than read
   * from the HDR histogram: its `add` can leave a bucket's lower bound as the
   * max (when the two histograms were sized differently), and a merged
   * histogram must answer exactly as one that recorded every value itself.
   */
  private maxMicros = 0;

  constructor(significantDigits: 1 | 2 | 3 = 3) {
    this.histogram = build({ numberOfSignificantValueDigits: significantDigits, autoResize: true, lowestDiscernibleValue: 1 });
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  record(milliseconds: number): void {
    const micros = milliseconds > 0 ? Math.round(milliseconds * 1000) : 0;
    this.histogram.recordValue(micros);
    if (micros > this.maxMicros) this.maxMicros = micros;
  }

  /**
   * Adds `other`'s values: the result answers every percentile, the max and
   * the mean exactly as one histogram that recorded both sets of values
   * (HDR counts add bucket by bucket).
   */
  add(other: LatencyHistogram): void {
    if (other.count === 0) return;
    this.histogram.add(other.histogram);
    this.maxMicros = Math.max(this.maxMicros, other.maxMicros);
  }

  /**
   * The value at `percentile` (0–100) in milliseconds; 0 when empty. HDR
   * answers with the top of the value's bucket, which can sit just above the
   * largest value recorded: capped at the max so p99 <= max always holds.
   */
  percentile(percentile: number): number {
    if (this.histogram.totalCount === 0) return 0;
    return Math.min(this.histogram.getValueAtPercentile(percentile), this.maxMicros) / 1000;
  }

  get max(): number {
    return this.histogram.totalCount === 0 ? 0 : this.maxMicros / 1000;
  }

  get mean(): number {
    return this.histogram.totalCount === 0 ? 0 : this.histogram.mean / 1000;
  }

  reset(): void {
    this.histogram.reset();
    this.maxMicros = 0;
  }
}
