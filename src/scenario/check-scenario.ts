import { formatPath } from '../config/format-issues.ts';
import { capturedBefore, CaptureSyntaxError, parseCaptureSource } from './capture.ts';
import type { Dataset, Journey, PageStep, Scenario } from './define-scenario.ts';
import { K6_MIN_CONSTANT_SECONDS, loadShapeProblems, warmupSeconds, type SteppedShape } from './load-shapes.ts';
import { bodyStrings, isFormBody, type ValuePath } from './request-body.ts';
import { journeyCaptures } from './request-headers.ts';
import { isReservedInScript } from './script-names.ts';
import { templateNames } from './template.ts';

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
 * name columns of their dataset or values captured by an earlier step,
 * captures parse and do not clash, budgets name pages that exist.
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
    problems.push(...checkRequests(journeyName, journey, dataset));
    problems.push(...loadShapeProblems(journey.load, `${at}.load`));
    if (journey.load.kind === 'spike' && journey.load.from > journey.load.peak) {
      problems.push({ path: `${at}.load.from`, message: `expected <= peak (${journey.load.peak}), got ${journey.load.from}` });
    }
    if ((journey.load.kind === 'breakpoint' || journey.load.kind === 'stepped') && journey.load.from >= journey.load.to) {
      problems.push({ path: `${at}.load.from`, message: `expected < to (${journey.load.to}), got ${journey.load.from}` });
    }
    if (journey.load.kind === 'stepped') problems.push(...warmupProblems(journey.load, `${at}.load.warmup`));
  }
  const pages = pageNames(scenario);
  for (const name of Object.keys(scenario.budgets?.pages ?? {})) {
    if (!pages.includes(name)) problems.push({ path: `budgets.pages[${JSON.stringify(name)}]`, message: `unknown page (pages: ${list(pages)})` });
    // k6 reads a threshold's tag filter up to the first comma.
    else if (name.includes(',')) problems.push({ path: `budgets.pages[${JSON.stringify(name)}]`, message: 'a page with a budget cannot have a comma in its name (k6 cannot filter on it): rename the page' });
  }
  const breakpoint = Object.values(scenario.journeys).some((journey) => journey.load.kind === 'breakpoint');
  const hasBudget = Object.keys(scenario.budgets?.pages ?? {}).length > 0 || scenario.budgets?.overall !== undefined;
  if (breakpoint && !hasBudget) problems.push({ path: 'budgets', message: 'a breakpoint load needs at least one budget to break' });
  return problems;
}

/** The journey's headers, then each page's captures, body and templates. */
function checkRequests(journeyName: string, journey: Journey, dataset: Dataset): ScenarioProblem[] {
  const at: ValuePath = ['journeys', journeyName];
  const problems = checkJourneyHeaders(journey, dataset, at);
  journey.steps.forEach((step, index) => {
    if (step.kind !== 'page') return;
    const stepAt = [...at, 'steps', index];
    problems.push(...checkCaptures(journey, index, dataset, stepAt));
    problems.push(...checkBody(step, stepAt));
    const scope = new Scope(journey.data, dataset, capturedBefore(journey, index), 'an earlier step');
    problems.push(...stepTemplates(step, stepAt).flatMap(([path, template]) => scope.problems(path, template)));
  });
  return problems;
}

/** Which names a template may use at one place, and how to say what it may use instead. */
class Scope {
  constructor(
    private readonly datasetName: string,
    private readonly dataset: Dataset,
    private readonly captures: readonly string[],
    private readonly capturedBy: string,
  ) {}

  problems(path: ValuePath, template: string): ScenarioProblem[] {
    return templateNames(template)
      .filter((name) => !this.dataset.columns.includes(name) && !this.captures.includes(name))
      .map((name) => ({
        path: formatPath(path),
        message:
          this.captures.length === 0
            ? `{${name}} is not a column of dataset ${JSON.stringify(this.datasetName)} (columns: ${list(this.dataset.columns)})`
            : `{${name}} is not a column of dataset ${JSON.stringify(this.datasetName)} (columns: ${list(this.dataset.columns)}) nor captured by ${this.capturedBy} (captures: ${list(this.captures)})`,
      }));
  }
}

/** Every template of a page step, with where it sits. */
function stepTemplates(step: PageStep, at: ValuePath): [ValuePath, string][] {
  return [
    [[...at, 'path'], step.path],
    ...bodyStrings(step.body ?? null).map(({ path, text }): [ValuePath, string] => [[...at, 'body', ...path], text]),
    ...Object.entries(step.headers ?? {}).map(([name, template]): [ValuePath, string] => [[...at, 'headers', name], template]),
    ...step.checks.flatMap((check, i): [ValuePath, string][] => [
      [[...at, 'checks', i, 'contains'], check.contains ?? ''],
      [[...at, 'checks', i, 'notContains'], check.notContains ?? ''],
    ]),
  ];
}

/** Journey headers may name any capture of the journey: each is sent once its capture exists. */
function checkJourneyHeaders(journey: Journey, dataset: Dataset, at: ValuePath): ScenarioProblem[] {
  const scope = new Scope(journey.data, dataset, [...journeyCaptures(journey)], 'a step of this journey');
  return Object.entries(journey.headers ?? {}).flatMap(([name, template]) => scope.problems([...at, 'headers', name], template));
}

function checkCaptures(journey: Journey, index: number, dataset: Dataset, at: ValuePath): ScenarioProblem[] {
  const step = journey.steps[index] as PageStep;
  const earlier = capturedBefore(journey, index);
  const problems: ScenarioProblem[] = [];
  for (const [name, source] of Object.entries(step.capture ?? {})) {
    const path = formatPath([...at, 'capture', name]);
    try {
      parseCaptureSource(source);
    } catch (error) {
      if (!(error instanceof CaptureSyntaxError)) throw error;
      problems.push({ path, message: error.message });
    }
    if (dataset.columns.includes(name)) problems.push({ path, message: `"${name}" is already a column of dataset ${JSON.stringify(journey.data)}: give the capture another name` });
    if (earlier.includes(name)) problems.push({ path, message: `"${name}" is already captured by an earlier step: give this capture another name` });
    if (isReservedInScript(name)) problems.push({ path, message: `"${name}" is a name the generated k6 script uses: give the capture another name` });
  }
  return problems;
}

function checkBody(step: PageStep, at: ValuePath): ScenarioProblem[] {
  if (step.body === undefined) return [];
  if (step.method === 'GET') return [{ path: formatPath([...at, 'body']), message: 'a GET request sends no body: use POST, PUT, PATCH or DELETE, or put the values in the path' }];
  if (step.bodyType === 'form' && !isFormBody(step.body)) {
    return [{ path: formatPath([...at, 'body']), message: 'a form body is one flat object of text, numbers and booleans: use bodyType "json" to send nested values' }];
  }
  return [];
}

/** A warm-up is none (`0s`) or a constant load k6 accepts. */
function warmupProblems(load: SteppedShape, at: string): ScenarioProblem[] {
  const seconds = warmupSeconds(load);
  if (seconds === 0 || seconds >= K6_MIN_CONSTANT_SECONDS) return [];
  return [{ path: at, message: `expected "0s" (no warm-up) or at least ${K6_MIN_CONSTANT_SECONDS}s (k6's shortest constant load), got ${JSON.stringify(load.warmup)}` }];
}
