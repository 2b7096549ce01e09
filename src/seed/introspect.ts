import type { Queryable } from '../db/queryable.ts';
import type { ColumnInfo, ConstraintInfo, IndexInfo, SchemaSnapshot, TableInfo } from './schema-snapshot.ts';

interface ColumnRow {
  table_name: string;
  name: string;
  type: string;
  base_type: string;
  is_array: boolean;
  enum_labels: string[] | null;
  typmod: number;
  not_null: boolean;
  default_expr: string | null;
  identity: string;
  generated: string;
}

interface ConstraintRow {
  table_name: string;
  name: string;
  contype: 'p' | 'u' | 'f' | 'c';
  columns: string[] | null;
  definition: string;
  ref_table: string | null;
  ref_columns: string[] | null;
}

const COLUMNS_SQL = `
select c.relname as table_name, a.attname as name, format_type(a.atttypid, a.atttypmod) as type,
       coalesce(et.typname, t.typname) as base_type, (t.typcategory = 'A') as is_array,
       (select array_agg(e.enumlabel::text order by e.enumsortorder) from pg_enum e where e.enumtypid = coalesce(et.oid, t.oid)) as enum_labels,
       a.atttypmod as typmod, a.attnotnull as not_null, pg_get_expr(d.adbin, d.adrelid) as default_expr,
       a.attidentity as identity, a.attgenerated as generated
from pg_class c
join pg_namespace n on n.oid = c.relnamespace
join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
join pg_type t on t.oid = a.atttypid
left join pg_type et on et.oid = t.typelem and t.typcategory = 'A'
left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
where n.nspname = $1 and c.relkind = 'r'
order by c.relname, a.attnum`;

const CONSTRAINTS_SQL = `
select c.relname as table_name, k.conname as name, k.contype,
       (select array_agg(a.attname::text order by x.ord) from unnest(k.conkey) with ordinality x(attnum, ord)
          join pg_attribute a on a.attrelid = k.conrelid and a.attnum = x.attnum) as columns,
       pg_get_constraintdef(k.oid) as definition,
       r.relname as ref_table,
       (select array_agg(a.attname::text order by x.ord) from unnest(k.confkey) with ordinality x(attnum, ord)
          join pg_attribute a on a.attrelid = k.confrelid and a.attnum = x.attnum) as ref_columns
from pg_constraint k
join pg_class c on c.oid = k.conrelid
join pg_namespace n on n.oid = c.relnamespace
left join pg_class r on r.oid = k.confrelid
where n.nspname = $1 and c.relkind = 'r' and k.contype in ('p', 'u', 'f', 'c')
order by c.relname, k.contype, k.conname`;

const INDEXES_SQL = `
select c.relname as table_name, i.relname as name, pg_get_indexdef(x.indexrelid) as definition
from pg_index x
join pg_class c on c.oid = x.indrelid
join pg_class i on i.oid = x.indexrelid
join pg_namespace n on n.oid = c.relnamespace
where n.nspname = $1 and c.relkind = 'r'
  and not exists (select 1 from pg_constraint k where k.conindid = x.indexrelid and k.contype in ('p', 'u', 'x'))
order by c.relname, i.relname`;

const SEQUENCES_SQL = `
select c.relname as table_name, a.attname as column, s.relname as sequence
from pg_depend d
join pg_class s on s.oid = d.objid and s.relkind = 'S'
join pg_class c on c.oid = d.refobjid
join pg_namespace n on n.oid = c.relnamespace
join pg_attribute a on a.attrelid = c.oid and a.attnum = d.refobjsubid
where n.nspname = $1 and d.deptype in ('a', 'i')`;

const CONSTRAINT_KINDS = { p: 'primary', u: 'unique', f: 'foreign', c: 'check' } as const;

/** Reads tables, columns, constraints and indexes of one schema. */
export async function introspectSchema(db: Queryable, schema = 'public'): Promise<SchemaSnapshot> {
  // One after the other: `db` may be a single client.
  const columns = await db.query<ColumnRow>(COLUMNS_SQL, [schema]);
  const constraints = await db.query<ConstraintRow>(CONSTRAINTS_SQL, [schema]);
  const indexes = await db.query<IndexInfo & { table_name: string }>(INDEXES_SQL, [schema]);
  const sequences = await db.query<{ table_name: string; column: string; sequence: string }>(SEQUENCES_SQL, [schema]);
  const tables = new Map<string, TableInfo>();
  const tableNamed = (name: string) => {
    let table = tables.get(name);
    if (!table) tables.set(name, (table = { name, columns: [], constraints: [], indexes: [], sequences: [] }));
    return table;
  };
  for (const row of columns.rows) tableNamed(row.table_name).columns.push(toColumn(row));
  for (const row of constraints.rows) tableNamed(row.table_name).constraints.push(toConstraint(row));
  for (const row of indexes.rows) tableNamed(row.table_name).indexes.push({ name: row.name, definition: row.definition });
  for (const row of sequences.rows) tableNamed(row.table_name).sequences.push({ column: row.column, sequence: row.sequence });
  return { schema, tables: [...tables.values()].sort((a, b) => a.name.localeCompare(b.name)) };
}

function toColumn(row: ColumnRow): ColumnInfo {
  const column: ColumnInfo = {
    name: row.name,
    type: row.type,
    baseType: row.base_type,
    isArray: row.is_array,
    notNull: row.not_null,
    identity: row.identity !== '',
    generated: row.generated !== '',
  };
  if (row.enum_labels) column.enumLabels = row.enum_labels;
  if (row.default_expr !== null) column.default = row.default_expr;
  const sized = /\((\d+)(?:,(\d+))?\)/.exec(row.type);
  if (sized && /^(varchar|bpchar)$/.test(row.base_type)) column.maxLength = Number(sized[1]);
  if (sized && row.base_type === 'numeric') {
    column.precision = Number(sized[1]);
    column.scale = Number(sized[2] ?? 0);
  }
  return column;
}

function toConstraint(row: ConstraintRow): ConstraintInfo {
  const constraint: ConstraintInfo = {
    name: row.name,
    kind: CONSTRAINT_KINDS[row.contype],
    columns: row.columns ?? [],
    definition: row.definition,
  };
  if (row.ref_table) constraint.refTable = row.ref_table;
  if (row.ref_columns) constraint.refColumns = row.ref_columns;
  return constraint;
}
