import { build, type Histogram } from 'hdr-histogram-js';

/**
 * Response times in milliseconds, recorded into an HDR histogram at
 * microsecond resolution: fixed memory whatever the sample count, and every
 * percentile within `significantDigits` of the exact value (3 digits: 0.1%).
 */
export class LatencyHistogram {
  private readonly histogram: Histogram;

  constructor(significantDigits: 1 | 2 | 3 = 3) {
    this.histogram = build({ numberOfSignificantValueDigits: significantDigits, autoResize: true, lowestDiscernibleValue: 1 });
  }

  get count(): number {
    return this.histogram.totalCount;
  }

  record(milliseconds: number): void {
    this.histogram.recordValue(milliseconds > 0 ? Math.round(milliseconds * 1000) : 0);
  }

  /**
   * The value at `percentile` (0–100) in milliseconds; 0 when empty. HDR
   * answers with the top of the value's bucket, which can sit just above the
   * largest value recorded: capped at the max so p99 <= max always holds.
   */
  percentile(percentile: number): number {
    if (this.histogram.totalCount === 0) return 0;
    return Math.min(this.histogram.getValueAtPercentile(percentile), this.histogram.maxValue) / 1000;
  }

  get max(): number {
    return this.histogram.totalCount === 0 ? 0 : this.histogram.maxValue / 1000;
  }

  get mean(): number {
    return this.histogram.totalCount === 0 ? 0 : this.histogram.mean / 1000;
  }

  reset(): void {
    this.histogram.reset();
  }
}
