import { FileError, RehearseError } from '../errors.ts';

/** One thing that stops a model from filling a schema, with what to add to the model. */
export interface PlanProblem {
  table: string;
  column?: string;
  /** The constraint, index or domain involved. */
  constraint?: string;
  problem: string;
  fix: string;
}

/**
 * The model cannot fill the schema as it stands: every problem found while
 * planning, before a single row is written. Exit 2.
 */
export class SeedRefusedError extends RehearseError {
  readonly code = 'seed-refused';
  readonly exitCode = 2;

  constructor(
    readonly model: string,
    readonly problems: readonly PlanProblem[],
  ) {
    super(
      `model "${model}" cannot seed this schema as it stands (${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}); nothing was written:\n` +
        problems.map((p) => `  ${describeProblem(p)}`).join('\n'),
      { model, problems },
    );
  }
}

export function describeProblem(p: PlanProblem): string {
  const where = p.column ? `${p.table}.${p.column}` : p.table;
  const constraint = p.constraint ? ` (${p.constraint})` : '';
  return `${where}${constraint}: ${p.problem}; ${p.fix}`;
}

/** A model file that does not load or does not describe a model. Exit 2. */
export class ModelError extends FileError {
  readonly code = 'model';
}

/**
 * Postgres rejected generated rows or a rebuilt key (a value a generator in
 * the model made that a constraint forbids), with Postgres' own message and
 * where it happened. Exit 2: the model needs a change.
 */
export class SeedDataError extends RehearseError {
  readonly code = 'seed-data';
  readonly exitCode = 2;
}
