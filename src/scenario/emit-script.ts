import { captureCheckName, captureMissingName, type Capture, type CaptureSource } from './capture.ts';
import { statusCheckName, type JourneyPlan, type K6ScriptPlan, type PagePlan, type StepPlan } from './plan-script.ts';
import { Code, formatLiteral } from './js-literal.ts';
import { mapBodyStrings } from './request-body.ts';
import { parseTemplate, templateNames } from './template.ts';

/** How a template's `{name}` reads in the script: `row.email` for a column, the local `token` for a capture. */
type Reference = (name: string) => string;

const rowReference: Reference = (name) => `row.${name}`;

function journeyReference(journey: JourneyPlan): Reference {
  return (name) => (journey.columns.includes(name) ? `row.${name}` : name);
}

/** `"/evenings/" + encodeURIComponent(row.evening_id) + "/video"`: literals via JSON.stringify, never pasted. */
export function templateExpression(template: string, encode: boolean, reference: Reference = rowReference): string {
  const parts = parseTemplate(template);
  if (parts.length === 0) return '""';
  return parts
    .map((part) => {
      if ('text' in part) return JSON.stringify(part.text);
      return encode ? `encodeURIComponent(${reference(part.name)})` : reference(part.name);
    })
    .join(' + ');
}

/** A template as a string expression: data values may be numbers, so they are converted. */
function textExpression(template: string, reference: Reference): string {
  const expression = templateExpression(template, false, reference);
  return templateNames(template).length > 0 ? `String(${expression})` : expression;
}

/** Every string of the body becomes its template's expression; the rest stays a literal. */
function bodyExpression(step: PagePlan, reference: Reference, indent: string): string {
  if (!step.body) return 'null';
  const value = mapBodyStrings(step.body.value, (text) => new Code(templateExpression(text, false, reference)));
  const literal = formatLiteral(value, indent);
  return step.body.type === 'json' ? `JSON.stringify(${literal})` : literal;
}

function paramsLines(step: PagePlan, reference: Reference): string[] {
  const lines: string[] = [];
  if (step.headers.length > 0) {
    const headers = Object.fromEntries(step.headers.map(([name, template]) => [name, new Code(templateExpression(template, false, reference))]));
    lines.push(`headers: ${formatLiteral(headers, '    ')},`);
  }
  if (!step.followRedirects) lines.push('redirects: 0,');
  lines.push(`responseCallback: ${expectedStatusesVariable(step.expect)},`);
  lines.push(`tags: { page: ${JSON.stringify(step.name)}, name: ${JSON.stringify(step.name)}, row: index },`);
  return lines;
}

/** `expect_200_302`: the module's callback for a page's expected statuses (see expectedStatusesLines). */
function expectedStatusesVariable(statuses: readonly number[]): string {
  return `expect_${statuses.join('_')}`;
}

/**
 * One response callback per distinct list of expected statuses, made once
 * per VU: `http.expectedStatuses` builds a new one on each call, which cost
 * k6 7–10 µs of CPU per request flat out (docs/BENCHMARKS.md).
 */
function expectedStatusesLines(plan: K6ScriptPlan): string[] {
  const lists = new Map<string, readonly number[]>();
  for (const journey of plan.journeys) {
    for (const step of journey.steps) if (step.kind === 'page') lists.set(expectedStatusesVariable(step.expect), step.expect);
  }
  return [...lists].map(([variable, statuses]) => `const ${variable} = http.expectedStatuses(${statuses.join(', ')});`);
}

/** The page's checks: its status (unless counted from http_req_failed, see statusChecksFromFailures), then its body's. */
function checkLines(step: PagePlan, reference: Reference, statusInScript: boolean): string[] {
  const statusTest = step.expect.map((status) => `r.status === ${status}`).join(' || ');
  const lines = statusInScript ? [`${JSON.stringify(statusCheckName(step))}: (r) => ${statusTest},`] : [];
  for (const check of step.checks) {
    const label = JSON.stringify(`${step.name}: ${check.name}`);
    const tests: string[] = [];
    if (check.contains) tests.push(`body.includes(${textExpression(check.contains, reference)})`);
    if (check.notContains) tests.push(`!body.includes(${textExpression(check.notContains, reference)})`);
    lines.push(`${label}: (r) => { const body = String(r.body); return ${tests.join(' && ') || 'true'}; },`);
  }
  return lines;
}

const CAPTURE_HELPER: Record<CaptureSource['kind'], string> = { json: 'captureJson', header: 'captureHeader', cookie: 'captureCookie', regex: 'captureRegex' };

function captureArgument(source: CaptureSource): string {
  switch (source.kind) {
    case 'json':
      return formatLiteral(source.path);
    case 'header':
    case 'cookie':
      return JSON.stringify(source.name);
    case 'regex':
      return JSON.stringify(source.pattern);
  }
}

/** A capture is a typed local; a journey with nothing to capture stops there, its check naming what was missing. */
function captureLines(step: PagePlan, capture: Capture): string[] {
  const found = JSON.stringify(captureCheckName(step.name, capture));
  const missing = JSON.stringify(captureMissingName(step.name, capture));
  return [
    `const ${capture.name} = ${CAPTURE_HELPER[capture.source.kind]}(response, ${captureArgument(capture.source)});`,
    `if (!captured(${capture.name}, ${found}, ${missing})) return;`,
  ];
}

function pageLines(step: PagePlan, reference: Reference, statusChecks: Record<string, string>): string[] {
  const checks = checkLines(step, reference, !(step.name in statusChecks));
  const url = `BASE_URL + ${templateExpression(step.path, true, reference)}`;
  const call =
    step.method === 'GET'
      ? `response = http.get(${url}, {`
      : `response = http.request(${JSON.stringify(step.method)}, ${url}, ${bodyExpression(step, reference, '  ')}, {`;
  return [
    `// ${step.name}`,
    call,
    ...paramsLines(step, reference).map((line) => `  ${line}`),
    '});',
    ...(checks.length > 0 ? ['check(response, {', ...checks.map((line) => `  ${line}`), '});'] : []),
    ...step.captures.flatMap((capture) => captureLines(step, capture)),
  ];
}

function thinkLine(seconds: number | [number, number]): string {
  if (typeof seconds === 'number') return `sleep(${seconds});`;
  const [min, max] = seconds;
  return `sleep(${min} + Math.random() * ${max - min});`;
}

function stepLines(step: StepPlan, reference: Reference, statusChecks: Record<string, string>): string[] {
  return step.kind === 'page' ? pageLines(step, reference, statusChecks) : [thinkLine(step.seconds)];
}

function journeyLines(journey: JourneyPlan, statusChecks: Record<string, string>): string[] {
  const reference = journeyReference(journey);
  const body = [
    `const { index, row } = rowOfThisVu(${journey.datasetVariable});`,
    'let response;',
    ...journey.steps.flatMap((step) => ['', ...stepLines(step, reference, statusChecks)]),
  ];
  return [`export function ${journey.functionName}() {`, ...body.map((line) => (line ? `  ${line}` : '')), '}'];
}

/**
 * The helpers behind captures, written out only for the kinds a script
 * uses. They mirror extractCapture in src/scenario/capture.ts, which the
 * probe uses: same paths, same "empty is not found".
 */
const CAPTURE_HELPERS: Record<CaptureSource['kind'] | 'captured', string[]> = {
  captured: [
    '/**',
    ' * Records a capture as a check, named `found` when it took a value and `missing` when it did not,',
    ' * and tells the journey whether it may go on.',
    ' * @param {string | undefined} value',
    ' * @param {string} found',
    ' * @param {string} missing',
    ' * @returns {value is string}',
    ' */',
    'function captured(value, found, missing) {',
    '  const ok = value !== undefined;',
    '  check(value, { [ok ? found : missing]: () => ok });',
    '  return ok;',
    '}',
  ],
  json: [
    '/**',
    ' * The value at `path` in the response\'s JSON body ("[*]": one element at random), as text.',
    ' * @param {import("k6/http").Response} response',
    ' * @param {(string | number)[]} path',
    ' * @returns {string | undefined}',
    ' */',
    'function captureJson(response, path) {',
    '  /** @type {unknown} */',
    '  let value;',
    '  try {',
    '    value = JSON.parse(String(response.body));',
    '  } catch (error) {',
    '    return undefined;',
    '  }',
    '  for (const key of path) {',
    '    if (Array.isArray(value)) {',
    '      if (key === "[*]") value = value[Math.floor(Math.random() * value.length)];',
    '      else if (typeof key === "number") value = value[key];',
    '      else return undefined;',
    '    } else if (value !== null && typeof value === "object" && typeof key === "string" && key !== "[*]") {',
    '      value = /** @type {Record<string, unknown>} */ (value)[key];',
    '    } else {',
    '      return undefined;',
    '    }',
    '  }',
    '  if (value === undefined || value === null || value === "") return undefined;',
    '  return typeof value === "string" ? value : JSON.stringify(value);',
    '}',
  ],
  header: [
    '/**',
    ' * A response header, whatever the case of its name.',
    ' * @param {import("k6/http").Response} response',
    ' * @param {string} name',
    ' * @returns {string | undefined}',
    ' */',
    'function captureHeader(response, name) {',
    '  const key = Object.keys(response.headers).find((header) => header.toLowerCase() === name.toLowerCase());',
    '  return key === undefined || response.headers[key] === "" ? undefined : response.headers[key];',
    '}',
  ],
  cookie: [
    '/**',
    ' * A cookie the response set.',
    ' * @param {import("k6/http").Response} response',
    ' * @param {string} name',
    ' * @returns {string | undefined}',
    ' */',
    'function captureCookie(response, name) {',
    '  const cookies = response.cookies[name];',
    '  return cookies && cookies.length > 0 && cookies[0].value !== "" ? cookies[0].value : undefined;',
    '}',
  ],
  regex: [
    '/**',
    ' * The one group of `pattern` in the response body.',
    ' * @param {import("k6/http").Response} response',
    ' * @param {string} pattern',
    ' * @returns {string | undefined}',
    ' */',
    'function captureRegex(response, pattern) {',
    '  const match = new RegExp(pattern).exec(String(response.body));',
    '  return match && match[1] ? match[1] : undefined;',
    '}',
  ],
};

/**
 * A VU's data row, read once per VU: reading a SharedArray's element parses
 * it again, which with `exec.vu.idInTest` cost k6 20–45 µs of CPU per request
 * of a one-page journey flat out, of 150–210 µs (docs/BENCHMARKS.md, the
 * script's overhead). The row depends on the VU alone, so keeping it changes
 * nothing the script does.
 */
const ROW_OF_THIS_VU = [
  '/** Each dataset\'s row for this VU, kept from its first iteration (see rowOfThisVu). @type {Map<unknown[], { index: string, row: unknown }>} */',
  'const rowsOfThisVu = new Map();',
  '',
  '/**',
  ' * This VU\'s row of `rows` (VU n reads row n - 1, wrapping, so no two VUs share one while there are rows enough)',
  ' * and its index, as the `row` tag. Read once per VU: a SharedArray parses an element each time it is read.',
  ' * @template T',
  ' * @param {T[]} rows',
  ' * @returns {{ index: string, row: T }}',
  ' */',
  'function rowOfThisVu(rows) {',
  '  let kept = rowsOfThisVu.get(rows);',
  '  if (kept === undefined) {',
  '    const index = (exec.vu.idInTest - 1) % rows.length;',
  '    kept = { index: String(index), row: rows[index] };',
  '    rowsOfThisVu.set(rows, kept);',
  '  }',
  '  return /** @type {{ index: string, row: T }} */ (kept);',
  '}',
];

function helperLines(plan: K6ScriptPlan): string[] {
  const kinds = new Set(plan.journeys.flatMap((journey) => journey.steps.flatMap((step) => (step.kind === 'page' ? step.captures.map((capture) => capture.source.kind) : []))));
  if (kinds.size === 0) return [];
  const used = (['json', 'header', 'cookie', 'regex'] as const).filter((kind) => kinds.has(kind));
  return ['', '// Captures: values taken from a response for the later steps of the same virtual user.', ...['captured' as const, ...used].flatMap((kind) => ['', ...CAPTURE_HELPERS[kind]])];
}

/** The k6 script: header, imports, test data, options, one function per journey, then the capture helpers. */
export function emitScript(plan: K6ScriptPlan, version: string): string {
  const steps = plan.journeys.flatMap((journey) => journey.steps);
  const usesSleep = steps.some((step) => step.kind === 'think');
  const usesCheck = steps.some((step) => step.kind === 'page' && (step.checks.length > 0 || step.captures.length > 0 || !(step.name in plan.statusChecks)));
  const fromK6 = [...(usesCheck ? ['check'] : []), ...(usesSleep ? ['sleep'] : [])];
  const lines = [
    `// Generated by rehearse ${version} from ${plan.sourceFile}.`,
    '// Do not edit: change the scenario file and run `rehearse scenario build` again.',
    `// ${plan.scenarioName}: ${plan.description}`,
    '// Environment: BASE_URL (the app under test), REHEARSE_DATA_DIR (the exported test data).',
    '',
    ...(fromK6.length > 0 ? [`import { ${fromK6.join(', ')} } from 'k6';`] : []),
    "import { SharedArray } from 'k6/data';",
    "import exec from 'k6/execution';",
    "import http from 'k6/http';",
    '',
    'const BASE_URL = __ENV.BASE_URL;',
    "if (!BASE_URL) throw new Error('BASE_URL is not set: point it at the app under test');",
    `const DATA_DIR = __ENV.REHEARSE_DATA_DIR || ${JSON.stringify(`./${plan.scenarioName}.data`)};`,
    '',
    ...plan.datasets.flatMap((dataset) => [
      `/** @typedef {{ ${dataset.columns.map((column) => `${column}: string`).join(', ')} }} ${dataset.rowType} */`,
      `const ${dataset.variable} = new SharedArray(${JSON.stringify(dataset.name)}, /** @returns {${dataset.rowType}[]} */ () =>`,
      `  JSON.parse(open(\`\${DATA_DIR}/${dataset.file}\`)),`,
      ');',
    ]),
    '',
    ...ROW_OF_THIS_VU,
    '',
    '// The statuses each page may answer with; any other counts as failed (http_req_failed),',
    "// which is also how rehearse counts a page's status check where the script runs none.",
    ...expectedStatusesLines(plan),
    '',
    `export const options = ${formatLiteral(plan.options)};`,
    ...plan.journeys.flatMap((journey) => ['', ...journeyLines(journey, plan.statusChecks)]),
    ...helperLines(plan),
  ];
  return `${lines.join('\n')}\n`;
}
