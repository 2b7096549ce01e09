import type pg from 'pg';
import { connectClient } from '../db/connect-client.ts';
import { MARKER_SCHEMA } from '../db/disposable-marker.ts';
import { UsageError } from '../errors.ts';
import { planShapes } from './plan-shape.ts';
import { PROFILE_FORMAT, PROFILE_VERSION, type ColumnProfile, type Profile, type TableProfile } from './profile-schema.ts';

/** Planner settings a session may set: production's are applied when a seeded database explains its queries. */
export const SESSION_PLANNER_SETTINGS: readonly string[] = [
  'random_page_cost', 'seq_page_cost', 'cpu_tuple_cost', 'cpu_index_tuple_cost', 'cpu_operator_cost', 'effective_cache_size',
  'effective_io_concurrency', 'work_mem', 'jit', 'max_parallel_workers_per_gather', 'parallel_setup_cost', 'parallel_tuple_cost',
  'from_collapse_limit', 'join_collapse_limit', 'geqo_threshold', 'plan_cache_mode', 'enable_seqscan', 'enable_indexscan',
  'enable_bitmapscan', 'enable_indexonlyscan', 'enable_hashjoin', 'enable_mergejoin', 'enable_nestloop', 'enable_hashagg',
  'enable_sort', 'enable_partitionwise_join', 'enable_partitionwise_aggregate',
];

/** The settings that change plans (the server-wide ones too); what `current_setting()` shows (with units) is kept. */
export const PLANNER_SETTINGS: readonly string[] = [...SESSION_PLANNER_SETTINGS, 'shared_buffers', 'maintenance_work_mem', 'default_statistics_target'];

export interface CaptureOptions {
  /** The production (or replica) database. */
  url: string;
  /** Postgres schema to profile (default "public"). */
  schema?: string;
  /** Keep the most common values and histogram bounds themselves (default: numbers only). */
  includeValues?: boolean;
  /** Queries whose plan shapes to keep, explained (never run) on the server. */
  explain?: readonly string[];
}

interface TableRow {
  oid: string;
  name: string;
  rows: number;
  pages: number;
  bytes: string;
  analyzed: boolean;
  /** The heap has pages (relpages says so only after a VACUUM or ANALYZE). */
  has_data: boolean;
  readable: boolean;
}

interface StatsRow {
  tablename: string;
  attname: string;
  type: string;
  null_frac: number;
  avg_width: number;
  n_distinct: number;
  correlation: number | null;
  mcv_freqs: number[] | null;
  mcv_values: (string | null)[] | null;
  histogram: (string | null)[] | null;
}

/**
 * Reads what production's planner knows, never a row: the server version,
 * the planner settings, per table the estimated rows, pages and size, per
 * column `pg_stats`, and the indexes and constraints. Everything runs in one
 * READ ONLY transaction on a connection whose transactions default to read
 * only, so nothing it sends can write. Values (most common values, histogram
 * bounds) are kept only with `includeValues`.
 *
 * @example
 * const profile = await captureProfile({ url: 'postgres://reader@replica/app' });
 * await writeFile('profile.json', JSON.stringify(profile, null, 2));
 */
export async function captureProfile(options: CaptureOptions): Promise<Profile> {
  const schema = options.schema ?? 'public';
  const explain = options.explain ?? [];
  refuseWrites(explain);
  const client = await connectClient(options.url, { application_name: 'rehearse-profile', options: '-c default_transaction_read_only=on' });
  try {
    await client.query('begin transaction read only');
    const server = await readServer(client);
    const settings = await readSettings(client);
    const tables = await readTables(client, schema, Boolean(options.includeValues));
    await client.query('commit');
    const plans = explain.length ? await planShapes({ connectionString: options.url, options: '-c default_transaction_read_only=on' }, explain) : undefined;
    return {
      format: PROFILE_FORMAT,
      version: PROFILE_VERSION,
      capturedAt: new Date().toISOString(),
      server,
      schema,
      includesValues: Boolean(options.includeValues),
      settings,
      tables,
      ...(plans ? { plans } : {}),
    };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Only queries that read are explained: a profile is taken from production. */
function refuseWrites(queries: readonly string[]): void {
  const writing = queries.filter((q) => !/^\s*(select|with|values|table)\b/i.test(q) || /\b(insert|update|delete|merge|truncate)\b/i.test(q.replace(/'(?:[^']|'')*'/g, "''")));
  if (writing.length === 0) return;
  throw new UsageError(`--explain: only queries that read (SELECT, WITH … SELECT) are explained on production; these are not:\n${writing.map((q) => `  ${q.slice(0, 120)}`).join('\n')}`);
}

async function readServer(client: pg.Client): Promise<Profile['server']> {
  const { rows } = await client.query<{ version: string; num: string }>(`select current_setting('server_version') as version, current_setting('server_version_num') as num`);
  return { version: rows[0]!.version, versionNum: Number(rows[0]!.num) };
}

async function readSettings(client: pg.Client): Promise<Record<string, string>> {
  const { rows } = await client.query<{ name: string; value: string }>(`select name, current_setting(name) as value from pg_settings where name = any($1) order by name`, [[...PLANNER_SETTINGS]]);
  return Object.fromEntries(rows.map((r) => [r.name, r.value]));
}

async function readTables(client: pg.Client, schema: string, includeValues: boolean): Promise<TableProfile[]> {
  const tables = (
    await client.query<TableRow>(
      `select c.oid::text as oid, c.relname as name, greatest(c.reltuples, 0)::float8 as rows, c.relpages::int as pages,
              pg_total_relation_size(c.oid)::text as bytes, pg_relation_size(c.oid) > 0 as has_data,
              (c.reltuples >= 0 or s.last_analyze is not null or s.last_autoanalyze is not null) as analyzed,
              has_table_privilege(c.oid, 'select') as readable
         from pg_class c
         join pg_namespace n on n.oid = c.relnamespace
         left join pg_stat_all_tables s on s.relid = c.oid
        where n.nspname = $1 and c.relkind in ('r', 'p') and not c.relispartition and n.nspname <> $2
        order by c.relname`,
      [schema, MARKER_SCHEMA],
    )
  ).rows;
  if (tables.length === 0) throw new UsageError(`the database has no tables in schema "${schema}" to profile; name the schema with --schema`);
  refuseUnanalyzed(tables);
  const stats = await readStats(client, schema);
  refuseUnreadable(tables, stats);
  const structure = await readStructure(client, schema);
  return tables.map((table) => ({
    name: table.name,
    rows: Math.round(table.rows),
    pages: table.pages,
    bytes: Number(table.bytes),
    columns: stats.filter((s) => s.tablename === table.name).map((s) => columnProfile(s, includeValues)),
    indexes: structure.indexes.filter((i) => i.table === table.name).map(({ name, definition }) => ({ name, definition })),
    constraints: structure.constraints.filter((c) => c.table === table.name).map(({ name, kind, definition }) => ({ name, kind, definition })),
  }));
}

/** A table with pages and no statistics cannot be profiled; one never written to (no pages) is simply empty. */
function refuseUnanalyzed(tables: readonly TableRow[]): void {
  const never = tables.filter((t) => !t.analyzed && t.has_data);
  if (never.length === 0) return;
  const names = `${never.slice(0, 8).map((t) => t.name).join(', ')}${never.length > 8 ? ', …' : ''}`;
  const what = never.length === tables.length ? `the server has no statistics: no table was ever analyzed (${names})` : `${never.length} of ${tables.length} tables were never analyzed (${names})`;
  throw new UsageError(`${what}; run ANALYZE on the primary (a replica gets its statistics from there) and capture again`);
}

/** pg_stats shows a column only to a role that may read it, so missing statistics usually mean missing SELECT. */
function refuseUnreadable(tables: readonly TableRow[], stats: readonly StatsRow[]): void {
  const withStats = new Set(stats.map((s) => s.tablename));
  const hidden = tables.filter((t) => t.rows > 0 && !withStats.has(t.name));
  if (hidden.length === 0) return;
  const denied = hidden.filter((t) => !t.readable);
  if (denied.length) {
    throw new UsageError(
      `no permission to read the statistics of ${denied.map((t) => t.name).slice(0, 8).join(', ')}${denied.length > 8 ? ', …' : ''}: pg_stats shows a column only to a role that may SELECT it; ` +
        'GRANT SELECT on these tables to the capturing role (or grant it pg_read_all_data) — the profile still holds no rows',
    );
  }
  throw new UsageError(`tables with rows but no column statistics: ${hidden.map((t) => t.name).slice(0, 8).join(', ')}; run ANALYZE on them and capture again`);
}

async function readStats(client: pg.Client, schema: string): Promise<StatsRow[]> {
  const { rows } = await client.query<StatsRow>(
    `select s.tablename, s.attname, format_type(a.atttypid, a.atttypmod) as type,
            s.null_frac::float8 as null_frac, s.avg_width, s.n_distinct::float8 as n_distinct, s.correlation::float8 as correlation,
            s.most_common_freqs::float8[] as mcv_freqs,
            s.most_common_vals::text::text[] as mcv_values,
            s.histogram_bounds::text::text[] as histogram
       from pg_stats s
       join pg_namespace n on n.nspname = s.schemaname
       join pg_class c on c.relnamespace = n.oid and c.relname = s.tablename
       join pg_attribute a on a.attrelid = c.oid and a.attname = s.attname
      where s.schemaname = $1 and not s.inherited
      order by s.tablename, a.attnum`,
    [schema],
  );
  return rows;
}

const SHAPED_TYPES = /^(smallint|integer|bigint|numeric|real|double precision|date|timestamp|time)/;

/** Numbers only, unless values were asked for; the histogram's shape, not its bounds. */
function columnProfile(row: StatsRow, includeValues: boolean): ColumnProfile {
  const shape = SHAPED_TYPES.test(row.type) && row.histogram ? histogramShape(row.histogram) : undefined;
  return {
    name: row.attname,
    type: row.type,
    nullFrac: row.null_frac,
    avgWidth: row.avg_width,
    nDistinct: row.n_distinct,
    correlation: row.correlation,
    mcvFrequencies: row.mcv_freqs ?? [],
    histogramBounds: row.histogram?.length ?? 0,
    ...(shape ? { histogramShape: shape } : {}),
    ...(includeValues ? { mcvValues: row.mcv_values ?? [], histogramValues: row.histogram ?? [] } : {}),
  };
}

/** Where each bound falls between the first and the last (0..1): the shape of the distribution without its values. */
export function histogramShape(bounds: readonly (string | null)[]): number[] | undefined {
  const numbers = bounds.map((b) => (b === null ? NaN : /^-?[\d.]+(e[+-]?\d+)?$/i.test(b) ? Number(b) : Date.parse(b)));
  if (numbers.length < 2 || numbers.some((n) => !Number.isFinite(n))) return undefined;
  const first = numbers[0]!;
  const span = numbers.at(-1)! - first;
  if (span <= 0) return undefined;
  return numbers.map((n) => Math.round(((n - first) / span) * 10_000) / 10_000);
}

interface Structure {
  indexes: { table: string; name: string; definition: string }[];
  constraints: { table: string; name: string; kind: string; definition: string }[];
}

async function readStructure(client: pg.Client, schema: string): Promise<Structure> {
  const indexes = await client.query<Structure['indexes'][number]>(`select tablename as table, indexname as name, indexdef as definition from pg_indexes where schemaname = $1 order by tablename, indexname`, [schema]);
  const constraints = await client.query<Structure['constraints'][number]>(
    `select c.relname as table, k.conname as name,
            case k.contype when 'p' then 'primary key' when 'u' then 'unique' when 'f' then 'foreign key' when 'c' then 'check' when 'x' then 'exclusion' else k.contype::text end as kind,
            pg_get_constraintdef(k.oid) as definition
       from pg_constraint k join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1 order by c.relname, k.conname`,
    [schema],
  );
  return { indexes: indexes.rows, constraints: constraints.rows };
}
