import type { Scenario } from './define-scenario.ts';
import { templateColumns } from './template.ts';

/** A problem found by looking across fields: `path` is where, `message` what was expected. */
export interface ScenarioProblem {
  path: string;
  message: string;
}

const list = (names: Iterable<string>) => [...names].join(', ') || '(none)';

/** Page names across all journeys, in order of first appearance. */
export function pageNames(scenario: Scenario): string[] {
  const names = Object.values(scenario.journeys).flatMap((journey) => journey.steps.flatMap((step) => (step.kind === 'page' ? [step.name] : [])));
  return [...new Set(names)];
}

/**
 * Checks what a schema cannot: journeys name datasets that exist, templates
 * name columns their dataset has, budgets name pages that exist.
 */
export function checkScenario(scenario: Scenario): ScenarioProblem[] {
  const problems: ScenarioProblem[] = [];
  for (const [journeyName, journey] of Object.entries(scenario.journeys)) {
    const dataset = scenario.data[journey.data];
    const at = `journeys.${journeyName}`;
    if (!dataset) {
      problems.push({ path: `${at}.data`, message: `unknown dataset ${JSON.stringify(journey.data)} (datasets: ${list(Object.keys(scenario.data))})` });
      continue;
    }
    journey.steps.forEach((step, index) => {
      if (step.kind !== 'page') return;
      const templates: [string, string][] = [
        [`${at}.steps[${index}].path`, step.path],
        ...Object.entries(step.body ?? {}).map(([key, value]): [string, string] => [`${at}.steps[${index}].body.${key}`, String(value)]),
        ...step.checks.flatMap((check, i): [string, string][] => [
          [`${at}.steps[${index}].checks[${i}].contains`, check.contains ?? ''],
          [`${at}.steps[${index}].checks[${i}].notContains`, check.notContains ?? ''],
        ]),
      ];
      for (const [path, template] of templates) {
        for (const column of templateColumns(template)) {
          if (!dataset.columns.includes(column)) {
            problems.push({ path, message: `{${column}} is not a column of dataset ${JSON.stringify(journey.data)} (columns: ${list(dataset.columns)})` });
          }
        }
      }
    });
    if (journey.load.kind === 'spike' && journey.load.from > journey.load.peak) {
      problems.push({ path: `${at}.load.from`, message: `expected <= peak (${journey.load.peak}), got ${journey.load.from}` });
    }
    if (journey.load.kind === 'breakpoint' && journey.load.from >= journey.load.to) {
      problems.push({ path: `${at}.load.from`, message: `expected < to (${journey.load.to}), got ${journey.load.from}` });
    }
  }
  const pages = pageNames(scenario);
  for (const name of Object.keys(scenario.budgets?.pages ?? {})) {
    if (!pages.includes(name)) problems.push({ path: `budgets.pages[${JSON.stringify(name)}]`, message: `unknown page (pages: ${list(pages)})` });
  }
  const breakpoint = Object.values(scenario.journeys).some((journey) => journey.load.kind === 'breakpoint');
  const hasBudget = Object.keys(scenario.budgets?.pages ?? {}).length > 0 || scenario.budgets?.overall !== undefined;
  if (breakpoint && !hasBudget) problems.push({ path: 'budgets', message: 'a breakpoint load needs at least one budget to break' });
  return problems;
}
