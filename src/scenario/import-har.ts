import path from 'node:path';
import { ScenarioError } from '../errors.ts';
import { REHEARSE_VERSION } from '../version.ts';
import { Correlator, safeDecode, short, templateRequest, type ImportedCapture, type TemplatedRequest } from './correlate-request.ts';
import { dataset, page, think, type Dataset, type JsonValue, type PageStep, type Scenario, type Step } from './define-scenario.ts';
import { emitScenarioFile, type ScenarioFile } from './emit-scenario-file.ts';
import type { Har } from './har.ts';
import { steady } from './load-shapes.ts';
import { validateScenario } from './load-scenario.ts';
import { selectRequests, type LeftOut, type RecordedRequest, type SelectOptions } from './recorded-requests.ts';
import { bodyStrings } from './request-body.ts';
import { templateNames } from './template.ts';

export interface ImportOptions extends SelectOptions {
  /** The HAR file as the user named it: the scenario's header says where it came from. */
  source: string;
  /** The scenario's name; by default made from the file's name. */
  name?: string;
  /** A pause shorter than this between two requests is the browser, not the user (default 0.5 s). */
  minThinkSeconds?: number;
}

export interface ImportedScenario {
  scenario: Scenario;
  /** The scenario file's text, ready to write. */
  text: string;
  kept: number;
  leftOut: LeftOut[];
  captures: ImportedCapture[];
  /** Values that look generated but no earlier response held: left as recorded. */
  literals: string[];
}

const JOURNEY = 'recording';

/** Body keys whose values are who signs in: they become dataset columns. */
const CREDENTIAL_KEYS: [RegExp, string][] = [
  [/^e-?mail(_?address)?$/i, 'email'],
  [/^(user_?name|login)$/i, 'username'],
  [/^(password|passwd|pass)$/i, 'password'],
];

const TEMPLATE_LIKE = /\{[A-Za-z_][A-Za-z0-9_]*\}/;

function bodyLiterals(body: RecordedRequest['body']): string[] {
  if (!body) return [];
  return bodyStrings(body.value as JsonValue).map((leaf) => leaf.text);
}

/** Text of a request that a scenario would read as a `{template}`: such a request cannot be written down as recorded. */
function templateLikeText(request: RecordedRequest): string | undefined {
  const texts = [safeDecode(request.url.pathname + request.url.search), ...request.headers.map(([, value]) => value), ...bodyLiterals(request.body)];
  return texts.find((text) => TEMPLATE_LIKE.test(text));
}

/** The first value of each credential key in the request bodies, as `value → column`. */
function findCredentials(requests: readonly RecordedRequest[]): Map<string, string> {
  const credentials = new Map<string, string>();
  const columns = new Set<string>();
  for (const request of requests) {
    for (const leaf of request.body ? bodyStrings(request.body.value as JsonValue) : []) {
      const key = leaf.path.at(-1);
      const column = typeof key === 'string' ? CREDENTIAL_KEYS.find(([pattern]) => pattern.test(key))?.[1] : undefined;
      if (!column || columns.has(column) || leaf.text === '' || credentials.has(leaf.text)) continue;
      columns.add(column);
      credentials.set(leaf.text, column);
    }
  }
  return credentials;
}

/** Quotes a value for the dataset's SQL: `'it''s'`. */
const sqlText = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** `GET /api/articles/{slug}`: the method and the path without its query, so one page whatever the slug. */
function pageName(request: RecordedRequest, path: string): string {
  return `${request.method} ${path.split('?')[0]}`;
}

function pageStep(request: RecordedRequest, templated: TemplatedRequest): PageStep {
  // A 304 answered the browser's cache validators, which are not replayed: the app will answer 200.
  const expect = request.status === 304 ? 200 : request.status;
  const step = page(pageName(request, templated.path), {
    method: request.method,
    path: templated.path,
    ...(templated.body !== undefined ? { body: templated.body, bodyType: request.body!.type } : {}),
    expect,
  });
  if (templated.headers.length > 0) step.headers = Object.fromEntries(templated.headers);
  return step;
}

/**
 * A header every page sends alike from some step on (all pages, or all
 * after the capture it names) moves to the journey, as a person writes it.
 */
function hoistJourneyHeaders(pages: PageStep[], captureStep: (name: string) => number): Record<string, string> | undefined {
  const journey: Record<string, string> = {};
  const candidates = new Map<string, [string, string]>();
  for (const step of pages) for (const [name, template] of Object.entries(step.headers ?? {})) candidates.set(`${name.toLowerCase()}\u0000${template}`, [name, template]);
  for (const [name, template] of candidates.values()) {
    const from = Math.max(0, ...templateNames(template).map((reference) => captureStep(reference) + 1));
    const sending = pages.slice(from);
    const sameIn = (step: PageStep) => Object.entries(step.headers ?? {}).some(([other, value]) => other.toLowerCase() === name.toLowerCase() && value === template);
    if (sending.length < 2 || !sending.every(sameIn)) continue;
    journey[name] = template;
    for (const step of sending) {
      step.headers = Object.fromEntries(Object.entries(step.headers!).filter(([other]) => other.toLowerCase() !== name.toLowerCase()));
      if (Object.keys(step.headers).length === 0) delete step.headers;
    }
  }
  return Object.keys(journey).length > 0 ? journey : undefined;
}

function scenarioName(options: ImportOptions): string {
  const base = options.name ?? path.basename(options.source).replace(/\.[^.]*$/, '');
  const name = base.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return name || 'recording';
}

function leftOutSummary(leftOut: readonly LeftOut[]): string[] {
  const byReason = new Map<string, LeftOut[]>();
  for (const item of leftOut) byReason.set(item.reason, [...(byReason.get(item.reason) ?? []), item]);
  return [...byReason].map(([reason, items]) => {
    const shown = items.slice(0, 3).map((item) => (item.detail ? `${item.request}: ${item.detail}` : item.request));
    const more = items.length > 3 ? `, and ${items.length - 3} more` : '';
    return `  ${items.length} ${LEFT_OUT_LABELS[reason as LeftOut['reason']]}: ${shown.join(', ')}${more}`;
  });
}

const LEFT_OUT_LABELS: Record<LeftOut['reason'], string> = {
  'static file': 'static file(s) (--keep-static to keep them)',
  'other host': 'request(s) to another host (--host <host:port> to keep them)',
  'not sent': 'request(s) the browser never completed',
  method: 'request(s) with a method rehearse does not send',
  body: 'request(s) with a body rehearse does not send',
  'template-like': 'request(s) holding text a scenario would read as a {template}',
};

/** The selected requests a scenario can write down; the rest join the left-out list. */
function importableRequests(har: Har, options: ImportOptions): { requests: RecordedRequest[]; leftOut: LeftOut[] } {
  const selected = selectRequests(har.log.entries, options);
  const leftOut = [...selected.leftOut];
  const requests = selected.kept.filter((request) => {
    const text = templateLikeText(request);
    if (text !== undefined) leftOut.push({ reason: 'template-like', request: `${request.method} ${request.url.pathname}`, detail: short(text) });
    return text === undefined;
  });
  if (requests.length === 0) {
    const listed = leftOut.length > 0 ? `:\n${leftOutSummary(leftOut).join('\n')}` : '';
    throw new ScenarioError(options.source, `${options.source}: no request to import (${leftOut.length} left out${listed})`);
  }
  return { requests, leftOut };
}

interface ImportedSteps {
  steps: Step[];
  /** Comments above each step, by step index. */
  comments: string[][];
  journeyHeaders: Record<string, string> | undefined;
  captures: ImportedCapture[];
}

/**
 * One page per request, a think step where the recording paused, values
 * of earlier responses captured, then the headers every page shares moved
 * to the journey.
 */
function importSteps(requests: readonly RecordedRequest[], credentials: ReadonlyMap<string, string>, minThinkSeconds: number): ImportedSteps {
  const pages: PageStep[] = [];
  const correlator = new Correlator(credentials, (index) => pages[index]!.name);
  const steps: Step[] = [];
  const comments: string[][] = [];
  requests.forEach((request, index) => {
    const previous = requests[index - 1];
    const pause = previous ? (request.startedMs - previous.endedMs) / 1000 : 0;
    if (pause >= minThinkSeconds) steps.push(think(Math.round(pause * 10) / 10));
    const templated = templateRequest(request, correlator);
    const step = pageStep(request, templated);
    comments[steps.length] = templated.notes;
    pages.push(step);
    steps.push(step);
    correlator.values.add(index, request);
  });
  for (const [index, capture] of correlator.captures) pages[index]!.capture = capture;
  const capturedAt = (name: string) => [...correlator.captures].find(([, capture]) => name in capture)?.[0] ?? -1;
  return { steps, comments, journeyHeaders: hoistJourneyHeaders(pages, capturedAt), captures: correlator.imported };
}

/** The recording's sign-in as one row of literals, or a single visitor when it signs no one in. */
function recordingDataset(credentials: ReadonlyMap<string, string>): Dataset {
  if (credentials.size === 0) return dataset('select 1 as visitor', ['visitor']);
  const values = [...credentials].map(([value, column]) => `${sqlText(value)} as ${column}`);
  return dataset(`select ${values.join(', ')}`, [...credentials.values()]);
}

function fileComments(options: ImportOptions, kept: number, leftOut: readonly LeftOut[]): string[] {
  return [
    `Imported by rehearse ${REHEARSE_VERSION} from ${options.source}: ${kept} of ${kept + leftOut.length} requests kept.`,
    ...(leftOut.length > 0 ? ['Left out:', ...leftOutSummary(leftOut)] : []),
    'The load is a starting point: one recorded session started per second for a minute.',
  ];
}

const SIGN_IN_COMMENTS = [
  "The recording's sign-in, as one row: every virtual user signs in as this user. Replace",
  'the SQL with a query over your seeded users (same columns) so each one is someone else.',
];

/**
 * Turns a recorded browser session into a scenario: one page per request of
 * the recording's own host (static files and other hosts left out), think
 * times from the recording's pauses, credentials into a one-row dataset,
 * values taken from earlier responses into captures, the rest as recorded
 * with a comment. The scenario is validated as `scenario build` would.
 */
export function importHar(har: Har, options: ImportOptions): ImportedScenario {
  const { requests, leftOut } = importableRequests(har, options);
  const credentials = findCredentials(requests);
  const imported = importSteps(requests, credentials, options.minThinkSeconds ?? 0.5);
  const first = requests[0]!;
  const recordedWith = har.log.creator ? ` with ${har.log.creator.name}` : '';
  const scenario = validateScenario(options.source, {
    name: scenarioName(options),
    description: `Recorded${recordedWith} on ${new Date(first.startedMs).toISOString().slice(0, 10)}: ${requests.length} requests to ${first.url.host}.`,
    data: { [JOURNEY]: recordingDataset(credentials) },
    journeys: {
      [JOURNEY]: {
        data: JOURNEY,
        load: steady({ rate: 1, duration: '1m' }),
        ...(imported.journeyHeaders ? { headers: imported.journeyHeaders } : {}),
        steps: imported.steps,
      },
    },
  } satisfies Scenario);
  const file: ScenarioFile = {
    comments: fileComments(options, requests.length, leftOut),
    scenario,
    datasetComments: credentials.size > 0 ? SIGN_IN_COMMENTS : ['The recording signs no one in: every virtual user replays it as it is.'],
    journeyHeaderComments: imported.journeyHeaders ? ['Sent by every page (one that names a capture, from the step after that capture on).'] : [],
    stepComments: imported.comments,
  };
  return { scenario, text: emitScenarioFile(file), kept: requests.length, leftOut, captures: imported.captures, literals: imported.comments.flat() };
}
