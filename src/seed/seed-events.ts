/** What a seed reports while it runs; the CLI turns these into progress lines. */
export type SeedEvent =
  | { kind: 'plan'; tables: { name: string; rows: number }[]; warnings: string[] }
  | { kind: 'notice'; message: string }
  | { kind: 'template-reused'; template: string }
  | { kind: 'template-building'; template: string }
  | { kind: 'copy-progress'; table: string; rows: number; totalRows: number }
  | { kind: 'copy-done'; table: string; rows: number; seconds: number }
  | { kind: 'phase'; phase: 'drop-constraints' | 'keys-and-indexes' | 'foreign-keys' | 'analyze' | 'clone' }
  | { kind: 'ddl-done'; name: string; done: number; total: number };

export interface TableSeeded {
  name: string;
  rows: number;
  seconds: number;
}

export interface SeedResult {
  /** The seeded database, password masked. */
  database: string;
  scale: number;
  seed: number;
  tables: TableSeeded[];
  totalRows: number;
  seconds: number;
  /** Over every table's data: equal for equal model, schema, scale and seed. */
  checksum: string;
  /** The template the data came from, and whether it was reused instead of generated. */
  template?: { name: string; reused: boolean };
  warnings: string[];
  /** Wall-clock seconds of the COPY phase and of the key, index, foreign-key and ANALYZE phase (of the build, when a template was reused). */
  phases?: { copy: number; keysIndexesForeignKeysAnalyze: number };
}
