import type { Dataset, PageStep, Scenario, Step } from './define-scenario.ts';
import { formatLiteral, stringLiteral } from './js-literal.ts';
import type { LoadShape } from './load-shapes.ts';

/** A scenario with one dataset and one journey, and the comments a reader needs beside its parts. */
export interface ScenarioFile {
  /** Lines at the top of the file. */
  comments: string[];
  scenario: Scenario;
  datasetComments: string[];
  journeyHeaderComments: string[];
  /** Comments above each step, by step index. */
  stepComments: string[][];
}

const q = (text: string) => stringLiteral(text, "'");
/** SQL reads best in backquotes, as the shipped scenarios write it, when nothing in it needs escaping there. */
const sqlLiteral = (sql: string) => (/[`\\]|\$\{/.test(sql) ? q(sql) : `\`${sql}\``);
const literal = (value: unknown, indent: string) => formatLiteral(value, indent, "'");

const SHAPE_FUNCTIONS: Record<LoadShape['kind'], string> = {
  spike: 'spike',
  steady: 'steady',
  soak: 'soak',
  breakpoint: 'breakpoint',
  vus: 'vus',
  'ramping-vus': 'rampingVus',
  stepped: 'stepped',
};

function comment(lines: readonly string[], indent: string): string[] {
  return lines.map((line) => `${indent}// ${line}`);
}

/** What `page()` needs to rebuild the step: its defaults (GET, JSON, 200, no checks) left out. */
function pageOptions(step: PageStep): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (step.method !== 'GET') options.method = step.method;
  options.path = step.path;
  if (step.body !== undefined) options.body = step.body;
  if (step.body !== undefined && step.bodyType !== 'json') options.bodyType = step.bodyType;
  if (step.headers && Object.keys(step.headers).length > 0) options.headers = step.headers;
  if (step.capture && Object.keys(step.capture).length > 0) options.capture = step.capture;
  if (step.expect.length !== 1 || step.expect[0] !== 200) options.expect = step.expect.length === 1 ? step.expect[0] : step.expect;
  if (step.checks.length > 0) options.checks = step.checks;
  if (step.followRedirects) options.followRedirects = true;
  return options;
}

function stepLines(step: Step, indent: string): string[] {
  if (step.kind === 'think') return [`${indent}think(${literal(step.seconds, indent)}),`];
  const call = `page(${q(step.name)}, ${literal(pageOptions(step), indent)}),`;
  return `${indent}${call}`.split('\n');
}

function datasetLines(name: string, dataset: Dataset, comments: readonly string[], indent: string): string[] {
  return [...comment(comments, indent), `${indent}${name}: dataset(${sqlLiteral(dataset.sql)}, ${literal(dataset.columns, indent)}),`];
}

function loadCall(load: LoadShape, indent: string): string {
  const { kind, ...shape } = load;
  return `${SHAPE_FUNCTIONS[kind]}(${literal(shape, indent)})`;
}

/**
 * The scenario as a TypeScript file a person would have written: imports
 * from 'rehearse', single-quoted strings, one line per step where it fits,
 * defaults left out, comments where a reader has to decide something.
 */
export function emitScenarioFile(file: ScenarioFile): string {
  const { scenario } = file;
  const [datasetName, dataset] = Object.entries(scenario.data)[0]!;
  const [journeyName, journey] = Object.entries(scenario.journeys)[0]!;
  const usesThink = journey.steps.some((step) => step.kind === 'think');
  const imports = ['dataset', 'defineScenario', 'page', SHAPE_FUNCTIONS[journey.load.kind], ...(usesThink ? ['think'] : [])].sort();
  const lines = [
    ...comment(file.comments, ''),
    `import { ${imports.join(', ')} } from 'rehearse';`,
    '',
    'export default defineScenario({',
    `  name: ${q(scenario.name)},`,
    `  description: ${q(scenario.description)},`,
    '  data: {',
    ...datasetLines(datasetName, dataset, file.datasetComments, '    '),
    '  },',
    '  journeys: {',
    `    ${journeyName}: {`,
    `      data: ${q(journey.data)},`,
    `      load: ${loadCall(journey.load, '      ')},`,
    ...(journey.headers ? [...comment(file.journeyHeaderComments, '      '), `      headers: ${literal(journey.headers, '      ')},`] : []),
    '      steps: [',
    ...journey.steps.flatMap((step, index) => [...comment(file.stepComments[index] ?? [], '        '), ...stepLines(step, '        ')]),
    '      ],',
    '    },',
    '  },',
    '});',
  ];
  return `${lines.join('\n')}\n`;
}
