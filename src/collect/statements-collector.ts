import type { RunRecord } from '../run/run-record-schema.ts';
import { collectStatements } from './collect-statements.ts';
import type { Collector, CollectorContext } from './collector.ts';
import { diffStatementSnapshots, resetStatementStats, snapshotStatementStats, type StatementSnapshot } from './statement-snapshot.ts';

/**
 * pg_stat_statements of the run's database over the load: reset when the
 * load starts, read when it ends, merged by fingerprint, the costliest
 * explained. A load that ended early keeps the statements it made (when the
 * server still answers) but gets no plans: nothing slow after a failure.
 */
export function statementsCollector(): Collector<Pick<RunRecord, 'statements' | 'statementsDeallocated'>> {
  let before: StatementSnapshot | undefined;
  let context: CollectorContext | undefined;
  return {
    name: 'statements',
    async start(started) {
      context = started;
      before = await resetStatementStats(started.admin, started.database);
    },
    async end({ final }) {
      if (!before || !context) return { statements: [], statementsDeallocated: 0 };
      const after = await snapshotStatementStats(context.admin, context.database);
      const statements = await collectStatements(diffStatementSnapshots(before, after), final ? { explainWith: context.connection } : {});
      return { statements, statementsDeallocated: Math.max(0, after.deallocations - before.deallocations) };
    },
  };
}
