import { existsSync } from 'node:fs';
import path from 'node:path';
import type { PageBudgetLimits } from '../analyze/analysis.ts';
import { RehearseError } from '../errors.ts';
import type { RunRecord } from '../run/run-record-schema.ts';
import { loadScenario } from '../scenario/load-scenario.ts';

export interface ScenarioBudgets {
  pages: Record<string, PageBudgetLimits> | undefined;
  overall: PageBudgetLimits | undefined;
  /** Why there are none, when the file could not be read. */
  note: string | null;
}

/**
 * The budgets of the scenario a run rehearsed: as the record stores them,
 * else (records written before rehearse stored them) read from the file the
 * record names, resolved against each of `roots`. A scenario that moved or
 * no longer loads is a note in the report, not an error: the run record is
 * still worth reading.
 */
export async function loadScenarioBudgets(run: RunRecord, roots: readonly string[]): Promise<ScenarioBudgets> {
  const stored = run.context.scenario.budgets;
  if (stored) return { pages: stored.pages, overall: stored.overall ?? undefined, note: null };
  const file = run.context.scenario.file;
  const found = roots.map((root) => path.resolve(root, file)).find((candidate) => existsSync(candidate));
  if (!found) return { pages: undefined, overall: undefined, note: `The scenario's budgets were not checked: ${file} (from run ${run.id}) was not found.` };
  try {
    const { scenario } = await loadScenario(found);
    return { pages: scenario.budgets?.pages, overall: scenario.budgets?.overall, note: null };
  } catch (error) {
    if (!(error instanceof RehearseError)) throw error;
    return { pages: undefined, overall: undefined, note: `The scenario's budgets were not checked: ${error.message.split('\n')[0]}` };
  }
}
