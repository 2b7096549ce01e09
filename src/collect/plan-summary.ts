import type { PlanSummary } from '../run/run-record-schema.ts';
import { compareText } from './compare-text.ts';

const JOIN_NODES = new Set(['Nested Loop', 'Hash Join', 'Merge Join']);

interface PlanNode {
  'Node Type'?: unknown;
  'Relation Name'?: unknown;
  'Index Name'?: unknown;
  'Plan Rows'?: unknown;
  'Total Cost'?: unknown;
  Plans?: unknown;
}

/**
 * What a reader of a plan looks for first, from `EXPLAIN (FORMAT JSON)`
 * output: the node types, every sequential scan with the relation and the
 * rows the planner expects from it, the join methods and the indexes used.
 * Two summaries compare with plain equality of their lists (all sorted).
 *
 * @example
 * summarizePlan([{ Plan: { 'Node Type': 'Seq Scan', 'Relation Name': 'bookings', 'Plan Rows': 5000, 'Total Cost': 92 } }]);
 * // { nodeTypes: ['Seq Scan'], seqScans: [{ relation: 'bookings', estimatedRows: 5000 }], joinMethods: [], indexes: [], totalCost: 92, estimatedRows: 5000,
 * //   access: [{ relation: 'bookings', scan: 'Seq Scan' }] }
 */
export function summarizePlan(explainJson: unknown): PlanSummary {
  const root = rootPlan(explainJson);
  const nodeTypes = new Set<string>();
  const joinMethods = new Set<string>();
  const indexes = new Set<string>();
  const seqScans: PlanSummary['seqScans'] = [];
  const access = new Set<string>();
  const visit = (node: PlanNode): void => {
    const type = typeof node['Node Type'] === 'string' ? node['Node Type'] : undefined;
    if (type) nodeTypes.add(type);
    if (type && JOIN_NODES.has(type)) joinMethods.add(type);
    if (typeof node['Index Name'] === 'string') indexes.add(node['Index Name']);
    if (type && typeof node['Relation Name'] === 'string') access.add(JSON.stringify([node['Relation Name'], type]));
    if (type === 'Seq Scan' && typeof node['Relation Name'] === 'string') {
      seqScans.push({ relation: node['Relation Name'], estimatedRows: numberOr(node['Plan Rows'], 0) });
    }
    if (Array.isArray(node.Plans)) for (const child of node.Plans) if (isObject(child)) visit(child);
  };
  if (root) visit(root);
  return {
    nodeTypes: [...nodeTypes].sort(),
    seqScans: seqScans.sort((a, b) => compareText(a.relation, b.relation) || b.estimatedRows - a.estimatedRows),
    joinMethods: [...joinMethods].sort(),
    indexes: [...indexes].sort(),
    totalCost: numberOr(root?.['Total Cost'], 0),
    estimatedRows: numberOr(root?.['Plan Rows'], 0),
    access: [...access].sort(compareText).map((entry) => {
      const [relation, scan] = JSON.parse(entry) as [string, string];
      return { relation, scan };
    }),
  };
}

/** `[{ Plan: … }]` as Postgres returns it, or the `{ Plan: … }` inside, or a bare plan node. */
function rootPlan(json: unknown): PlanNode | undefined {
  const top = Array.isArray(json) ? json[0] : json;
  if (!isObject(top)) return undefined;
  const plan = (top as { Plan?: unknown }).Plan;
  return isObject(plan) ? plan : top;
}

function isObject(value: unknown): value is PlanNode {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}
