import type { Command } from 'commander';
import { NotBuiltYetError } from '../errors.ts';

interface PlannedCommand {
  name: string;
  arguments?: string;
  description: string;
  /** What it will do, said when someone runs it before it is built. */
  plan: string;
}

/**
 * Commands that later releases fill in. They are listed in --help from the
 * start and, when run, say what they will do and exit 2.
 */
const PLANNED: readonly PlannedCommand[] = [
  {
    name: 'report',
    arguments: '[run]',
    description: 'report slow pages and slow queries of a run, optionally against a baseline (not built yet)',
    plan: 'render a run record as Markdown, HTML, JSON, CSV and JUnit, compared with --baseline, and exit 1 when a budget or regression check fails',
  },
  {
    name: 'compare',
    arguments: '[baseline] [candidate]',
    description: 'compare a candidate run with a baseline run and gate on budgets (not built yet)',
    plan: 'compare two run records page by page and query by query and exit 1 on a regression',
  },
];

export function registerPlannedCommands(program: Command): void {
  for (const planned of PLANNED) {
    const command = program.command(planned.name).description(planned.description).allowUnknownOption().allowExcessArguments();
    if (planned.arguments) command.arguments(planned.arguments);
    command.action(() => {
      throw new NotBuiltYetError(`\`rehearse ${planned.name}\` is not built yet. When it is, it will ${planned.plan}.`);
    });
  }
}
