import { UsageError } from '../errors.ts';
import { guardValue, type Guard } from './column-guards.ts';
import { compileColumn, type CompiledColumn, type CompileEnv, type GeneratedTableView, type ValueWriter } from './compile-column.ts';
import { arrayElement, COPY_NULL, escapeCopyText, formatDate, formatTimestamp } from './copy-text.ts';
import { CopyWriter } from './copy-writer.ts';
import type { ColumnSpec } from './model.ts';
import type { SeedPlan, TableGroup, TablePlan } from './plan.ts';
import type { Raw, ValueFn } from './row-context.ts';
import { RowContext } from './row-context.ts';
import type { ColumnInfo } from './schema-snapshot.ts';
import { formatTimeOfDay } from './time-values.ts';

type TextFn = (raw: Raw) => string;

/**
 * One table's generator: any row, any column, on demand, as COPY text.
 * Rows are a pure function of (seed, table, column, row), so a table can be
 * rendered in chunks, in any order, and other tables can read its values.
 */
export class GeneratedTable implements GeneratedTableView {
  readonly name: string;
  readonly rows: number;
  readonly group?: TableGroup;
  readonly columnNames: readonly string[];
  private readonly infos: ColumnInfo[];
  private readonly specs: ColumnSpec[];
  private readonly guards: (readonly Guard[])[];
  private readonly fns: ValueFn[] = [];
  private readonly texts: TextFn[] = [];
  private readonly writers: ValueWriter[] = [];
  private readonly spare: RowContext[] = [];
  private readonly primary: string | undefined;

  constructor(plan: TablePlan) {
    this.name = plan.name;
    this.rows = plan.rows;
    if (plan.group) this.group = plan.group;
    this.columnNames = plan.columns.map((c) => c.name);
    this.infos = plan.columns.map((c) => c.info);
    this.specs = plan.columns.map((c) => c.spec);
    this.guards = plan.columns.map((c) => c.guards ?? []);
    const pk = plan.info.constraints.find((c) => c.kind === 'primary');
    this.primary = pk && pk.columns.length === 1 ? pk.columns[0] : undefined;
  }

  compile(env: Omit<CompileEnv, 'table'>): void {
    this.specs.forEach((spec, i) => {
      const compiled = compileColumn(spec, this.infos[i]!, { ...env, table: this });
      const info = this.infos[i]!;
      const text = compiled.text ? withArrays(compiled.text, info) : textForType(info);
      const guards = this.guards[i]!;
      this.fns.push(guards.length ? guardValue(compiled.value, guards, { table: this, seed: env.seed, column: info.name, text }) : compiled.value);
      this.texts.push(text);
      this.writers.push(writerFor(compiled, info, text));
    });
  }

  columnIndex(name: string): number {
    const index = this.columnNames.indexOf(name);
    if (index < 0) throw new UsageError(`${this.name} has no column "${name}" the seeder generates`);
    return index;
  }

  columnInfo(name: string): ColumnInfo {
    return this.infos[this.columnIndex(name)]!;
  }

  specOf(column: string): ColumnSpec | undefined {
    return this.specs[this.columnNames.indexOf(column)];
  }

  primaryKey(): string | undefined {
    return this.primary;
  }

  textOf(column: number): TextFn {
    return this.texts[column]!;
  }

  writerOf(column: number): ValueWriter {
    return this.writers[column]!;
  }

  keyWriter(column: string): (row: number, writer: CopyWriter) => void {
    const index = this.columnIndex(column);
    const spec = this.specs[index]!;
    if (spec.kind === 'sequence' && !spec.nulls) {
      const start = spec.start ?? 1;
      const step = spec.step ?? 1;
      return (row, w) => w.int(start + row * step);
    }
    // Looked up per call: the target table may be compiled after the table referencing it.
    return (row, w) => {
      const raw = this.valueAt(index, row);
      if (raw === null) w.safe(COPY_NULL);
      else this.writers[index]!(raw, w);
    };
  }

  valueAt(column: number, row: number, group?: number): Raw {
    const ctx = this.spare.pop() ?? this.newContext();
    try {
      return (group === undefined ? ctx.at(row) : ctx.atInGroup(row, group)).get(column);
    } finally {
      this.spare.push(ctx);
    }
  }

  keyText(column: string): (row: number) => string {
    const index = this.columnIndex(column);
    const spec = this.specs[index]!;
    if (spec.kind === 'sequence' && !spec.nulls) {
      const start = spec.start ?? 1;
      const step = spec.step ?? 1;
      return (row) => String(start + row * step);
    }
    // Looked up per call: the target table may be compiled after the table referencing it.
    return (row) => {
      const raw = this.valueAt(index, row);
      return raw === null ? COPY_NULL : this.texts[index]!(raw);
    };
  }

  newContext(): RowContext {
    return new RowContext(this.fns, this.group?.offsets);
  }

  /**
   * Rows [from, to) as COPY text, written into `writer`; with `maxBytes`,
   * stops after the row that fills it. Returns the row it stopped before.
   */
  write(ctx: RowContext, from: number, to: number, writer: CopyWriter, maxBytes = Infinity): number {
    const columns = this.fns.length;
    const writers = this.writers;
    for (let row = from; row < to; row++) {
      if (writer.length >= maxBytes) return row;
      ctx.at(row);
      for (let i = 0; i < columns; i++) {
        const raw = ctx.get(i);
        if (raw === null) {
          writer.byte(92);
          writer.byte(78);
        } else writers[i]!(raw, writer);
        writer.byte(i === columns - 1 ? 10 : 9);
      }
    }
    return to;
  }

  /** Rows [from, to) as one chunk of COPY text. */
  renderChunk(ctx: RowContext, from: number, to: number, writer = new CopyWriter()): Buffer {
    this.write(ctx, from, to, writer);
    return writer.take();
  }

  /** Rows [from, to) as a string (tests, debugging). */
  render(ctx: RowContext, from: number, to: number): string {
    return this.renderChunk(ctx, from, to).toString('utf8');
  }
}

/** All tables of a plan, compiled against each other. */
export class RowGenerator {
  readonly tables = new Map<string, GeneratedTable>();

  constructor(plan: SeedPlan, seed: number) {
    for (const table of plan.tables) this.tables.set(table.name, new GeneratedTable(table));
    const env = { seed, tableNamed: (name: string) => this.table(name) };
    for (const table of this.tables.values()) table.compile(env);
  }

  table(name: string): GeneratedTable {
    const table = this.tables.get(name);
    if (!table) throw new UsageError(`a generator references table "${name}", which gets no rows in this model`);
    return table;
  }
}

const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);

/** The fast byte writer for a column: its own, else one for its type, else its text. */
function writerFor(compiled: CompiledColumn, info: ColumnInfo, text: TextFn): ValueWriter {
  if (info.isArray) return (raw, w) => w.safe(text(raw));
  if (compiled.write) return compiled.write;
  if (compiled.text) return (raw, w) => w.safe(text(raw));
  const type = info.baseType;
  if (INTEGER_TYPES.has(type)) return (raw, w) => (typeof raw === 'number' ? w.int(Math.round(raw)) : w.text(String(raw)));
  if (type === 'timestamptz' || type === 'timestamp') return (raw, w) => (typeof raw === 'number' ? w.timestamp(raw) : w.text(String(raw)));
  if (type === 'date') return (raw, w) => (typeof raw === 'number' ? w.date(raw) : w.text(String(raw)));
  return (raw, w) => (typeof raw === 'string' ? w.text(raw) : w.safe(text(raw)));
}

function textForType(info: ColumnInfo): TextFn {
  const scalar = scalarText(info);
  return info.isArray ? arrayText(scalar) : scalar;
}

function withArrays(text: TextFn, info: ColumnInfo): TextFn {
  return info.isArray ? arrayText(text) : text;
}

function arrayText(element: TextFn): TextFn {
  return (raw) => {
    if (!Array.isArray(raw)) return element(raw);
    const items = raw.map((item) => (item === null ? 'NULL' : arrayElement(unescapedText(element, item))));
    return escapeCopyText(`{${items.join(',')}}`);
  };
}

/** Element text inside an array literal is escaped once, for the whole literal. */
function unescapedText(element: TextFn, raw: Raw): string {
  return typeof raw === 'string' ? raw : element(raw);
}

function scalarText(info: ColumnInfo): TextFn {
  const type = info.baseType;
  if (type === 'timestamptz' || type === 'timestamp') return (raw) => (typeof raw === 'number' ? formatTimestamp(raw) : escapeCopyText(String(raw)));
  if (type === 'date') return (raw) => (typeof raw === 'number' ? formatDate(raw) : escapeCopyText(String(raw)));
  if (type === 'time' || type === 'timetz') return (raw) => (typeof raw === 'number' ? formatTimeOfDay(raw) : escapeCopyText(String(raw)));
  if (INTEGER_TYPES.has(type)) return (raw) => (typeof raw === 'number' ? String(Math.round(raw)) : String(raw));
  if (type === 'bool') return (raw) => (raw === true || raw === 't' ? 't' : 'f');
  if (type === 'numeric') {
    const scale = info.scale;
    return (raw) => (typeof raw === 'number' && scale !== undefined ? raw.toFixed(scale) : String(raw));
  }
  return (raw) => (typeof raw === 'string' ? escapeCopyText(raw) : typeof raw === 'number' && /^timestamp/.test(type) ? formatTimestamp(raw) : String(raw));
}
