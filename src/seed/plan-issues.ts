import { describeProblem, SeedRefusedError, type PlanProblem } from './seed-errors.ts';

/** Problems found while planning, gathered so a person sees all of them at once. */
export class PlanIssues {
  private readonly problems = new Map<string, PlanProblem>();

  constructor(private readonly model: string) {}

  add(problem: PlanProblem): void {
    this.problems.set(describeProblem(problem), problem);
  }

  throwIfAny(): void {
    if (this.problems.size > 0) throw new SeedRefusedError(this.model, [...this.problems.values()]);
  }
}
