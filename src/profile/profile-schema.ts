import { z } from 'zod';
import { formatIssues } from '../config/format-issues.ts';
import { FileError } from '../errors.ts';

/** A profile file that is missing, not JSON, or not a profile. Exit 2. */
export class ProfileError extends FileError {
  readonly code = 'profile';
}

export const PROFILE_FORMAT = 'rehearse-profile';
export const PROFILE_VERSION = 1;

/**
 * One column's statistics as `pg_stats` holds them. Without
 * `--include-values` only numbers are kept: frequencies, widths, counts and
 * the histogram's shape (bounds placed on [0, 1]), never a value.
 */
const columnProfile = z.strictObject({
  name: z.string().min(1),
  type: z.string().min(1),
  nullFrac: z.number().min(0).max(1),
  avgWidth: z.number().nonnegative(),
  /** As Postgres writes it: ≥ 0 a count of distinct values, < 0 minus their share of the rows. */
  nDistinct: z.number(),
  correlation: z.number().min(-1).max(1).nullable(),
  /** Shares of all rows (NULLs included) of the most common values, most common first. */
  mcvFrequencies: z.array(z.number().min(0).max(1)),
  /** How many histogram bounds there are, and for numbers and times where each falls between the first and the last (0..1). */
  histogramBounds: z.number().int().nonnegative(),
  histogramShape: z.array(z.number().min(0).max(1)).optional(),
  /** Only with --include-values: the most common values and the histogram bounds themselves. */
  mcvValues: z.array(z.string().nullable()).optional(),
  histogramValues: z.array(z.string().nullable()).optional(),
});

const tableProfile = z.strictObject({
  name: z.string().min(1),
  /** Postgres' estimate of the rows (`pg_class.reltuples`). */
  rows: z.number().nonnegative(),
  pages: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
  columns: z.array(columnProfile),
  indexes: z.array(z.strictObject({ name: z.string(), definition: z.string() })),
  constraints: z.array(z.strictObject({ name: z.string(), kind: z.string(), definition: z.string() })),
});

const planShape = z.strictObject({ query: z.string().min(1), shape: z.string() });

const profileSchema = z.strictObject({
  format: z.literal(PROFILE_FORMAT),
  version: z.literal(PROFILE_VERSION),
  capturedAt: z.string(),
  server: z.strictObject({ version: z.string(), versionNum: z.number().int() }),
  schema: z.string().min(1),
  includesValues: z.boolean(),
  /** Planner-relevant settings as `current_setting()` shows them (with units). */
  settings: z.record(z.string(), z.string()),
  tables: z.array(tableProfile),
  plans: z.array(planShape).optional(),
});

export type Profile = z.infer<typeof profileSchema>;
export type TableProfile = z.infer<typeof tableProfile>;
export type ColumnProfile = z.infer<typeof columnProfile>;
export type PlanShape = z.infer<typeof planShape>;

/** Validates a profile at the edge: the file, the path and what was expected (exit 2). */
export function validateProfile(file: string, value: unknown): Profile {
  const result = profileSchema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  throw new ProfileError(file, formatIssues(file, result.error.issues), { issues: result.error.issues.length });
}
