import { parentOfRow } from './row-counts.ts';

/** A generated value before COPY encoding: numbers are epoch ms for timestamps and row indexes for keys. */
export type Raw = number | string | boolean | null | Raw[];

/** Computes one column for the row a context is at; `row` differs from ctx.row only inside arrays. */
export type ValueFn = (ctx: RowContext, row: number) => Raw;

/**
 * The row being generated: memoises each column's value (columns read each
 * other, e.g. an email from first_name) and tracks which parent run the row
 * is in without a lookup per row.
 */
export class RowContext {
  row = 0;
  /** Parent row index of a grouped table, else -1. */
  group = -1;
  groupStart = 0;
  groupEnd = 0;
  readonly values: Raw[];
  /** values[i] belongs to the current row when stamps[i] === stamp (no clearing per row). */
  private readonly stamps: Int32Array;
  private stamp = 0;
  /** Picked target rows shared by the columns of one multi-column foreign key. */
  readonly picks = new Map<string, number>();

  constructor(
    private readonly fns: readonly ValueFn[],
    private readonly offsets: Float64Array | undefined,
  ) {
    this.values = new Array<Raw>(fns.length).fill(null);
    this.stamps = new Int32Array(fns.length);
  }

  at(row: number): this {
    this.row = row;
    this.nextStamp();
    if (this.picks.size) this.picks.clear();
    if (this.offsets) this.locateGroup(this.offsets, row);
    return this;
  }

  /** Like at(), when the caller already knows the row's parent (no search). */
  atInGroup(row: number, group: number): this {
    this.row = row;
    this.nextStamp();
    if (this.picks.size) this.picks.clear();
    if (this.offsets) {
      this.group = group;
      this.groupStart = this.offsets[group]!;
      this.groupEnd = this.offsets[group + 1]!;
    }
    return this;
  }

  get(column: number): Raw {
    if (this.stamps[column] === this.stamp) return this.values[column]!;
    const value = this.fns[column]!(this, this.row);
    this.values[column] = value;
    this.stamps[column] = this.stamp;
    return value;
  }

  private nextStamp(): void {
    if (++this.stamp === 0x7fffffff) {
      this.stamps.fill(0);
      this.stamp = 1;
    }
  }

  private locateGroup(offsets: Float64Array, row: number): void {
    if (row >= this.groupStart && row < this.groupEnd) return;
    let group = row === this.groupEnd && this.group >= 0 ? this.group + 1 : parentOfRow(offsets, row);
    while (offsets[group + 1]! <= row) group++;
    this.group = group;
    this.groupStart = offsets[group]!;
    this.groupEnd = offsets[group + 1]!;
  }
}
