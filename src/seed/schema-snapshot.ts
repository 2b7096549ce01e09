/** What introspection reads from a database: the shape the seeder fills. */

export interface ColumnInfo {
  name: string;
  /** format_type(), e.g. "character varying(80)", "numeric(10,2)", "text[]", "email_address". */
  type: string;
  /** The base type name (element type for arrays, underlying type for domains), e.g. "int8", "varchar", "my_enum". */
  baseType: string;
  isArray: boolean;
  /** Labels when the (element) type is an enum. */
  enumLabels?: string[];
  /** Max length for varchar/char, precision/scale for numeric. */
  maxLength?: number;
  precision?: number;
  scale?: number;
  notNull: boolean;
  default?: string;
  identity: boolean;
  generated: boolean;
  /** CHECK constraints of the column's domain (and the domains it is built on), written with VALUE. */
  domainChecks?: DomainCheck[];
}

export interface DomainCheck {
  domain: string;
  name: string;
  /** pg_get_constraintdef(), e.g. "CHECK ((VALUE ~ '^[A-Z]{2}$'::text))". */
  definition: string;
}

export interface ConstraintInfo {
  name: string;
  kind: 'primary' | 'unique' | 'foreign' | 'check' | 'exclusion';
  columns: string[];
  /** pg_get_constraintdef(): recreates it with ALTER TABLE … ADD CONSTRAINT name <definition>. */
  definition: string;
  /** For foreign keys: the referenced table (named like TableInfo.name) and its columns. */
  refTable?: string;
  refColumns?: string[];
}

export interface IndexInfo {
  name: string;
  /** pg_get_indexdef(): a CREATE INDEX statement. */
  definition: string;
  /** A unique index (partial, on expressions, or plain) that no constraint owns. */
  unique?: boolean;
}

export interface PartitionInfo {
  /** The partition's table name, schema-qualified and quoted for SQL. */
  sql: string;
  /** pg_get_expr(relpartbound): `FOR VALUES FROM (…) TO (…)`, `FOR VALUES IN (…)`, `FOR VALUES WITH (…)` or `DEFAULT`. */
  bound: string;
  /** The partition is partitioned itself (a second level rehearse does not route rows into). */
  subPartitioned?: boolean;
}

export interface PartitioningInfo {
  strategy: 'range' | 'list' | 'hash';
  /** The partition key columns (empty when the key is an expression). */
  columns: string[];
  /** pg_get_partkeydef(), e.g. "RANGE (occurred_at)". */
  key: string;
  partitions: PartitionInfo[];
}

export interface SequenceInfo {
  column: string;
  /** Schema-qualified, quoted as regclass text prints it. */
  sequence: string;
  start: number;
  increment: number;
}

export interface TableInfo {
  /** How the model names the table: `users` in the model's schema, `billing.invoices` elsewhere. */
  name: string;
  schema: string;
  /** The table's own name, without schema. */
  relname: string;
  columns: ColumnInfo[];
  constraints: ConstraintInfo[];
  /** Indexes that do not back a primary key, unique or exclusion constraint. */
  indexes: IndexInfo[];
  /** Sequences owned by columns (serial / identity), to number the seeded keys and move past them. */
  sequences: SequenceInfo[];
  /** Set on a partitioned table: rows are loaded through the parent into its partitions. */
  partitioning?: PartitioningInfo;
}

export interface SchemaSnapshot {
  /** The schema whose tables are named without a prefix (the model's `schema`, default "public"). */
  schema: string;
  tables: TableInfo[];
}
