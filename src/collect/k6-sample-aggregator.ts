import { InfrastructureError } from '../errors.ts';
import type { CheckResult, K6Results, PageResult, ScenarioResult } from '../run/run-record-schema.ts';
import { compareText } from './compare-text.ts';
import { CsvByteFields } from './csv-byte-fields.ts';
import { parseCsvLine, splitCsvFields } from './csv-fields.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import { PerSecondTimeline } from './per-second-timeline.ts';

/** Where the columns this aggregator reads sit in k6's CSV header; -1 for a system tag turned off (--system-tags). */
interface Columns {
  timestamp: number;
  value: number;
  check: number;
  error: number;
  errorCode: number;
  name: number;
  status: number;
  scenario: number;
}

const REQUIRED = ['metric_name', 'timestamp', 'metric_value', 'name'] as const;
const OPTIONAL = ['check', 'error', 'error_code', 'status', 'scenario'] as const;
const MAX_ERROR_CAUSES = 20;

const enum Metric {
  Duration,
  Failed,
  Checks,
  Iterations,
  Dropped,
  Vus,
  VusMax,
  Other,
}

const NEWLINE = 10;
const CARRIAGE_RETURN = 13;

/** One record's fields, split from text or read from bytes. */
interface RecordFields {
  text(index: number): string | undefined;
}

/** A record split from text by splitCsvFields. */
class SplitFields implements RecordFields {
  fields: string[] = [];

  text(index: number): string | undefined {
    return this.fields[index];
  }
}

class PageAccumulator {
  readonly histogram = new LatencyHistogram(3);
  requests = 0;
  errors = 0;
  readonly errorCauses = new Map<string, number>();
}

/** Per k6 scenario: its pages, and its iterations and dropped arrivals. */
class ScenarioAccumulator {
  readonly pages = new Map<string, PageAccumulator>();
  iterations = 0;
  dropped = 0;
  firstSecond = Number.POSITIVE_INFINITY;
  lastSecond = Number.NEGATIVE_INFINITY;

  page(name: string): PageAccumulator {
    return accumulatorOf(this.pages, name);
  }
}

function accumulatorOf(pages: Map<string, PageAccumulator>, name: string): PageAccumulator {
  let accumulator = pages.get(name);
  if (!accumulator) {
    accumulator = new PageAccumulator();
    pages.set(name, accumulator);
  }
  return accumulator;
}

export interface K6SampleAggregatorOptions {
  /** Seconds a timeline second stays open for out-of-order samples. */
  timelineLagSeconds?: number;
  /**
   * Status checks the script counts from `http_req_failed` instead of
   * running (page → check name, the plan's `statusChecks`): each becomes a
   * check whose passes and fails are the page's requests and errors, unless
   * the samples hold that check already (a script that ran it itself).
   */
  statusChecks?: Readonly<Record<string, string>>;
}

/**
 * Turns k6 CSV records (`--out csv=…`) into per-page results, a per-second
 * timeline and check counts, in memory that does not grow with the number of
 * samples. Pure: it is fed text and never touches a file.
 *
 * Only `http_req_duration`, `http_req_failed`, `checks` and the executor's
 * `iterations`, `dropped_iterations`, `vus` and `vus_max` are used; lines of
 * every other metric are skipped from their first bytes (see addBytes). The
 * page is the `name` tag, which rehearse's scripts set to the page name; the
 * k6 scenario (a journey, or one plateau of a stepped load) is the
 * `scenario` tag, and each gets its own per-page results.
 * Response times follow k6's own definition: failed requests count too.
 *
 * @example
 * const aggregator = new K6SampleAggregator(headerLine);
 * for (const line of lines) aggregator.addLine(line);
 * const results = aggregator.finish();
 */
export class K6SampleAggregator {
  private readonly columns: Columns;
  private readonly fieldCount: number;
  private readonly failureFieldCount: number;
  /** Per metric, the fields the byte path reads before it knows whether it needs more (see addRecordBytes). */
  private readonly fieldsRead: number[];
  private readonly wanted: boolean[];
  private readonly byteFields: CsvByteFields;
  private readonly splitFields = new SplitFields();
  private readonly pages = new Map<string, PageAccumulator>();
  private readonly all = new PageAccumulator();
  private readonly checks = new Map<string, CheckResult>();
  private readonly scenarios = new Map<string, ScenarioAccumulator>();
  /** The VU gauges' highest value per runner (source), summed in finish: runners' VUs run side by side. */
  private readonly vusAllocated: number[] = [];
  private readonly vusActive: number[] = [];
  private source = 0;
  private readonly timeline: PerSecondTimeline;
  private used = 0;
  private malformed = 0;
  private firstSecond = Number.POSITIVE_INFINITY;
  private lastSecond = Number.NEGATIVE_INFINITY;
  private lastTimestampText = '';
  private lastSecondParsed = Number.NaN;
  private histogramsAddedUp = false;
  private readonly statusChecks: Readonly<Record<string, string>>;

  constructor(header: string, options: K6SampleAggregatorOptions = {}) {
    this.columns = readColumns(header);
    this.statusChecks = options.statusChecks ?? {};
    const { timestamp, value, check, name, scenario } = this.columns;
    this.fieldCount = Math.max(timestamp, value, check, name, scenario) + 1;
    this.failureFieldCount = Math.max(this.fieldCount, this.columns.status, this.columns.error, this.columns.errorCode) + 1;
    this.wanted = Array.from({ length: this.failureFieldCount }, (_, index) => Object.values(this.columns).includes(index));
    this.byteFields = new CsvByteFields(this.failureFieldCount);
    const sample = Math.max(timestamp, value) + 1;
    this.fieldsRead = [];
    this.fieldsRead[Metric.Duration] = Math.max(sample, this.columns.name + 1, scenario + 1);
    this.fieldsRead[Metric.Failed] = sample;
    this.fieldsRead[Metric.Checks] = Math.max(sample, check + 1);
    this.fieldsRead[Metric.Iterations] = Math.max(sample, scenario + 1);
    this.fieldsRead[Metric.Dropped] = Math.max(sample, scenario + 1);
    this.fieldsRead[Metric.Vus] = sample;
    this.fieldsRead[Metric.VusMax] = sample;
    this.timeline = new PerSecondTimeline(options.timelineLagSeconds);
  }

  /** One record without its line break. */
  addLine(line: string): void {
    if (!this.addRecord(line, 0, line.length)) this.malformed += 1;
  }

  /**
   * Every record in `bytes` up to `limit` (exclusive), where `bytes` starts
   * at a record: k6's output as it comes out of gunzip, never decoded whole.
   * Each line's metric is told from its first bytes; only the records of the
   * metrics used are split, and only the fields used become strings (see
   * CsvByteFields), so the skipped metrics, most of the file, cost one
   * search for the line's end.
   *
   * A quoted field that spans lines is followed to the next line break
   * within `limit`; one that runs past `limit` counts as malformed.
   *
   * `source` tells runners apart when several runners' files are read into
   * one aggregation: only the VU gauges need it (see finish).
   */
  addBytes(bytes: Buffer, limit: number, source = 0): void {
    this.source = source;
    for (let start = 0; start < limit; ) {
      let end = bytes.indexOf(NEWLINE, start);
      if (end === -1 || end > limit) end = limit;
      const metric = recogniseMetricBytes(bytes, start, end);
      if (metric !== Metric.Other) end = this.addRecordBytes(metric, bytes, start, end, limit);
      start = end + 1;
    }
  }

  /**
   * The record in `text` from `start` to `end` (exclusive, no line break).
   * Returns false when it ends inside a quoted field: the caller joins the
   * next line (with its "\n") and calls again.
   */
  addRecord(text: string, start: number, end: number): boolean {
    return this.addMetricRecord(recogniseMetric(text, start), text, start, end);
  }

  /** The record's end: past `end` when a quoted field ran onto further lines. */
  private addRecordBytes(metric: Metric, bytes: Buffer, start: number, end: number, limit: number): number {
    const recordEnd = end > start && bytes[end - 1] === CARRIAGE_RETURN ? end - 1 : end;
    const fields = this.byteFields;
    // The metric's name, the first field, is known from recogniseMetricBytes: splitting starts after it.
    if (!fields.split(bytes, start, recordEnd, this.fieldsRead[metric]!, METRIC_PREFIXES[metric]!.length - 1)) {
      return this.addRecordAsText(metric, bytes, start, end, limit);
    }
    const value = fields.number(this.columns.value);
    // Only a failed request's record needs its status and error fields.
    if (metric === Metric.Failed && value === 1 && !fields.extend(this.failureFieldCount)) return this.addRecordAsText(metric, bytes, start, end, limit);
    this.addSample(metric, secondOfFields(fields, this.columns.timestamp), value, fields);
    return end;
  }

  /** A record the byte reader leaves to text (a quoted field holding a line break), joined line by line until it closes. */
  private addRecordAsText(metric: Metric, bytes: Buffer, start: number, end: number, limit: number): number {
    for (;;) {
      const text = bytes.toString('utf8', start, end);
      if (this.addMetricRecord(metric, text, 0, text.length)) return end;
      const next = bytes.indexOf(NEWLINE, end + 1);
      if (next === -1 || next > limit) {
        this.malformed += 1;
        return end;
      }
      end = next;
    }
  }

  private addMetricRecord(metric: Metric, text: string, start: number, end: number): boolean {
    if (end > start && text.charCodeAt(end - 1) === CARRIAGE_RETURN) end -= 1;
    if (metric === Metric.Other || end <= start) return true;
    const fields = splitCsvFields(text, start, end, metric === Metric.Failed ? this.failureFieldCount : this.fieldCount, this.wanted);
    if (fields === undefined) return false;
    this.splitFields.fields = fields;
    this.addSample(metric, this.secondOf(fields[this.columns.timestamp]), Number(fields[this.columns.value]), this.splitFields);
    return true;
  }

  private addSample(metric: Metric, second: number, value: number, fields: RecordFields): void {
    if (!Number.isFinite(second) || !Number.isFinite(value)) {
      this.malformed += 1;
      return;
    }
    // Counts of the executor, not of requests: they do not move the run's window (k6 writes VUs every second, init included).
    if (metric >= Metric.Iterations) {
      this.addExecution(metric, fields, value);
      return;
    }
    this.used += 1;
    this.firstSecond = Math.min(this.firstSecond, second);
    this.lastSecond = Math.max(this.lastSecond, second);
    if (metric === Metric.Checks) this.addCheck(fields.text(this.columns.check) ?? '', value);
    else if (metric === Metric.Duration) this.addDuration(fields.text(this.columns.name) ?? '', fields.text(this.columns.scenario), second, value);
    else this.addFailed(fields, second, value);
  }

  /** The second of the record starting at `start`; NaN when the line is not a record's start (a quoted field's continuation). */
  secondAt(bytes: Buffer, start: number): number {
    let end = bytes.indexOf(NEWLINE, start);
    if (end === -1) end = bytes.length;
    if (this.byteFields.split(bytes, start, end, this.columns.timestamp + 1)) return secondOfFields(this.byteFields, this.columns.timestamp);
    const text = bytes.toString('utf8', start, end);
    const fields = splitCsvFields(text, 0, text.length, this.columns.timestamp + 1);
    return fields === undefined ? Number.NaN : parseTimestampSecond(fields[this.columns.timestamp] ?? '');
  }

  finish(): K6Results {
    this.addUpHistograms();
    const durationSeconds = this.used === 0 ? 0 : this.lastSecond - this.firstSecond + 1;
    const pages = [...this.pages.entries()]
      .sort(([a], [b]) => compareText(a, b))
      .map(([page, accumulator]) => ({ page, ...summarise(accumulator, durationSeconds) }));
    const timeline = this.timeline.finish();
    return {
      pages,
      totals: {
        ...summarise(this.all, durationSeconds),
        durationSeconds,
        firstSampleAt: this.used === 0 ? null : this.firstSecond * 1000,
        lastSampleAt: this.used === 0 ? null : this.lastSecond * 1000,
      },
      timeline,
      checks: [...this.checks.values(), ...this.checksFromFailures()].sort((a, b) => compareText(a.name, b.name)),
      samples: { used: this.used, malformed: this.malformed, late: this.timeline.late },
      delivered: {
        scenarios: [...this.scenarios.entries()].sort(([a], [b]) => compareText(a, b)).map(([scenario, accumulator]) => summariseScenario(scenario, accumulator)),
        vusAllocated: sumOfGauges(this.vusAllocated),
        vusActive: sumOfGauges(this.vusActive),
      },
    };
  }

  /**
   * A duration goes into one histogram: its scenario's page's, or for a
   * sample without a scenario its page's own. The page's and the run's
   * histograms are those added up in finish (HDR histograms add exactly),
   * which saves two HDR records per request, the most costly step here.
   */
  private addDuration(page: string, scenario: string | undefined, second: number, milliseconds: number): void {
    const pageAccumulator = this.page(page);
    pageAccumulator.requests += 1;
    this.all.requests += 1;
    const inScenario = this.scenario(scenario);
    if (inScenario) {
      const inScenarioPage = inScenario.page(page);
      inScenarioPage.requests += 1;
      inScenarioPage.histogram.record(milliseconds);
      inScenario.firstSecond = Math.min(inScenario.firstSecond, second);
      inScenario.lastSecond = Math.max(inScenario.lastSecond, second);
    } else {
      pageAccumulator.histogram.record(milliseconds);
    }
    this.timeline.addDuration(page, second, milliseconds);
  }

  /** Once: each page's histogram gets its scenarios' (see addDuration), the run's every page's. */
  private addUpHistograms(): void {
    if (this.histogramsAddedUp) return;
    this.histogramsAddedUp = true;
    for (const scenario of this.scenarios.values()) {
      for (const [page, accumulator] of scenario.pages) this.page(page).histogram.add(accumulator.histogram);
    }
    for (const accumulator of this.pages.values()) this.all.histogram.add(accumulator.histogram);
  }

  /** k6's executor metrics: iterations finished and arrivals dropped per scenario, VUs (a gauge) at their most. */
  private addExecution(metric: Metric, fields: RecordFields, value: number): void {
    if (metric === Metric.Vus) this.vusActive[this.source] = Math.max(this.vusActive[this.source] ?? 0, value);
    else if (metric === Metric.VusMax) this.vusAllocated[this.source] = Math.max(this.vusAllocated[this.source] ?? 0, value);
    else {
      const accumulator = this.scenario(fields.text(this.columns.scenario));
      if (!accumulator) return;
      if (metric === Metric.Iterations) accumulator.iterations += 1;
      else accumulator.dropped += value;
    }
  }

  private addFailed(fields: RecordFields, second: number, value: number): void {
    if (value !== 1) return;
    const page = fields.text(this.columns.name) ?? '';
    const cause = causeOf(fields.text(this.columns.status), fields.text(this.columns.error), fields.text(this.columns.errorCode));
    const inScenario = this.scenario(fields.text(this.columns.scenario));
    for (const accumulator of inScenario ? [this.page(page), this.all, inScenario.page(page)] : [this.page(page), this.all]) {
      accumulator.errors += 1;
      countCause(accumulator.errorCauses, cause);
    }
    this.timeline.addError(page, second);
  }

  /** The status checks counted from the pages' requests and errors (see K6SampleAggregatorOptions.statusChecks). */
  private checksFromFailures(): CheckResult[] {
    return Object.entries(this.statusChecks).flatMap(([page, name]) => {
      const accumulator = this.pages.get(page);
      if (!accumulator || accumulator.requests === 0 || this.checks.has(name)) return [];
      return [{ name, passes: accumulator.requests - accumulator.errors, fails: accumulator.errors }];
    });
  }

  private addCheck(name: string, value: number): void {
    let check = this.checks.get(name);
    if (!check) {
      check = { name, passes: 0, fails: 0 };
      this.checks.set(name, check);
    }
    if (value > 0) check.passes += 1;
    else check.fails += 1;
  }

  private page(name: string): PageAccumulator {
    return accumulatorOf(this.pages, name);
  }

  /** The scenario's accumulator; none for a sample without the tag (k6 run with --system-tags that leave it out). */
  private scenario(name: string | undefined): ScenarioAccumulator | undefined {
    if (!name) return undefined;
    let accumulator = this.scenarios.get(name);
    if (!accumulator) {
      accumulator = new ScenarioAccumulator();
      this.scenarios.set(name, accumulator);
    }
    return accumulator;
  }

  /** Consecutive samples mostly share a timestamp: parse each distinct text once. */
  private secondOf(text: string | undefined): number {
    if (text === this.lastTimestampText) return this.lastSecondParsed;
    this.lastTimestampText = text ?? '';
    this.lastSecondParsed = parseTimestampSecond(this.lastTimestampText);
    return this.lastSecondParsed;
  }
}

/**
 * Each runner's highest gauge, added up: null without any. Runners peak at
 * about the same moment (one segmented load), so the sum is the load's peak.
 */
function sumOfGauges(perSource: readonly number[]): number | null {
  const seen = perSource.filter((value) => value !== undefined);
  return seen.length === 0 ? null : seen.reduce((sum, value) => sum + value, 0);
}

function readColumns(header: string): Columns {
  const names = parseCsvLine(header.replace(/\r$/, ''));
  const missing = REQUIRED.filter((name) => !names.includes(name));
  if (missing.length > 0 || names[0] !== 'metric_name') {
    throw new InfrastructureError(
      `k6 raw output is not k6 CSV: its header ${missing.length > 0 ? `lacks ${missing.join(', ')}` : 'does not start with metric_name'}. Run k6 with --out csv=<file>.`,
    );
  }
  const at = (name: (typeof REQUIRED)[number] | (typeof OPTIONAL)[number]) => names.indexOf(name);
  return {
    timestamp: at('timestamp'),
    value: at('metric_value'),
    check: at('check'),
    error: at('error'),
    errorCode: at('error_code'),
    name: at('name'),
    status: at('status'),
    scenario: at('scenario'),
  };
}

/** The metric from the record's first characters, before any parsing. */
function recogniseMetric(text: string, start: number): Metric {
  const first = text.charCodeAt(start);
  if (first === 104 /* h */) {
    if (text.startsWith('http_req_duration,', start)) return Metric.Duration;
    if (text.startsWith('http_req_failed,', start)) return Metric.Failed;
    return Metric.Other;
  }
  if (first === 99 /* c */ && text.startsWith('checks,', start)) return Metric.Checks;
  if (first === 105 /* i */ && text.startsWith('iterations,', start)) return Metric.Iterations;
  if (first === 100 /* d */ && text.startsWith('dropped_iterations,', start)) return Metric.Dropped;
  if (first === 118 /* v */) {
    if (text.startsWith('vus,', start)) return Metric.Vus;
    if (text.startsWith('vus_max,', start)) return Metric.VusMax;
  }
  return Metric.Other;
}

/** The metric from the record's first bytes, before any parsing (see recogniseMetric). */
function recogniseMetricBytes(bytes: Buffer, start: number, end: number): Metric {
  switch (bytes[start]) {
    case 104 /* h */:
      if (bytes[start + 9] === 100 /* d */) return startsWithBytes(bytes, start, end, HTTP_REQ_DURATION) ? Metric.Duration : Metric.Other;
      if (bytes[start + 9] === 102 /* f */) return startsWithBytes(bytes, start, end, HTTP_REQ_FAILED) ? Metric.Failed : Metric.Other;
      return Metric.Other;
    case 99 /* c */:
      return startsWithBytes(bytes, start, end, CHECKS) ? Metric.Checks : Metric.Other;
    case 105 /* i */:
      return startsWithBytes(bytes, start, end, ITERATIONS) ? Metric.Iterations : Metric.Other;
    case 100 /* d */:
      return startsWithBytes(bytes, start, end, DROPPED_ITERATIONS) ? Metric.Dropped : Metric.Other;
    case 118 /* v */:
      if (startsWithBytes(bytes, start, end, VUS)) return Metric.Vus;
      return startsWithBytes(bytes, start, end, VUS_MAX) ? Metric.VusMax : Metric.Other;
    default:
      return Metric.Other;
  }
}

const HTTP_REQ_DURATION = Buffer.from('http_req_duration,');
const HTTP_REQ_FAILED = Buffer.from('http_req_failed,');
const CHECKS = Buffer.from('checks,');
const ITERATIONS = Buffer.from('iterations,');
const DROPPED_ITERATIONS = Buffer.from('dropped_iterations,');
const VUS = Buffer.from('vus,');
const VUS_MAX = Buffer.from('vus_max,');
/** Per Metric, the start of its lines. */
const METRIC_PREFIXES = [HTTP_REQ_DURATION, HTTP_REQ_FAILED, CHECKS, ITERATIONS, DROPPED_ITERATIONS, VUS, VUS_MAX];

function startsWithBytes(bytes: Buffer, start: number, end: number, prefix: Buffer): boolean {
  if (end - start < prefix.length) return false;
  for (let index = 0; index < prefix.length; index++) if (bytes[start + index] !== prefix[index]) return false;
  return true;
}

/** The record's second from its timestamp field read as bytes; NaN when it has none (see parseTimestampSecond). */
function secondOfFields(fields: CsvByteFields, timestamp: number): number {
  if (!fields.has(timestamp)) return Number.NaN;
  const number = fields.number(timestamp);
  return Number.isFinite(number) ? secondOfNumber(number) : parseTimestampSecond(fields.text(timestamp, false) ?? '');
}

/**
 * k6 writes unix seconds by default; `timeFormat` can make it milliseconds,
 * microseconds, nanoseconds or RFC 3339. Integers are told apart by size.
 */
export function parseTimestampSecond(text: string): number {
  const number = Number(text);
  if (text !== '' && Number.isFinite(number)) return secondOfNumber(number);
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? Number.NaN : Math.floor(parsed / 1000);
}

function secondOfNumber(number: number): number {
  if (number >= 1e17) return Math.floor(number / 1e9);
  if (number >= 1e14) return Math.floor(number / 1e6);
  if (number >= 1e11) return Math.floor(number / 1e3);
  return Math.floor(number);
}

function causeOf(status: string | undefined, error: string | undefined, errorCode: string | undefined): string {
  if (status && status !== '0') return `HTTP ${status}`;
  // k6's error text may quote the URL; a base URL can carry credentials.
  if (error) return error.replace(/(\/\/[^\s/:@]+:)[^\s/@]+@/g, '$1***@');
  return errorCode ? `k6 error ${errorCode}` : 'unknown';
}

function countCause(causes: Map<string, number>, cause: string): void {
  const key = causes.has(cause) || causes.size < MAX_ERROR_CAUSES ? cause : 'other';
  causes.set(key, (causes.get(key) ?? 0) + 1);
}

function summariseScenario(scenario: string, accumulator: ScenarioAccumulator): ScenarioResult {
  const seen = accumulator.firstSecond <= accumulator.lastSecond;
  const durationSeconds = seen ? accumulator.lastSecond - accumulator.firstSecond + 1 : 0;
  return {
    scenario,
    iterations: accumulator.iterations,
    dropped: accumulator.dropped,
    pages: [...accumulator.pages.entries()].sort(([a], [b]) => compareText(a, b)).map(([page, pageAccumulator]) => ({ page, ...summarise(pageAccumulator, durationSeconds) })),
    firstSampleAt: seen ? accumulator.firstSecond * 1000 : null,
    lastSampleAt: seen ? accumulator.lastSecond * 1000 : null,
  };
}

function summarise(accumulator: PageAccumulator, durationSeconds: number): Omit<PageResult, 'page'> {
  const { histogram, requests, errors } = accumulator;
  return {
    requests,
    errors,
    errorRate: requests === 0 ? 0 : Math.min(1, errors / requests),
    throughput: durationSeconds === 0 ? 0 : requests / durationSeconds,
    latencyMs: {
      mean: histogram.mean,
      p50: histogram.percentile(50),
      p90: histogram.percentile(90),
      p95: histogram.percentile(95),
      p99: histogram.percentile(99),
      max: histogram.max,
    },
    errorCauses: Object.fromEntries(accumulator.errorCauses),
  };
}
