import type { ValueRule } from './check-rules.ts';
import type { Guard } from './column-guards.ts';
import { nullRate, spanMinutes, spanStartOf, timeRole } from './column-semantics.ts';
import { DATA_EPOCH_END, defaultColumnSpec, TIMESTAMP_TYPES, timeBound } from './default-columns.ts';
import type { Distribution, Pick } from './distribution.ts';
import type { ColumnSpec } from './model.ts';
import { boundNumber, parsePartitionBound } from './partition-bounds.ts';
import { patternText, uuidOf } from './pattern-values.ts';
import type { PlanIssues } from './plan-issues.ts';
import { parseRegex, RegexNotGenerable, toJsRegExp } from './regex-values.ts';
import type { TableGroup } from './row-plan.ts';
import type { ColumnInfo, ConstraintInfo, TableInfo } from './schema-snapshot.ts';
import type { Expr } from './sql-expression.ts';
import type { TableRules, UniqueKey } from './table-rules.ts';
import { isTimeColumn, type TimeOrder } from './time-order.ts';
import { valuePool } from './value-pools.ts';

export interface PlannedColumn {
  name: string;
  spec: ColumnSpec;
  info: ColumnInfo;
  /** What the value must still respect after the generator ran (checks the generator cannot express). */
  guards?: Guard[];
}

export interface ColumnPlanInputs {
  table: { name: string; rows: number; info: TableInfo; group?: TableGroup };
  rules: TableRules;
  overrides: Readonly<Record<string, ColumnSpec>>;
  /** Rows a table gets; undefined when the model leaves it alone. */
  rowsOf(name: string): number | undefined;
  time: TimeOrder;
  issues: PlanIssues;
  warnings: string[];
}

/** The partner side of a link table: a few articles favourited by many. */
const POPULAR: Pick = { kind: 'zipf', s: 1.3 };
/** A plain foreign key: a few authors write most articles. */
const REFERENCE_PICK: Pick = { kind: 'zipf', s: 0.8 };
const INTEGER_TYPES = new Set(['int2', 'int4', 'int8']);
const NUMBER_TYPES = new Set(['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'money']);
/** Generators whose value is fixed by the row's place: drawing again gives the same value. */
const KEY_KINDS = new Set<ColumnSpec['kind']>(['sequence', 'position', 'parent', 'distinctRef', 'const', 'firstOfParent']);
const ALWAYS_NULL: ColumnSpec = { kind: 'const', value: '', nulls: 1 };
const DAY_MINUTES = 1_440;

/** One row of a partial unique index per parent: what its predicate column holds on the first row and on the others. */
interface PredicateControl {
  column: string;
  first: ColumnSpec;
  rest: ColumnSpec;
  guard?: Guard;
}

/**
 * A generator for every column of one table: the model's, else one derived
 * from the column's keys, foreign keys, checks, domain, type and name, then
 * ordered in time, NULL where it fits the column, and guarded where a
 * check asks more than a generator can express. Problems go to `issues`.
 */
export function planColumns(inputs: ColumnPlanInputs): PlannedColumn[] {
  return new ColumnPlanner(inputs).plan();
}

class ColumnPlanner {
  private readonly info: TableInfo;
  private readonly columns: ColumnInfo[];
  private readonly specs = new Map<string, ColumnSpec>();
  private readonly guards = new Map<string, Guard[]>();
  /** Columns whose generator rehearse chose (the others are the model's). */
  private readonly derived = new Set<string>();
  /** Columns that must differ in every row, and whether whatever their case. */
  private readonly unique = new Map<string, boolean>();
  /** Columns whose NULLs a rule (a NULL pattern, a partial index) decides. */
  private readonly nullsDecided = new Set<string>();
  /** Column → the columns it is generated after (no cycles). */
  private readonly after = new Map<string, Set<string>>();
  private readonly partialControls: { key: UniqueKey; firstOfParent: boolean }[] = [];

  constructor(private readonly inputs: ColumnPlanInputs) {
    this.info = inputs.table.info;
    this.columns = this.info.columns.filter((c) => !c.generated);
  }

  plan(): PlannedColumn[] {
    this.checkOverrides();
    this.findUniqueColumns();
    for (const column of this.columns) {
      const override = this.inputs.overrides[column.name];
      const spec = override ?? this.baseSpec(column);
      if (!spec) {
        this.problem(column.name, undefined, `rehearse cannot generate values of type ${column.type}`, `add a generator for it in the model, e.g. columns: { ${column.name}: gen.pattern('…') }`);
        continue;
      }
      if (!override) this.derived.add(column.name);
      this.specs.set(column.name, spec);
    }
    this.orderByChecks();
    this.orderInTime();
    this.controlPartialUniques();
    this.applyNullPatterns();
    this.applyNullRates();
    this.guardValues();
    this.keepInPartitions();
    return this.columns.filter((c) => this.specs.has(c.name)).map((c) => {
      const guards = this.guards.get(c.name);
      return { name: c.name, spec: this.specs.get(c.name)!, info: c, ...(guards?.length ? { guards } : {}) };
    });
  }

  private get table() {
    return this.inputs.table;
  }

  private problem(column: string | undefined, constraint: string | undefined, problem: string, fix: string): void {
    this.inputs.issues.add({ table: this.table.name, ...(column ? { column } : {}), ...(constraint ? { constraint } : {}), problem, fix });
  }

  private checkOverrides(): void {
    for (const name of Object.keys(this.inputs.overrides)) {
      const column = this.info.columns.find((c) => c.name === name);
      if (!column) this.problem(name, undefined, 'the model has a generator for a column the table does not have', `columns: ${this.info.columns.map((c) => c.name).join(', ')}`);
      else if (column.generated) this.problem(name, undefined, 'the model has a generator for a generated column (Postgres computes it)', 'remove it from the model');
    }
  }

  private valueRules(column: string): ValueRule[] {
    return (this.inputs.rules.values.get(column) ?? []).map((r) => r.rule);
  }

  private foreignKeyOf(column: string): ConstraintInfo | undefined {
    return this.info.constraints.find((c) => c.kind === 'foreign' && c.columns.includes(column));
  }

  private isForeignKeyColumn(column: string): boolean {
    return this.foreignKeyOf(column) !== undefined;
  }

  /**
   * Single-column keys make their column unique; a composite key is kept
   * distinct by the table's parent runs (a link table) or, failing that, by
   * making one of its columns unique; a partial key on the parent becomes
   * "one row per parent holds the predicate".
   */
  private findUniqueColumns(): void {
    const group = this.table.group;
    const keys = [...this.inputs.rules.uniqueKeys].sort((a, b) => a.columns.length - b.columns.length);
    for (const key of keys) {
      if (key.where) {
        if (group && sameColumns(key.columns, group.via)) {
          this.partialControls.push({ key, firstOfParent: true });
          continue;
        }
        if (this.info.constraints.some((c) => c.kind === 'foreign' && sameColumns(c.columns, key.columns))) {
          this.partialControls.push({ key, firstOfParent: false });
          continue;
        }
      }
      if (key.columns.length === 1) {
        this.unique.set(key.columns[0]!, (this.unique.get(key.columns[0]!) ?? false) || (key.caseInsensitive ?? false));
        continue;
      }
      if (this.coveredByGroup(key) || key.columns.some((c) => this.unique.has(c))) continue;
      const column = key.columns.find((c) => !this.isForeignKeyColumn(c) && !this.inputs.overrides[c]) ?? key.columns.find((c) => this.foreignKeyOf(c)?.columns.length === 1 && !this.inputs.overrides[c]);
      if (column) this.unique.set(column, key.caseInsensitive ?? false);
      else if (!key.columns.every((c) => this.inputs.overrides[c])) {
        this.problem(undefined, key.name, `the key (${key.columns.join(', ')}) cannot be kept distinct: its columns are foreign keys and rows are not given per one of them`, `give rows per one of its foreign keys (rows: { per: '…', total: … }) or generators for its columns`);
      }
    }
  }

  private coveredByGroup(key: UniqueKey): boolean {
    const group = this.table.group;
    if (!group || !group.via.every((c) => key.columns.includes(c)) || !group.distinct) return false;
    if ('column' in group.distinct) return key.columns.includes(group.distinct.column);
    const partner = this.info.constraints.find((c) => c.name === (group.distinct as { foreignKey: string }).foreignKey);
    return partner !== undefined && partner.columns.every((c) => key.columns.includes(c));
  }

  private baseSpec(column: ColumnInfo): ColumnSpec | undefined {
    const name = column.name;
    const group = this.table.group;
    if (group?.via.includes(name)) return { kind: 'parent', column: group.refColumns[group.via.indexOf(name)]! };
    const fk = this.foreignKeyOf(name);
    if (fk && group?.distinct && 'foreignKey' in group.distinct && group.distinct.foreignKey === fk.name) {
      return { kind: 'distinctRef', table: fk.refTable!, column: fk.refColumns![fk.columns.indexOf(name)]!, pick: POPULAR, ...(fk.columns.length > 1 ? { group: fk.name } : {}) };
    }
    if (fk) return this.foreignSpec(column, fk);
    const sequence = this.info.sequences.find((s) => s.column === name);
    if (sequence && INTEGER_TYPES.has(column.baseType)) return { kind: 'sequence', start: sequence.start, step: sequence.increment };
    if (group?.distinct && 'column' in group.distinct && group.distinct.column === name) return this.distinctWithinParent(column);
    const values = this.valueRules(name);
    const context = { table: this.table.name, siblings: this.info.columns.map((c) => c.name), values, unique: this.unique.has(name), caseInsensitive: this.unique.get(name) ?? false };
    const natural = defaultColumnSpec(column, context);
    const matches = values.filter((r): r is Extract<ValueRule, { kind: 'matches' }> => r.kind === 'matches');
    if (matches.length === 0 || (natural?.kind === 'choice' && column.enumLabels === undefined && values.some((r) => r.kind === 'oneOf'))) return natural;
    return this.matchingSpec(column, natural, matches);
  }

  private foreignSpec(column: ColumnInfo, fk: ConstraintInfo): ColumnSpec {
    const target = fk.refTable!;
    const targetColumn = fk.refColumns![fk.columns.indexOf(column.name)]!;
    const targetRows = target === this.table.name ? this.table.rows : this.inputs.rowsOf(target);
    if (!targetRows) {
      if (!column.notNull) return ALWAYS_NULL;
      const why = targetRows === undefined ? 'which the model does not seed' : 'which gets no rows';
      this.problem(column.name, fk.name, `references ${target}, ${why}`, `give ${target} rows in the model (tables: { '${target}': { rows: … } }), or a generator for ${column.name}`);
      return ALWAYS_NULL;
    }
    if (this.unique.has(column.name) && fk.columns.length === 1) return { kind: 'distinctRef', table: target, column: targetColumn };
    return { kind: 'ref', table: target, column: targetColumn, pick: REFERENCE_PICK, ...(fk.columns.length > 1 ? { group: fk.name } : {}) };
  }

  /** The part of a key that makes one parent's rows differ: 1, 2, 3 … (a line number), or distinct values. */
  private distinctWithinParent(column: ColumnInfo): ColumnSpec | undefined {
    const values = this.valueRules(column.name);
    if (INTEGER_TYPES.has(column.baseType)) {
      const range = values.find((r): r is Extract<ValueRule, { kind: 'range' }> => r.kind === 'range' && typeof r.min?.value === 'number');
      const start = range?.min ? (range.min.value as number) + (range.min.inclusive ? 0 : 1) : 1;
      return { kind: 'position', start: Math.ceil(start) };
    }
    const listed = defaultColumnSpec(column, { table: this.table.name, siblings: [], values, unique: false });
    if (listed?.kind === 'choice') return { kind: 'position', start: 0, values: listed.values };
    return defaultColumnSpec(column, { table: this.table.name, siblings: this.info.columns.map((c) => c.name), values, unique: true });
  }

  /**
   * A column checked against a regular expression keeps its realistic
   * generator when every value it can make matches (an email checked for an
   * @), else draws from the expression itself.
   */
  private matchingSpec(column: ColumnInfo, natural: ColumnSpec | undefined, matches: Extract<ValueRule, { kind: 'matches' }>[]): ColumnSpec | undefined {
    const tests = matches.map((m) => toJsRegExp(m.regex, m.caseInsensitive));
    const samples = natural ? sampleValues(natural, this.unique.has(column.name)) : undefined;
    if (natural && samples?.length && tests.every(Boolean) && samples.every((v) => tests.every((t) => t!.test(v)))) return natural;
    if (natural?.kind === 'fake' && !this.unique.has(column.name) && tests.every(Boolean)) {
      const fitting = [...new Set(valuePool(natural.what))].filter((v) => tests.every((t) => t!.test(v)));
      if (fitting.length >= 5) return { kind: 'choice', values: fitting };
    }
    const first = matches[0]!;
    try {
      parseRegex(first.regex);
    } catch (error) {
      if (!(error instanceof RegexNotGenerable)) throw error;
      const source = this.inputs.rules.values.get(column.name)!.find((r) => r.rule === first)!.source;
      this.problem(column.name, source, `values matching ${first.regex} cannot be generated (${error.message})`, `add a generator for ${column.name} in the model whose values match, e.g. gen.pattern('…') or gen.regex('…')`);
      return natural;
    }
    if (matches.length > 1 && !tests.every(Boolean)) this.inputs.warnings.push(`${this.table.name}.${column.name}: values are drawn from ${first.regex} only; check the other patterns hold`);
    return { kind: 'regex', pattern: first.regex, caseInsensitive: first.caseInsensitive || (this.unique.get(column.name) ?? false), unique: this.unique.has(column.name) };
  }

  /** `a < b`, `a <= b`, `a = b`, `a <> b` between columns. */
  private orderByChecks(): void {
    for (const { rule, source } of this.inputs.rules.compares) {
      const { left, op, right } = rule;
      if (op === '<' || op === '<=') this.orderAfter(right, left, op === '<', source);
      else if (op === '=') this.sameAs(right, left, source);
      else this.differ(left, right, source);
    }
  }

  private orderAfter(later: string, earlier: string, strict: boolean, source: string): void {
    const laterInfo = this.columnInfo(later);
    const earlierInfo = this.columnInfo(earlier);
    if (!laterInfo || !earlierInfo) return;
    if (this.derived.has(later) && orderable(laterInfo) && !this.dependsOn(earlier, later)) {
      this.addAfter(laterInfo, earlier, strict);
      return;
    }
    if (this.derived.has(earlier) && orderable(earlierInfo) && !this.dependsOn(later, earlier)) {
      this.specs.set(earlier, { kind: 'after', column: later, delta: negated(this.delta(earlierInfo, strict)) });
      this.noteAfter(earlier, [later]);
      return;
    }
    if (this.derived.has(later) || this.derived.has(earlier)) {
      this.problem(later, source, `${earlier} must come before ${later}, and values of type ${laterInfo.type} are not ordered by rehearse`, `add generators for ${earlier} and ${later} in the model`);
    }
  }

  /** Makes `column` come after `base` (adding to the bases it already follows). */
  private addAfter(column: ColumnInfo, base: string, strict: boolean): void {
    const current = this.specs.get(column.name);
    if (current?.kind === 'after' && this.derived.has(column.name)) {
      const bases = typeof current.column === 'string' ? [current.column] : [...current.column];
      if (!bases.includes(base)) this.specs.set(column.name, { ...current, column: [...bases, base] });
    } else {
      this.specs.set(column.name, this.afterSpec(column, base, strict));
    }
    this.noteAfter(column.name, [base]);
  }

  private afterSpec(column: ColumnInfo, base: string | string[], strict: boolean): ColumnSpec {
    const role = timeRole(column.name);
    if (isTimeColumn(column) && role !== 'end') return { kind: 'after', column: base, until: DATA_EPOCH_END };
    return { kind: 'after', column: base, delta: this.delta(column, strict) };
  }

  /** How far after its base a value lies: a span's length for time, a few units for numbers. */
  private delta(column: ColumnInfo, strict: boolean): Distribution {
    const low = strict ? 1 : 0;
    if (TIMESTAMP_TYPES.has(column.baseType)) {
      const [min, max] = spanMinutes(column.name, this.table.name);
      return { kind: 'uniform', min: Math.max(low, min), max };
    }
    if (column.baseType === 'date') {
      const [min, max] = spanMinutes(column.name, this.table.name);
      return { kind: 'uniform', min: Math.max(low, Math.ceil(min / DAY_MINUTES)), max: Math.max(1, Math.ceil(max / DAY_MINUTES)) };
    }
    if (column.baseType === 'time' || column.baseType === 'timetz') return { kind: 'uniform', min: Math.max(low, 30), max: 180 };
    return { kind: 'uniform', min: low, max: 100 };
  }

  private noteAfter(column: string, bases: string[]): void {
    const set = this.after.get(column) ?? new Set<string>();
    for (const base of bases) if (!base.includes('.')) set.add(base);
    this.after.set(column, set);
  }

  /** Whether `column` is generated (transitively) after `other`. */
  private dependsOn(column: string, other: string): boolean {
    if (column === other) return true;
    return [...(this.after.get(column) ?? [])].some((base) => this.dependsOn(base, other));
  }

  private sameAs(copy: string, source: string, constraint: string): void {
    const target = this.derived.has(copy) ? copy : this.derived.has(source) ? source : undefined;
    if (!target) return;
    const info = this.columnInfo(target)!;
    const other = target === copy ? source : copy;
    if (!orderable(info) || this.dependsOn(other, target)) {
      this.problem(target, constraint, `must equal ${other}`, `add generators for ${target} and ${other} in the model`);
      return;
    }
    this.specs.set(target, { kind: 'after', column: other, delta: { kind: 'constant', value: 0 } });
    this.noteAfter(target, [other]);
  }

  /** `a <> b`: one side is drawn again when they meet, never a key (redrawing a key would repeat it). */
  private differ(left: string, right: string, source: string): void {
    if (this.selfLinkAvoids(left, right)) return;
    const redrawable = (column: string) => this.derived.has(column) && !this.unique.has(column) && !KEY_KINDS.has(this.specs.get(column)?.kind ?? 'const');
    const target = redrawable(right) ? right : redrawable(left) ? left : undefined;
    if (target) this.addGuard(target, { kind: 'differs', column: target === right ? left : right });
    else if (this.derived.has(left) || this.derived.has(right)) this.problem(right, source, `${left} and ${right} must differ, and both are keys rehearse numbers`, `add a generator for one of them in the model`);
  }

  /** In a table linking a table to itself, the picks already skip the parent row: a user never follows themselves. */
  private selfLinkAvoids(a: string, b: string): boolean {
    const group = this.table.group;
    if (!group?.distinct || !('foreignKey' in group.distinct)) return false;
    const partner = this.info.constraints.find((c) => c.name === (group.distinct as { foreignKey: string }).foreignKey);
    if (!partner || partner.refTable !== group.parent) return false;
    return (group.via.includes(a) && partner.columns.includes(b)) || (group.via.includes(b) && partner.columns.includes(a));
  }

  /**
   * Time runs forward: the row's origin after the origins of the rows it
   * references; updated/deleted/event times after the origin; a span's end
   * after its start. Only for columns rehearse generates and no check
   * already ordered.
   */
  private orderInTime(): void {
    const origin = this.inputs.time.origins.get(this.table.name);
    const siblings = this.info.columns.map((c) => c.name);
    for (const column of this.columns) {
      const name = column.name;
      if (!this.derived.has(name) || !isTimeColumn(column) && column.baseType !== 'time' || this.after.has(name)) continue;
      if (name === origin) {
        this.followParents(column);
        continue;
      }
      const role = timeRole(name);
      if (role === 'birth') continue;
      const start = role === 'end' ? spanStartOf(name, siblings) : undefined;
      const base = start && start !== name && this.columnInfo(start) ? start : origin;
      if (!base || base === name || this.dependsOn(base, name) || (!isTimeColumn(column) && base === origin)) continue;
      this.addAfter(column, base, false);
    }
  }

  private followParents(column: ColumnInfo): void {
    const parents = this.inputs.time.parents.get(this.table.name) ?? [];
    const usable = parents.filter((fk) => this.specs.get(fk.columns[0]!)?.kind !== 'const');
    if (usable.length === 0) return;
    if (column.notNull && !usable.some((fk) => fk.columns.every((c) => this.columnInfo(c)?.notNull))) return;
    const paths = usable.map((fk) => `${fk.columns[0]}.${this.inputs.time.origins.get(fk.refTable!)}`);
    this.specs.set(column.name, { kind: 'after', column: paths, until: DATA_EPOCH_END });
  }

  /** A partial unique index on the parent key: its predicate holds for the first row of each parent only (or none). */
  private controlPartialUniques(): void {
    for (const { key, firstOfParent } of this.partialControls) {
      const control = this.predicateControl(key.where!);
      if (control === 'never') continue;
      if (!control) {
        if (!key.columns.every((c) => this.inputs.overrides[c])) {
          this.problem(undefined, key.name, 'the predicate of this partial unique index is not understood', `add generators for its columns (${key.columns.join(', ')}) in the model that keep at most one row per ${key.columns.join(', ')} where the predicate holds`);
        }
        continue;
      }
      if (!this.derived.has(control.column)) continue;
      this.specs.set(control.column, firstOfParent ? { kind: 'firstOfParent', first: control.first, rest: control.rest } : control.rest);
      if (control.guard && !firstOfParent) this.addGuard(control.column, control.guard);
      this.nullsDecided.add(control.column);
    }
  }

  /** The first conjunct of a predicate rehearse can make true on one row and false on the others. */
  private predicateControl(where: Expr): PredicateControl | 'never' | undefined {
    const conjuncts = where.kind === 'and' ? where.args : [where];
    for (const c of conjuncts) {
      const natural = (column: string) => ({ ...(this.specs.get(column) ?? ALWAYS_NULL), nulls: 0 }) as ColumnSpec;
      if (c.kind === 'column') return { column: c.name, first: { kind: 'const', value: true }, rest: { kind: 'const', value: false } };
      if (c.kind === 'not' && c.arg.kind === 'column') return { column: c.arg.name, first: { kind: 'const', value: false }, rest: { kind: 'const', value: true } };
      if (c.kind === 'nullTest' && c.arg.kind === 'column') {
        const info = this.columnInfo(c.arg.name);
        if (!info) continue;
        if (c.isNull && info.notNull) return 'never';
        if (info.notNull) continue;
        return c.isNull ? { column: info.name, first: ALWAYS_NULL, rest: natural(info.name) } : { column: info.name, first: natural(info.name), rest: ALWAYS_NULL };
      }
      if (c.kind === 'op' && c.left?.kind === 'column' && c.right.kind === 'const' && (c.op === '=' || c.op === '<>') && c.right.value !== null) {
        const value = c.right.value;
        const hold: ColumnSpec = { kind: 'const', value };
        const other = natural(c.left.name);
        return c.op === '=' ? { column: c.left.name, first: hold, rest: other, guard: { kind: 'notIn', values: [value] } } : { column: c.left.name, first: other, rest: hold };
      }
    }
    return undefined;
  }

  /** NULL patterns a check allows over several columns; a nullable composite foreign key is NULL all together. */
  private applyNullPatterns(): void {
    const rules = this.inputs.rules.nulls.map(({ rule, source }) => ({ columns: rule.columns, allowed: rule.allowed, source }));
    for (const fk of this.info.constraints) {
      if (fk.kind !== 'foreign' || fk.columns.length < 2 || fk.columns.every((c) => this.columnInfo(c)?.notNull)) continue;
      rules.push({ columns: fk.columns, allowed: [fk.columns.map(() => true), fk.columns.map(() => false)], source: fk.name });
    }
    for (const rule of rules) {
      const infos = rule.columns.map((c) => this.columnInfo(c));
      if (infos.some((i) => !i)) continue;
      const rates = infos.map((info) => (info!.notNull ? 0 : this.naturalNullRate(info!)));
      let weights = rule.allowed.map((pattern) => pattern.reduce((w, present, i) => w * (present ? 1 - rates[i]! : rates[i]!), 1));
      if (weights.every((w) => w === 0)) weights = rule.allowed.map((pattern) => (pattern.every((present, i) => present || !infos[i]!.notNull) ? 1 : 0));
      if (weights.every((w) => w === 0)) {
        this.problem(rule.columns.join(', '), rule.source, 'no combination of NULLs this check allows fits the NOT NULL columns', 'change the check or the NOT NULL constraints');
        continue;
      }
      rule.columns.forEach((column, index) => {
        if (this.derived.has(column)) this.specs.set(column, { ...this.specs.get(column)!, nulls: 0 });
        this.nullsDecided.add(column);
        this.addGuard(column, { kind: 'presence', rule: rule.source, index, allowed: rule.allowed, weights });
      });
    }
  }

  private naturalNullRate(column: ColumnInfo): number {
    const fk = this.foreignKeyOf(column.name);
    return nullRate(column.name, { foreignKey: Boolean(fk), selfReference: fk?.refTable === this.table.name, ...(isTimeColumn(column) ? { timeRole: timeRole(column.name) } : {}) });
  }

  /** NULLs at a rate that fits what the column means, where the column allows them and nothing else decides. */
  private applyNullRates(): void {
    for (const column of this.columns) {
      const spec = this.specs.get(column.name);
      if (!spec || column.notNull || !this.derived.has(column.name) || this.unique.has(column.name) || this.nullsDecided.has(column.name)) continue;
      if (spec.nulls !== undefined || spec.kind === 'parent' || spec.kind === 'distinctRef') continue;
      this.specs.set(column.name, { ...spec, nulls: this.naturalNullRate(column) });
    }
  }

  /** Checks a generator does not express by itself: excluded values, letter case, lengths, ranges of derived values. */
  private guardValues(): void {
    for (const column of this.columns) {
      if (!this.derived.has(column.name)) continue;
      const spec = this.specs.get(column.name)!;
      for (const rule of this.valueRules(column.name)) {
        if (rule.kind === 'noneOf' && spec.kind !== 'choice') this.addGuard(column.name, { kind: 'notIn', values: rule.values });
        if (rule.kind === 'letterCase') this.addGuard(column.name, { kind: 'letterCase', upper: rule.upper });
        if (rule.kind === 'length' && !column.isArray) this.addGuard(column.name, { kind: 'length', ...(rule.min !== undefined ? { min: rule.min } : {}), ...(rule.max !== undefined ? { max: rule.max } : {}) });
        if (rule.kind === 'range' && spec.kind === 'after') this.addGuard(column.name, rangeClamp(rule, column));
      }
    }
  }

  /** Rows go through a partitioned table into its partitions: values of the partition key stay inside them. */
  private keepInPartitions(): void {
    const partitioning = this.info.partitioning;
    if (!partitioning) return;
    const bounds = partitioning.partitions.map((p) => ({ ...p, parsed: parsePartitionBound(p.bound) }));
    if (bounds.length === 0) {
      this.problem(undefined, undefined, 'the table is partitioned but has no partitions, so no row can be stored', 'create its partitions (or a DEFAULT partition) in the schema');
      return;
    }
    for (const partition of bounds.filter((b) => b.subPartitioned)) {
      this.problem(undefined, partition.sql, 'this partition is partitioned again; rehearse routes rows through one level of partitions', 'give the table rows: 0 in the model, or partition it on one level');
    }
    if (bounds.some((b) => b.parsed?.kind === 'default') || partitioning.strategy === 'hash') return;
    const [column] = partitioning.columns;
    if (partitioning.columns.length !== 1 || !column) {
      this.problem(undefined, undefined, `the partition key ${partitioning.key} is not one column, and there is no DEFAULT partition`, 'add a DEFAULT partition, or give the table rows: 0 in the model');
      return;
    }
    if (partitioning.strategy === 'list') this.keepInList(column, bounds.flatMap((b) => (b.parsed?.kind === 'list' ? b.parsed.values : [])));
    else this.keepInRanges(column, bounds.map((b) => b.parsed));
  }

  private keepInList(column: string, values: (string | number | null)[]): void {
    const listed = values.filter((v): v is string | number => v !== null);
    if (!this.derived.has(column)) return;
    const info = this.columnInfo(column)!;
    const typed = INTEGER_TYPES.has(info.baseType) ? listed.map(Number) : listed;
    this.specs.set(column, { kind: 'choice', values: typed, ...(values.includes(null) && !info.notNull ? { nulls: 0.05 } : {}) });
  }

  private keepInRanges(column: string, parsed: (ReturnType<typeof parsePartitionBound> | undefined)[]): void {
    const info = this.columnInfo(column)!;
    const intervals: [number, number][] = [];
    for (const bound of parsed) {
      if (bound?.kind !== 'range') continue;
      const [low, high] = [boundNumber(bound.from[0]!), boundNumber(bound.to[0]!)];
      if (low === undefined || high === undefined) {
        this.problem(column, undefined, `a partition bound of ${column} is not a number or a date rehearse can read`, 'add a DEFAULT partition, or a generator for the column that stays inside the partitions');
        return;
      }
      intervals.push([low, high]);
    }
    const spec = this.specs.get(column)!;
    if (spec.kind === 'sequence') {
      const first = spec.start ?? 1;
      const last = first + (this.table.rows - 1) * (spec.step ?? 1);
      const fits = (v: number) => intervals.some(([lo, hi]) => v >= lo && v < hi);
      if (!fits(first) || !fits(last)) this.problem(column, undefined, `keys ${first} … ${last} do not all fall inside the partitions`, 'add partitions (or a DEFAULT partition) for them, or give the table fewer rows');
      return;
    }
    const grain = info.baseType === 'date' ? 86_400_000 : TIMESTAMP_TYPES.has(info.baseType) ? 1_000 : 1;
    this.addGuard(column, { kind: 'within', intervals, grain });
  }

  private addGuard(column: string, guard: Guard): void {
    const list = this.guards.get(column) ?? [];
    list.push(guard);
    this.guards.set(column, list);
  }

  private columnInfo(name: string): ColumnInfo | undefined {
    return this.info.columns.find((c) => c.name === name);
  }
}

function orderable(column: ColumnInfo): boolean {
  return !column.isArray && (NUMBER_TYPES.has(column.baseType) || isTimeColumn(column) || column.baseType === 'time' || column.baseType === 'timetz');
}

function negated(d: Distribution): Distribution {
  return d.kind === 'uniform' ? { kind: 'uniform', min: -d.max, max: -d.min } : d;
}

function rangeClamp(rule: Extract<ValueRule, { kind: 'range' }>, column: ColumnInfo): Guard {
  const time = isTimeColumn(column);
  const step = time ? 1000 : INTEGER_TYPES.has(column.baseType) ? 1 : 0.01;
  const value = (bound: typeof rule.min) => (time ? timeBound(bound) : typeof bound?.value === 'number' ? bound.value : undefined);
  const min = value(rule.min);
  const max = value(rule.max);
  return { kind: 'clamp', ...(min !== undefined ? { min: min + (rule.min!.inclusive ? 0 : step) } : {}), ...(max !== undefined ? { max: max - (rule.max!.inclusive ? 0 : step) } : {}) };
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}

/** Values a generator can make, to test against a check's pattern; undefined when they cannot be listed cheaply. */
function sampleValues(spec: ColumnSpec, unique: boolean): string[] | undefined {
  switch (spec.kind) {
    case 'fake': return [...new Set(valuePool(spec.what))].map((v) => (unique ? `${v}-12` : v));
    case 'choice': return spec.values.map(String);
    case 'const': return [String(spec.value)];
    case 'pattern': {
      const text = patternText(spec.pattern, 1);
      return Array.from({ length: 64 }, (_, row) => text(row));
    }
    case 'email': return (spec.domains ?? ['example.com', 'example.org', 'example.net', 'mail.example', 'school.example']).map((d) => `jane.smith.12@${d}`);
    case 'slug': return ['how-to-train-a-dragon-2s'];
    case 'uuid': return [uuidOf(1, 0), uuidOf(1, 1)];
    default: return undefined;
  }
}
