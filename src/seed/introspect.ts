import type { Queryable } from '../db/queryable.ts';
import { MARKER_SCHEMA } from '../db/disposable-marker.ts';
import type { ColumnInfo, ConstraintInfo, DomainCheck, PartitioningInfo, SchemaSnapshot, TableInfo } from './schema-snapshot.ts';

interface TableRow {
  oid: string;
  schema: string;
  relname: string;
  partition_key: string | null;
  partition_columns: string[] | null;
}

interface PartitionRow {
  parent: string;
  sql: string;
  bound: string;
  sub_partitioned: boolean;
}

interface ColumnRow {
  table_oid: string;
  name: string;
  type_oid: string;
  typmod: number;
  type: string;
  not_null: boolean;
  default_expr: string | null;
  identity: string;
  generated: string;
}

interface TypeRow {
  oid: string;
  name: string;
  kind: string;
  category: string;
  element: string;
  base: string;
  typmod: number;
  not_null: boolean;
  enum_labels: string[] | null;
  checks: { name: string; definition: string }[] | null;
}

interface ConstraintRow {
  table_oid: string;
  name: string;
  contype: 'p' | 'u' | 'f' | 'c' | 'x';
  columns: string[] | null;
  definition: string;
  ref_schema: string | null;
  ref_table: string | null;
  ref_columns: string[] | null;
}

interface IndexRow {
  table_oid: string;
  name: string;
  definition: string;
  unique: boolean;
}

interface SequenceRow {
  table_oid: string;
  column: string;
  sequence: string;
  start: string;
  increment: string;
}

/** Ordinary and partitioned tables of every user schema, except those an extension owns. */
const TABLES_SQL = `
select c.oid::int8::text as oid, n.nspname as schema, c.relname,
       case when c.relkind = 'p' then pg_get_partkeydef(c.oid) end as partition_key,
       case when c.relkind = 'p' then (
         select array_agg(a.attname::text order by k.ord)
         from unnest(p.partattrs::int2[]) with ordinality k(attnum, ord)
         join pg_attribute a on a.attrelid = c.oid and a.attnum = k.attnum) end as partition_columns
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
left join pg_partitioned_table p on p.partrelid = c.oid
where c.relkind in ('r', 'p') and not c.relispartition
  and n.nspname not in ('information_schema', $1) and n.nspname !~ '^pg_'
  and not exists (select 1 from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')
order by n.nspname, c.relname`;

const PARTITIONS_SQL = `
select i.inhparent::int8::text as parent, quote_ident(n.nspname) || '.' || quote_ident(c.relname) as sql,
       pg_get_expr(c.relpartbound, c.oid) as bound, c.relkind = 'p' as sub_partitioned
from pg_inherits i
join pg_class c on c.oid = i.inhrelid
join pg_namespace n on n.oid = c.relnamespace
where i.inhparent = any($1::oid[]) and c.relispartition
order by 1, 2`;

const COLUMNS_SQL = `
select a.attrelid::int8::text as table_oid, a.attname as name, a.atttypid::int8::text as type_oid, a.atttypmod as typmod,
       format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null,
       pg_get_expr(d.adbin, d.adrelid) as default_expr, a.attidentity as identity, a.attgenerated as generated
from pg_attribute a
left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
where a.attrelid = any($1::oid[]) and a.attnum > 0 and not a.attisdropped
order by a.attrelid, a.attnum`;

const TYPES_SQL = `
select t.oid::int8::text as oid, t.typname as name, t.typtype as kind, t.typcategory as category,
       t.typelem::int8::text as element, t.typbasetype::int8::text as base, t.typtypmod as typmod, t.typnotnull as not_null,
       case when t.typtype = 'e' then
         (select array_agg(e.enumlabel::text order by e.enumsortorder) from pg_enum e where e.enumtypid = t.oid) end as enum_labels,
       case when t.typtype = 'd' then
         (select json_agg(json_build_object('name', k.conname, 'definition', pg_get_constraintdef(k.oid)) order by k.conname)
          from pg_constraint k where k.contypid = t.oid and k.contype = 'c') end as checks
from pg_type t
where t.oid = any($1::oid[])`;

/** Constraints declared on the tables themselves (not the copies Postgres makes on partitions). */
const CONSTRAINTS_SQL = `
select k.conrelid::int8::text as table_oid, k.conname as name, k.contype,
       (select array_agg(a.attname::text order by x.ord) from unnest(k.conkey) with ordinality x(attnum, ord)
          join pg_attribute a on a.attrelid = k.conrelid and a.attnum = x.attnum) as columns,
       pg_get_constraintdef(k.oid) as definition,
       rn.nspname as ref_schema, r.relname as ref_table,
       (select array_agg(a.attname::text order by x.ord) from unnest(k.confkey) with ordinality x(attnum, ord)
          join pg_attribute a on a.attrelid = k.confrelid and a.attnum = x.attnum) as ref_columns
from pg_constraint k
left join pg_class r on r.oid = k.confrelid
left join pg_namespace rn on rn.oid = r.relnamespace
where k.conrelid = any($1::oid[]) and k.contype in ('p', 'u', 'f', 'c', 'x') and k.conparentid = 0
order by k.conrelid, k.contype, k.conname`;

const INDEXES_SQL = `
select x.indrelid::int8::text as table_oid, i.relname as name, pg_get_indexdef(x.indexrelid) as definition, x.indisunique as unique
from pg_index x
join pg_class i on i.oid = x.indexrelid
where x.indrelid = any($1::oid[])
  and not exists (select 1 from pg_constraint k where k.conindid = x.indexrelid and k.contype in ('p', 'u', 'x'))
order by x.indrelid, i.relname`;

const SEQUENCES_SQL = `
select d.refobjid::int8::text as table_oid, a.attname as column,
       quote_ident(sn.nspname) || '.' || quote_ident(s.relname) as sequence,
       q.seqstart::text as start, q.seqincrement::text as increment
from pg_depend d
join pg_class s on s.oid = d.objid and s.relkind = 'S'
join pg_namespace sn on sn.oid = s.relnamespace
join pg_sequence q on q.seqrelid = s.oid
join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
where d.classid = 'pg_class'::regclass and d.refobjid = any($1::oid[]) and d.deptype in ('a', 'i')
order by 1, 2`;

const CONSTRAINT_KINDS = { p: 'primary', u: 'unique', f: 'foreign', c: 'check', x: 'exclusion' } as const;

/** How a table is named in a model and in the snapshot: bare in the model's schema, else `schema.table`. */
export function tableKey(schema: string, relname: string, defaultSchema: string): string {
  return schema === defaultSchema ? relname : `${schema}.${relname}`;
}

/**
 * Reads the tables of every user schema (rehearse's own marker schema and
 * extension-owned tables aside): columns with their domains resolved to base
 * types and checks, constraints, indexes, owned sequences, and partitions.
 * No OIDs in the result: two databases with the same schema read the same.
 */
export async function introspectSchema(db: Queryable, defaultSchema = 'public'): Promise<SchemaSnapshot> {
  // One query after the other: `db` may be a single client.
  const tableRows = (await db.query<TableRow>(TABLES_SQL, [MARKER_SCHEMA])).rows;
  const oids = tableRows.map((t) => t.oid);
  const tables = new Map<string, TableInfo>();
  for (const row of tableRows) tables.set(row.oid, newTable(row, defaultSchema));
  const columns = (await db.query<ColumnRow>(COLUMNS_SQL, [oids])).rows;
  const types = await readTypes(db, columns.map((c) => c.type_oid));
  for (const row of columns) tables.get(row.table_oid)!.columns.push(toColumn(row, types));
  for (const row of (await db.query<ConstraintRow>(CONSTRAINTS_SQL, [oids])).rows) tables.get(row.table_oid)!.constraints.push(toConstraint(row, defaultSchema));
  for (const row of (await db.query<IndexRow>(INDEXES_SQL, [oids])).rows) {
    tables.get(row.table_oid)!.indexes.push({ name: row.name, definition: row.definition, ...(row.unique ? { unique: true } : {}) });
  }
  for (const row of (await db.query<SequenceRow>(SEQUENCES_SQL, [oids])).rows) {
    tables.get(row.table_oid)!.sequences.push({ column: row.column, sequence: row.sequence, start: Number(row.start), increment: Number(row.increment) });
  }
  for (const row of (await db.query<PartitionRow>(PARTITIONS_SQL, [oids])).rows) {
    tables.get(row.parent)!.partitioning?.partitions.push({ sql: row.sql, bound: row.bound, ...(row.sub_partitioned ? { subPartitioned: true } : {}) });
  }
  return { schema: defaultSchema, tables: [...tables.values()].sort((a, b) => a.name.localeCompare(b.name)) };
}

function newTable(row: TableRow, defaultSchema: string): TableInfo {
  const table: TableInfo = { name: tableKey(row.schema, row.relname, defaultSchema), schema: row.schema, relname: row.relname, columns: [], constraints: [], indexes: [], sequences: [] };
  if (row.partition_key) table.partitioning = partitioningOf(row.partition_key, row.partition_columns ?? []);
  return table;
}

function partitioningOf(key: string, columns: string[]): PartitioningInfo {
  const strategy = key.split(' ')[0]!.toLowerCase() as PartitioningInfo['strategy'];
  return { strategy, columns, key, partitions: [] };
}

/** The types the columns use, and the types those are built on (domain bases, array elements). */
async function readTypes(db: Queryable, oids: string[]): Promise<Map<string, TypeRow>> {
  const types = new Map<string, TypeRow>();
  let missing = [...new Set(oids)];
  while (missing.length > 0) {
    for (const row of (await db.query<TypeRow>(TYPES_SQL, [missing])).rows) types.set(row.oid, row);
    missing = [...types.values()].flatMap((t) => [t.base, t.element]).filter((oid) => oid !== '0' && !types.has(oid));
    missing = [...new Set(missing)];
  }
  return types;
}

interface ResolvedType {
  baseType: string;
  isArray: boolean;
  typmod: number;
  notNull: boolean;
  enumLabels?: string[];
  domainChecks: DomainCheck[];
}

/** Follows domains to their base type and arrays to their element, collecting domain checks on the way. */
function resolveType(oid: string, typmod: number, types: Map<string, TypeRow>): ResolvedType {
  const type = types.get(oid)!;
  if (type.kind === 'd') {
    const base = resolveType(type.base, typmod >= 0 ? typmod : type.typmod, types);
    const own = (type.checks ?? []).map((check) => ({ domain: type.name, ...check }));
    return { ...base, notNull: base.notNull || type.not_null, domainChecks: [...own, ...base.domainChecks] };
  }
  if (type.category === 'A' && type.element !== '0') return { ...resolveType(type.element, typmod, types), isArray: true };
  return { baseType: type.name, isArray: false, typmod, notNull: false, domainChecks: [], ...(type.enum_labels ? { enumLabels: type.enum_labels } : {}) };
}

function toColumn(row: ColumnRow, types: Map<string, TypeRow>): ColumnInfo {
  const resolved = resolveType(row.type_oid, row.typmod, types);
  const column: ColumnInfo = {
    name: row.name,
    type: row.type,
    baseType: resolved.baseType,
    isArray: resolved.isArray,
    notNull: row.not_null || resolved.notNull,
    identity: row.identity !== '',
    generated: row.generated !== '',
  };
  if (resolved.enumLabels) column.enumLabels = resolved.enumLabels;
  if (row.default_expr !== null) column.default = row.default_expr;
  if (resolved.domainChecks.length > 0) column.domainChecks = resolved.domainChecks;
  // typmod is the declared length + 4 for character types, ((precision << 16) | scale) + 4 for numeric.
  if (resolved.typmod >= 4 && (resolved.baseType === 'varchar' || resolved.baseType === 'bpchar')) column.maxLength = resolved.typmod - 4;
  if (resolved.typmod >= 4 && resolved.baseType === 'numeric') {
    column.precision = ((resolved.typmod - 4) >> 16) & 0xffff;
    column.scale = (resolved.typmod - 4) & 0xffff;
  }
  return column;
}

function toConstraint(row: ConstraintRow, defaultSchema: string): ConstraintInfo {
  const constraint: ConstraintInfo = {
    name: row.name,
    kind: CONSTRAINT_KINDS[row.contype],
    columns: row.columns ?? [],
    definition: row.definition,
  };
  if (row.ref_table) constraint.refTable = tableKey(row.ref_schema!, row.ref_table, defaultSchema);
  if (row.ref_columns) constraint.refColumns = row.ref_columns;
  return constraint;
}
