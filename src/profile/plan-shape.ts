import type pg from 'pg';
import { explainStatements } from '../collect/explain-statement.ts';
import type { PlanSummary } from '../run/run-record-schema.ts';
import type { PlanShape } from './profile-schema.ts';

/** A query whose plan on the seeded database is not the one production chose. */
export interface PlanDifference {
  query: string;
  production: string;
  seeded: string;
}

/**
 * The shape of each query's plan: node types, indexes and the relations
 * read sequentially (costs and row estimates left out, they always move).
 * A query that cannot be explained keeps the reason as its shape.
 */
export async function planShapes(connection: pg.ClientConfig, queries: readonly string[]): Promise<PlanShape[]> {
  const results = await explainStatements(connection, queries);
  return results.map((result, i) => ({ query: queries[i]!, shape: result.plan ? shapeOf(result.plan.summary) : `not explained: ${result.error}` }));
}

/** `Index Scan, Nested Loop, Seq Scan using appointments_pkey; seq scan on users`. */
export function shapeOf(summary: PlanSummary): string {
  const indexes = summary.indexes.length ? ` using ${summary.indexes.join(', ')}` : '';
  const seq = summary.seqScans.length ? `; seq scan on ${[...new Set(summary.seqScans.map((s) => s.relation))].join(', ')}` : '';
  return `${summary.nodeTypes.join(', ')}${indexes}${seq}`;
}

/** The queries whose shapes differ, in production's order. */
export function differingPlans(production: readonly PlanShape[], seeded: readonly PlanShape[]): PlanDifference[] {
  const seededShape = new Map(seeded.map((p) => [p.query, p.shape]));
  return production.flatMap((p) => {
    const shape = seededShape.get(p.query);
    return shape === undefined || shape === p.shape ? [] : [{ query: p.query, production: p.shape, seeded: shape }];
  });
}

/** A file of queries: statements ended by `;` at the end of a line; `--` comment lines skipped. */
export function parseQueryFile(text: string): string[] {
  const withoutComments = text.split('\n').filter((line) => !/^\s*--/.test(line)).join('\n');
  return withoutComments.split(/;\s*(?:\n|$)/).map((q) => q.trim()).filter(Boolean);
}
