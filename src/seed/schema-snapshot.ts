/** What introspection reads from a database: the shape the seeder fills. */

export interface ColumnInfo {
  name: string;
  /** format_type(), e.g. "character varying(80)", "numeric(10,2)", "text[]". */
  type: string;
  /** The base type name (element type for arrays), e.g. "int8", "varchar", "my_enum". */
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
}

export interface ConstraintInfo {
  name: string;
  kind: 'primary' | 'unique' | 'foreign' | 'check';
  columns: string[];
  /** pg_get_constraintdef(): recreates it with ALTER TABLE … ADD CONSTRAINT name <definition>. */
  definition: string;
  /** For foreign keys. */
  refTable?: string;
  refColumns?: string[];
}

export interface IndexInfo {
  name: string;
  /** pg_get_indexdef(): a CREATE INDEX statement. */
  definition: string;
}

export interface TableInfo {
  name: string;
  columns: ColumnInfo[];
  constraints: ConstraintInfo[];
  /** Indexes that do not back a primary key or unique constraint. */
  indexes: IndexInfo[];
  /** Sequences owned by columns (serial / identity), to move past the seeded keys. */
  sequences: { column: string; sequence: string }[];
}

export interface SchemaSnapshot {
  schema: string;
  tables: TableInfo[];
}
