import type { Pick } from './distribution.ts';
import { isActorColumn, isActorTable } from './column-semantics.ts';
import type { DataModel, RowCount, TableModel } from './model.ts';
import type { PlanIssues } from './plan-issues.ts';
import { streamId } from './prng.ts';
import { drawRowsPerParent, spreadRows } from './row-counts.ts';
import type { ConstraintInfo, TableInfo } from './schema-snapshot.ts';
import type { TableRules, UniqueKey } from './table-rules.ts';

/** A table whose rows come in runs per parent row (students per school, follows per follower). */
export interface TableGroup {
  parent: string;
  /** The foreign-key columns pointing at the parent, and the parent's columns they reference. */
  via: string[];
  refColumns: string[];
  /** Rows of parent p are offsets[p] .. offsets[p+1]-1. */
  offsets: Float64Array;
  /** Inside a key that holds the parent: what makes one parent's rows differ, a partner table (its foreign key) or a column. */
  distinct?: { foreignKey: string } | { column: string };
  /** The grouping was inferred from the schema (a link table, line items), not written in the model. */
  implicit?: boolean;
}

export interface ResolvedCount {
  rows: number;
  group?: TableGroup;
}

export interface RowPlanInputs {
  tables: ReadonlyMap<string, TableInfo>;
  rules: ReadonlyMap<string, TableRules>;
  /** The model's tables, keyed like the snapshot. */
  declared: ReadonlyMap<string, TableModel>;
  model: DataModel;
  scale: number;
  seed: number;
  issues: PlanIssues;
  warnings: string[];
}

/**
 * How many links a linking row makes: half the users link at all, and among
 * them a gentle power law, so the most active follower follows far fewer
 * than the most followed user has followers (the partner side is the
 * steep one: a few accounts, articles, tags are picked by nearly everyone).
 */
const ACTOR_SKEW: Pick = { kind: 'zipf', s: 0.6 };
const ACTOR_ACTIVE_SHARE = 0.5;
/** Rows owned by a parent (line items, a venue's opening hours): every parent has some, a few have many. */
const OWNED_SKEW: Pick = { kind: 'zipf', s: 0.7 };

/** Where a table's rows come from when the model gives a plain count: runs per parent, inferred from its keys. */
interface ImplicitGroup {
  foreignKey: ConstraintInfo;
  distinct?: { foreignKey: string } | { column: string };
  kind: 'link' | 'owned' | 'partial';
}

/**
 * Resolves row counts after --scale, with per-parent runs: the model's
 * `rows: { per }`, or inferred for a table keyed by a foreign key and
 * something else (a link table is grouped by its linking side, the other
 * side picked distinct and popular; line items by their order), and for a
 * partial unique index on a foreign key (one default address per customer).
 */
export class RowCounter {
  private readonly resolved = new Map<string, ResolvedCount>();
  private readonly resolving = new Set<string>();

  constructor(private readonly inputs: RowPlanInputs) {}

  /** Whether the model gives `name` rows (listed, or through `defaultRows`). */
  inScope(name: string): boolean {
    return this.inputs.declared.has(name) || this.inputs.model.defaultRows !== undefined;
  }

  resolve(name: string): ResolvedCount {
    const done = this.resolved.get(name);
    if (done) return done;
    if (this.resolving.has(name)) {
      this.inputs.issues.add({ table: name, problem: `row counts of ${[...this.resolving, name].join(' → ')} depend on each other`, fix: 'give one of them a plain number of rows' });
      return { rows: 0 };
    }
    this.resolving.add(name);
    const result = this.count(name);
    this.resolving.delete(name);
    this.resolved.set(name, result);
    return result;
  }

  private count(name: string): ResolvedCount {
    const table = this.inputs.tables.get(name)!;
    const declared = this.inputs.declared.get(name)?.rows ?? this.inputs.model.defaultRows ?? 0;
    if (typeof declared !== 'number') return this.grouped(table, declared);
    if (declared === 0) return { rows: 0 };
    const implicit = this.implicitGroup(table);
    if (!implicit) return { rows: scaled(declared, this.inputs.scale) };
    const parent = implicit.foreignKey.refTable!;
    const skew = implicit.kind === 'link' ? ACTOR_SKEW : OWNED_SKEW;
    const active = implicit.kind === 'link' ? ACTOR_ACTIVE_SHARE : 1;
    const parentRows = this.resolve(parent).rows;
    const total = scaled(declared, this.inputs.scale);
    const min = implicit.kind === 'link' || total < parentRows ? 0 : 1;
    return this.spread(table, parent, implicit.foreignKey, { total, skew, min, active, distinct: implicit.distinct, implicit: true });
  }

  private grouped(table: TableInfo, rows: Exclude<RowCount, number>): ResolvedCount {
    const issues = this.inputs.issues;
    if (!this.inputs.tables.has(rows.per)) {
      issues.add({ table: table.name, problem: `rows.per names "${rows.per}", which the schema does not have`, fix: `per must name a table (tables: ${[...this.inputs.tables.keys()].join(', ')})` });
      return { rows: 0 };
    }
    if (!this.inScope(rows.per)) {
      issues.add({ table: table.name, problem: `rows.per "${rows.per}" gets no rows from the model`, fix: `add "${rows.per}" to the model's tables with rows` });
      return { rows: 0 };
    }
    const foreignKey = foreignKeyTo(table, rows.per, rows.via);
    if (!foreignKey) {
      const count = table.constraints.filter((c) => c.kind === 'foreign' && c.refTable === rows.per).length;
      issues.add({ table: table.name, problem: `rows.per "${rows.per}": ${count === 0 ? 'no foreign key' : 'several foreign keys'} from ${table.name} to ${rows.per}`, fix: 'name the column with `via`' });
      return { rows: 0 };
    }
    if ('each' in rows) {
      const parentRows = this.resolve(rows.per).rows;
      const distinct = this.distinctPart(table, foreignKey);
      const max = this.maxPerParent(table, foreignKey, distinct);
      const offsets = drawRowsPerParent(parentRows, rows.each, this.salt(rows.per), max);
      return { rows: offsets[offsets.length - 1]!, group: groupOf(rows.per, foreignKey, offsets, distinct, false) };
    }
    const total = scaled(rows.total, this.inputs.scale);
    return this.spread(table, rows.per, foreignKey, { total, skew: rows.skew ?? { kind: 'uniform' }, min: rows.min ?? 0, active: 1, distinct: this.distinctPart(table, foreignKey), implicit: false });
  }

  private spread(
    table: TableInfo,
    parent: string,
    foreignKey: ConstraintInfo,
    how: { total: number; skew: Pick; min: number; active: number; distinct: ImplicitGroup['distinct']; implicit: boolean },
  ): ResolvedCount {
    const parentRows = this.resolve(parent).rows;
    const max = this.maxPerParent(table, foreignKey, how.distinct);
    // Salted by the parent, so every table sized per school agrees on which schools are big.
    const offsets = spreadRows(parentRows, how.total, how.skew, this.salt(parent), max, how.min, how.active);
    const rows = offsets[offsets.length - 1]!;
    if (rows < how.total) this.inputs.warnings.push(`${table.name}: ${how.total} rows asked, ${rows} fit without repeating a key (${parentRows} ${parent} rows, at most ${max} each)`);
    return { rows, group: groupOf(parent, foreignKey, offsets, how.distinct, how.implicit) };
  }

  private salt(parent: string): number {
    return streamId(this.inputs.seed, parent, 'rows');
  }

  /** A plain count on a table keyed by a foreign key and more becomes runs per parent of that key. */
  private implicitGroup(table: TableInfo): ImplicitGroup | undefined {
    const rules = this.inputs.rules.get(table.name)!;
    const overridden = new Set(Object.keys(this.inputs.declared.get(table.name)?.columns ?? {}));
    const usable = (fk: ConstraintInfo) => fk.refTable !== table.name && this.inScope(fk.refTable!) && !fk.columns.some((c) => overridden.has(c));
    const keys = [...rules.uniqueKeys].filter((k) => !k.where && k.columns.length > 1).sort((a, b) => Number(b.primary) - Number(a.primary));
    for (const key of keys) {
      const inside = foreignKeysInside(table, key).filter(usable);
      if (inside.length === 0) continue;
      const actor = this.actorOf(inside);
      const partners = inside.filter((fk) => fk !== actor);
      const plain = key.columns.filter((c) => !inside.some((fk) => fk.columns.includes(c)));
      if (partners.length > 0) return { foreignKey: actor, distinct: { foreignKey: partners[0]!.name }, kind: 'link' };
      return { foreignKey: actor, ...(plain[0] ? { distinct: { column: plain[0] } } : {}), kind: 'owned' };
    }
    for (const key of rules.uniqueKeys) {
      if (!key.where) continue;
      const fk = table.constraints.find((c) => c.kind === 'foreign' && sameColumns(c.columns, key.columns));
      if (fk && usable(fk)) return { foreignKey: fk, kind: 'partial' };
    }
    return undefined;
  }

  /**
   * The side of a link that does the linking: the follower (by name) when a
   * table links to itself, the users when one side is people, else the
   * larger table (articles, not their tags). The other side is picked.
   */
  private actorOf(foreignKeys: ConstraintInfo[]): ConstraintInfo {
    if (foreignKeys.length === 1) return foreignKeys[0]!;
    const targets = new Set(foreignKeys.map((fk) => fk.refTable));
    if (targets.size === 1) return foreignKeys.find((fk) => fk.columns.some(isActorColumn)) ?? foreignKeys[0]!;
    const people = foreignKeys.filter((fk) => isActorTable(fk.refTable!));
    if (people.length === 1) return people[0]!;
    return [...foreignKeys].sort((a, b) => this.resolve(b.refTable!).rows - this.resolve(a.refTable!).rows)[0]!;
  }

  /** For rows given per parent in the model: what keeps a parent's rows distinct in a key they share with it. */
  private distinctPart(table: TableInfo, via: ConstraintInfo): ImplicitGroup['distinct'] {
    const rules = this.inputs.rules.get(table.name)!;
    const key = rules.uniqueKeys.find((k) => !k.where && k.columns.length > via.columns.length && via.columns.every((c) => k.columns.includes(c)));
    if (!key) return undefined;
    const partner = foreignKeysInside(table, key).find((fk) => fk !== via && fk.refTable !== undefined);
    if (partner) return { foreignKey: partner.name };
    const plain = key.columns.find((c) => !via.columns.includes(c));
    return plain ? { column: plain } : undefined;
  }

  /** A parent can have at most as many rows as there are distinct partners (or values of the distinct column). */
  private maxPerParent(table: TableInfo, via: ConstraintInfo, distinct: ImplicitGroup['distinct']): number {
    if (!distinct) return Infinity;
    const overrides = this.inputs.declared.get(table.name)?.columns ?? {};
    if ('foreignKey' in distinct) {
      const partner = table.constraints.find((c) => c.name === distinct.foreignKey)!;
      const override = partner.columns.map((c) => overrides[c]).find(Boolean);
      if (override && override.kind !== 'distinctRef') return Infinity;
      if (!this.inScope(partner.refTable!)) return Infinity;
      const partners = this.resolve(partner.refTable!).rows;
      return partner.refTable === via.refTable ? Math.max(0, partners - 1) : partners;
    }
    if (overrides[distinct.column]) return Infinity;
    return valueDomainSize(this.inputs.rules.get(table.name)!, distinct.column);
  }
}

/** How many values a plain key column can take within a parent, from its checks (Infinity when open). */
function valueDomainSize(rules: TableRules, column: string): number {
  let size = Infinity;
  let min = -Infinity;
  let max = Infinity;
  for (const { rule } of rules.values.get(column) ?? []) {
    if (rule.kind === 'oneOf') size = Math.min(size, rule.values.length);
    if (rule.kind === 'range' && typeof rule.min?.value === 'number') min = Math.max(min, rule.min.value + (rule.min.inclusive ? 0 : 1));
    if (rule.kind === 'range' && typeof rule.max?.value === 'number') max = Math.min(max, rule.max.value - (rule.max.inclusive ? 0 : 1));
  }
  if (Number.isFinite(min) && Number.isFinite(max)) size = Math.min(size, Math.max(0, Math.floor(max) - Math.ceil(min) + 1));
  return size;
}

export function scaled(rows: number, scale: number): number {
  if (rows <= 0) return 0;
  return Math.max(1, Math.round(rows * scale));
}

function groupOf(parent: string, fk: ConstraintInfo, offsets: Float64Array, distinct: ImplicitGroup['distinct'], implicit: boolean): TableGroup {
  return { parent, via: fk.columns, refColumns: fk.refColumns ?? [], offsets, ...(distinct ? { distinct } : {}), ...(implicit ? { implicit } : {}) };
}

function sameColumns(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((c) => b.includes(c));
}

/** The foreign keys whose columns all lie inside a key. */
export function foreignKeysInside(table: TableInfo, key: UniqueKey): ConstraintInfo[] {
  return table.constraints.filter((c) => c.kind === 'foreign' && c.columns.every((column) => key.columns.includes(column)));
}

/** The foreign key from `table` to `parent`: the one holding `via` when given, else the only one. */
function foreignKeyTo(table: TableInfo, parent: string, via: string | undefined): ConstraintInfo | undefined {
  const candidates = table.constraints.filter((c) => c.kind === 'foreign' && c.refTable === parent && (via === undefined || c.columns.includes(via)));
  return candidates.length === 1 ? candidates[0] : undefined;
}
