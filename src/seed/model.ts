import type { Distribution, Pick } from './distribution.ts';
import type { ValueShape } from './shaped-ranks.ts';
import type { AnalyzeSample } from './distinct-estimate.ts';

/** Values faker-derived pools provide; see value-pools.ts. */
export const FAKE_KINDS = [
  'firstName', 'lastName', 'fullName', 'email', 'phone', 'town', 'street', 'postcode', 'country', 'company',
  'jobTitle', 'subject', 'word', 'words', 'sentence', 'paragraph', 'url', 'username', 'colour', 'hex', 'ipv4',
  'noun', 'adjective', 'phrase', 'catchPhrase', 'productName', 'department', 'domainName',
] as const;
export type FakeKind = (typeof FAKE_KINDS)[number];

interface Nullable {
  /** Fraction of rows that get NULL, 0..1. */
  nulls?: number;
}

/** A column generator, as plain data (so a model can be hashed and compared). */
export type ColumnSpec = Nullable &
  (
    | { kind: 'sequence'; start?: number; step?: number }
    | { kind: 'int'; dist: Distribution }
    | { kind: 'float'; dist: Distribution; decimals?: number }
    | { kind: 'bool'; p?: number }
    | { kind: 'choice'; values: readonly (string | number | boolean)[]; weights?: readonly number[] }
    | { kind: 'const'; value: string | number | boolean }
    /** A faker value from a precomputed pool; `unique` makes every row's value different. */
    | { kind: 'fake'; what: FakeKind; unique?: boolean; maxLength?: number }
    /** Words, sentences or paragraphs (`count` of them), e.g. a title or an article body. */
    | { kind: 'text'; unit: 'word' | 'sentence' | 'paragraph'; count: Distribution; maxLength?: number }
    /** `first.last.<row>@domain` from this row's name columns, or `<from>.<row>@domain` from a username: unique and realistic. */
    | { kind: 'email'; first?: string; last?: string; from?: string; domains?: readonly string[] }
    /** A URL slug of another column of the row (`how-to-train-a-dragon-3f`), unique with the row number. */
    | { kind: 'slug'; from: string; unique?: boolean; maxLength?: number }
    /** Text matching a regular expression (Postgres syntax), unique by construction when asked. */
    | { kind: 'regex'; pattern: string; caseInsensitive?: boolean; unique?: boolean; maxLength?: number }
    /** A timestamp in [from, to), optionally only between hours[0]:00 and hours[1]:00 UTC, on a step grid. */
    | { kind: 'timestamp'; from: string; to: string; hours?: readonly [number, number]; stepMinutes?: number; dist?: Distribution }
    | { kind: 'date'; from: string; to: string }
    /** A time of day in [from, to) ("08:00", "20:00"), on a step grid. */
    | { kind: 'time'; from: string; to: string; stepMinutes?: number }
    /**
     * After the latest of other columns (this row's, or `fk.column` of the row a foreign key points at):
     * plus `delta` (minutes for timestamps, days for dates, units for numbers), or any time up to `until`
     * (most of them soon after).
     */
    | { kind: 'after'; column: string | readonly string[]; delta?: Distribution; until?: string }
    /** A foreign key: a row of `table` picked by `pick`; `within` keeps it under the same ancestor row. */
    | { kind: 'ref'; table: string; column?: string; pick?: Pick; within?: string; group?: string; shape?: ValueShape; histogram?: readonly number[] }
    /** The parent a per-parent row belongs to (set automatically on the grouping column). */
    | { kind: 'parent'; column?: string }
    /** 1, 2, 3 … (from `start`) within the rows of one parent (a line number), or the k-th of `values`; the row number when the table has no parent. */
    | { kind: 'position'; start?: number; values?: readonly (string | number | boolean)[] }
    /** A link-table key: distinct rows of `table` for the rows of one parent, so no pair repeats; popular rows are picked most. */
    | { kind: 'distinctRef'; table: string; column?: string; pick?: Pick; group?: string; shape?: ValueShape }
    /** A value of `take` in a row of `link` that belongs to the row `column` points at (e.g. a guardian of this student). */
    | { kind: 'through'; column: string; link: string; take: string }
    /** A column of the row that foreign key `column` points at. */
    | { kind: 'fromParent'; column: string; take: string }
    /** A timestamp inside the window [start, end) of the row `column` points at, on a grid of stepMinutes. */
    | { kind: 'inParentWindow'; column: string; start: string; end: string; stepMinutes: number }
    /** `first` for the first row of each parent's run, `rest` for the others (one primary address per customer). */
    | { kind: 'firstOfParent'; first: ColumnSpec; rest: ColumnSpec }
    | { kind: 'uuid' }
    /** `{row}`, `{rowhex}`, `{hex:N}`, `{digits:N}`, `{word}`, `{hour}`, `{minute}`, `{fake:town}`, `{one:a|b}` placeholders. */
    | { kind: 'pattern'; pattern: string }
    /** A JSON object (or array) shaped by `shape`, else with `keys`. */
    | { kind: 'json'; keys?: readonly string[]; shape?: JsonShape }
    | { kind: 'array'; of: ColumnSpec; length: Distribution }
    /**
     * Values shaped by a production profile's statistics (NULLs included in the shape); the planner
     * sets it from a table's `stats`, a model does not write it. Rank k is `values[k]` (a listed
     * column, most common first), else `pool`'s value at row k (a column whose checks its
     * generator knows), else a value of the column's type that sorts like k, `width` bytes wide,
     * numbers and times spread along their range by `histogram` (a profile's histogram shape);
     * `common` is a boolean column's most common value.
     */
    | { kind: 'profiled'; shape: ValueShape; width?: number; common?: boolean; values?: readonly (string | number | boolean)[]; pool?: ColumnSpec; histogram?: readonly number[] }
    /** Escape hatch: any value from the row number and a uniform random number. */
    | { kind: 'custom'; fn: (row: number, random: () => number) => string | number | boolean | null }
  );

/** Plausible JSON documents, by what the column holds. */
export const JSON_SHAPES = ['settings', 'address', 'metadata', 'tags', 'object', 'array'] as const;
export type JsonShape = (typeof JSON_SHAPES)[number];

/** How many rows a table gets. Absolute counts are multiplied by --scale. */
export type RowCount =
  | number
  /** `total` rows (× scale) spread over the rows of `per`, weighted by `skew` (power-law sizes). */
  | { per: string; total: number; skew?: Pick; via?: string; min?: number }
  /** Each row of `per` gets a count drawn from `each` (not scaled: the parent table already is). */
  | { per: string; each: Distribution; via?: string };

export interface TableModel {
  rows: RowCount;
  /** Generators that replace the ones derived from the column's name and type. */
  columns?: Record<string, ColumnSpec>;
  /** Production's statistics per column (from a profile): they shape the derived generators, never the model's own. */
  stats?: Record<string, ColumnStats>;
}

/** What a profile says about one column (pg_stats, numbers only); see profile/profile-schema.ts. */
export interface ColumnStats {
  nullFrac: number;
  avgWidth: number;
  /** ≥ 0 a count of distinct values, < 0 minus their share of the rows. */
  nDistinct: number;
  correlation: number | null;
  /** Shares of all rows of the most common values, most common first. */
  mcvFrequencies: readonly number[];
  /** The most common values themselves, only in a profile captured with --include-values. */
  mcvValues?: readonly (string | null)[];
  /** Numbers and times: where each histogram bound falls between the first and the last (0..1). */
  histogramShape?: readonly number[];
  /** How production's ANALYZE sampled the table: the seeder aims its distinct count at the estimate that sample makes. */
  sample?: AnalyzeSample;
}

/**
 * A data model: row counts and generator overrides per table. Tables the
 * database has but the model omits are left alone; `rows: 0` empties a table.
 */
export interface DataModel {
  name: string;
  /** Postgres schema holding the tables (default "public"). */
  schema?: string;
  /** SQL files that create the schema when the target database has none, relative to `baseDir`. */
  migrations?: readonly string[];
  baseDir?: string;
  /** Rows for tables the model does not list; undefined leaves them alone. */
  defaultRows?: number;
  tables: Record<string, TableModel>;
}

/**
 * Declares a data model for `rehearse seed`.
 *
 * @example
 * export default defineModel({
 *   name: 'shop',
 *   tables: {
 *     customers: { rows: 100_000 },
 *     orders: { rows: { per: 'customers', total: 1_000_000, skew: { kind: 'zipf', s: 1 } } },
 *   },
 * });
 */
export function defineModel(model: DataModel): DataModel {
  return model;
}
