import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Analysis } from '../analyze/analysis.ts';
import type { LoadedConfig } from '../config/load-config.ts';
import { resolveRelease } from '../config/resolve-release.ts';
import type { DbOptions } from '../db/create-provider.ts';
import type { RehearseError } from '../errors.ts';
import type { ReportFormat } from '../report/renderers.ts';
import { analyzeRecords, reportRuns, type ReportOutcome } from '../report/report-runs.ts';
import { assessDelivery } from '../analyze/load-delivery.ts';
import { DEFAULT_THRESHOLDS } from '../analyze/thresholds.ts';
import { loadDriven } from '../run/run-exit-code.ts';
import { createRunDirectory } from '../run/run-id.ts';
import type { RunRecord } from '../run/run-record-schema.ts';
import { runRehearsal, type RehearsalOutcome } from '../run/run-rehearsal.ts';
import { loadScenario } from '../scenario/load-scenario.ts';
import type { BuildOptions } from '../scenario/plan-script.ts';
import type { SeedEvent } from '../seed/seed-events.ts';
import { InterruptedError } from '../system/abort.ts';
import { AB_SUMMARY_SCHEMA_VERSION, type AbRun, type AbSummary } from './ab-summary.ts';
import { runsPerSideText, verdictText } from '../analyze/timing-checks.ts';
import { describePair, describeRatio, describeStop, undecided } from './describe-ab.ts';
import { judgePair, stopAfterPair, type PairJudgement, type StopReason } from './judge-pair.ts';
import { pairOrder, type AbSide } from './pair-order.ts';
import { abData, type AbData } from './same-data.ts';

/** One side of the rehearsal: its config (its app, its releases, its model) and the release it runs. */
export interface AbSideInput {
  loaded: LoadedConfig;
  /** A release of that config; undefined runs its app as it is. */
  release?: string;
}

export interface AbOptions {
  /** The scenario file, relative to the working directory: the same load for both sides. */
  scenarioFile: string;
  baseline: AbSideInput;
  candidate: AbSideInput;
  /** Both sides rehearse on this database, the candidate's project's cluster when embedded, so they clone one template. */
  db: DbOptions;
  /** Override both configs' data scale and seed (which must otherwise agree). */
  scale?: number;
  seed?: number;
  build?: BuildOptions;
  probeRequests?: number;
  /** k6 processes sharing each run's load (see RehearsalOptions.runners). */
  runners?: number;
  /** Most runs per side. */
  maxRepeats: number;
  /** Timing tolerance, a fraction (0.1 = 10 %). */
  tolerance: number;
  /** A page still NOT SURE at the end fails the gate. */
  strict: boolean;
  /** Where the `ab-<id>` folder goes (default <candidate's config root>/reports). */
  reportsDir?: string;
  /** The comparison report: formats (default all), folder (default the `ab-<id>` folder), scenario budgets, $GITHUB_STEP_SUMMARY. */
  report?: { formats?: readonly ReportFormat[]; outDir?: string; scenarioBudgets?: boolean; stepSummaryFile?: string };
  signal: AbortSignal;
  /** What each run does, step by step. */
  log: (line: string) => void;
  /** One line per run started and per pair judged. */
  progress: (line: string) => void;
  onSeedEvent?: (event: SeedEvent) => void;
}

export interface AbOutcome {
  dir: string;
  summary: AbSummary;
  summaryFile: string;
  /** null when a side has no run to compare (interrupted or failed in its first run). */
  report: ReportOutcome | null;
  /** A user's mistake only a run could reveal (a dataset's SQL): exit 2. */
  badInput?: RehearseError;
  /** 0 passed · 1 the gate failed · 2 bad input a run revealed · 3 a run's load was not driven (a database, the app or k6 failed) · 130 interrupted. */
  exitCode: 0 | 1 | 2 | 3 | 130;
}

interface FinishedRun {
  side: AbSide;
  pair: number;
  outcome: RehearsalOutcome;
}

/**
 * Rehearses a baseline and a candidate alternately (A B B A A B …), each
 * run a normal rehearsal on a fresh clone of one seeded template, and after
 * each pair compares all A runs with all B runs: each page gets a timing
 * verdict (DIFFERENT, SAME or NOT SURE), and another pair runs while a page
 * is NOT SURE, up to `maxRepeats` per side. A counter regression stops it
 * after the first pair. Writes one comparison report and ab.json into
 * `reports/ab-<id>/`, the runs' folders inside it; an interruption or a
 * failed run still writes the comparison of the runs so far, marked
 * incomplete.
 *
 * @example
 * const { summary } = await rehearseAb({ scenarioFile, baseline: { loaded, release: 'baseline' }, candidate: { loaded, release: 'pr-12' }, db, maxRepeats: 5, tolerance: 0.1, strict: false, signal, log, progress });
 * summary.verdicts.map((verdict) => `${verdict.page}: ${verdict.verdict}`);
 */
export async function rehearseAb(options: AbOptions): Promise<AbOutcome> {
  const data = await checkSides(options);
  const { scenario } = await loadScenario(options.scenarioFile);
  const reportsDir = options.reportsDir ?? path.join(options.candidate.loaded.root, 'reports');
  const { id, dir } = await createRunDirectory(reportsDir, scenario.name, options.candidate.release, new Date(), 'ab-');
  const runs: FinishedRun[] = [];
  const end = await runPairs(options, data, dir, runs);
  const { summary, report } = await conclude(options, { id, dir, scenario: scenario.name, data, runs, end });
  const summaryFile = path.join(dir, 'ab.json');
  await writeFile(summaryFile, `${JSON.stringify(summary, null, 2)}\n`);
  return { dir, summary, summaryFile, report, exitCode: exitCodeOf(summary, runs, end.badInput), ...(end.badInput ? { badInput: end.badInput } : {}) };
}

interface Rehearsed {
  id: string;
  dir: string;
  scenario: string;
  data: AbData;
  runs: readonly FinishedRun[];
  end: PairsEnd;
}

/**
 * The verdicts on every run that measured something (the last pair's, or
 * the runs so far when it was cut short), the report of them with why it
 * stopped, and the gate.
 */
async function conclude(options: AbOptions, { id, dir, scenario, data, runs, end }: Rehearsed): Promise<{ summary: AbSummary; report: ReportOutcome | null }> {
  const compared = runs.filter((run) => comparable(run.outcome));
  const sides = { baseline: records(compared, 'baseline'), candidate: records(compared, 'candidate') };
  const judgement = sides.baseline.length > 0 && sides.candidate.length > 0 ? judgePair(await analyze(options, sides), timed(sides.baseline), timed(sides.candidate), options) : null;
  const pairs = Math.min(sides.baseline.length, sides.candidate.length);
  const { reason, cause } = end;
  const stop = { reason, sentence: describeStop({ reason, pairs, maxRepeats: options.maxRepeats, undecided: judgement ? undecided(judgement) : [], ...(cause ? { cause } : {}) }) };
  const complete = reason !== 'interrupted' && reason !== 'run-failed';
  const busy = compared.filter((run) => busyMachine(run.outcome.record) !== null).length;
  const notes = reportNotes(judgement, data, stop.sentence, complete, runs.length - compared.length, busy);
  const report = judgement ? await writeReport(options, dir, compared, notes) : null;
  const failures = [...(report ? failedChecks(report.analysis) : ['no run of one of the sides finished: nothing was compared']), ...(complete ? [] : ['the rehearsal did not finish: an incomplete comparison cannot pass'])];
  const summary: AbSummary = {
    schemaVersion: AB_SUMMARY_SCHEMA_VERSION,
    id,
    scenario,
    baseline: describeSide(options.baseline),
    candidate: describeSide(options.candidate),
    maxRepeats: options.maxRepeats,
    tolerance: options.tolerance,
    strict: options.strict,
    data,
    runs: runs.map((run) => abRun(run, dir, compared.includes(run))),
    pairs,
    verdicts: judgement?.verdicts ?? [],
    stop,
    complete,
    gate: { status: failures.length === 0 ? 'pass' : 'fail', failures },
    files: (report?.files ?? []).map((file) => path.relative(dir, file)),
  };
  return { summary, report };
}

/** The gate is the comparison's: a counter, a budget, an error rate, a run, a page DIFFERENT and slower, and with --strict anything NOT SURE. */
function failedChecks(analysis: Analysis): string[] {
  return analysis.checks.filter((check) => check.status === 'fail').map((check) => check.sentence);
}

function exitCodeOf(summary: AbSummary, runs: readonly FinishedRun[], badInput: RehearseError | undefined): AbOutcome['exitCode'] {
  if (badInput) return 2;
  if (summary.stop.reason === 'interrupted') return 130;
  if (runs.some((run) => !loadDriven(run.outcome.record))) return 3;
  return summary.gate.status === 'pass' ? 0 : 1;
}

/** Both releases exist and both sides rehearse the same data, said before anything starts. */
async function checkSides(options: AbOptions): Promise<AbData> {
  await resolveRelease(options.baseline.loaded, options.baseline.release);
  await resolveRelease(options.candidate.loaded, options.candidate.release);
  return abData(options.baseline.loaded, options.candidate.loaded, { ...(options.scale !== undefined ? { scale: options.scale } : {}), ...(options.seed !== undefined ? { seed: options.seed } : {}) });
}

interface PairsEnd {
  reason: StopReason;
  cause?: string;
  badInput?: RehearseError;
}

/** Pairs of runs until a stop: every page decided, the bound, a counter regression, a failed run or the user. */
async function runPairs(options: AbOptions, data: AbData, dir: string, runs: FinishedRun[]): Promise<PairsEnd> {
  for (let pair = 1; pair <= options.maxRepeats; pair += 1) {
    for (const side of pairOrder(pair)) {
      options.progress(`run ${runs.length + 1} (pair ${pair} of at most ${options.maxRepeats}): ${side}${releaseOf(options[side])}`);
      const outcome = await rehearseSide(options, data, dir, side);
      if (!outcome) return { reason: 'interrupted' };
      runs.push({ side, pair, outcome });
      const end = runEnd(outcome, options.signal);
      if (end) return end;
      const busy = busyMachine(outcome.record);
      if (busy) options.progress(`run ${runs.length} measured on a busy machine: its counters are compared, its timings are not — ${busy}`);
    }
    const sides = { baseline: records(runs, 'baseline'), candidate: records(runs, 'candidate') };
    const judgement = judgePair(await analyze(options, sides), timed(sides.baseline), timed(sides.candidate), options);
    options.progress(describePair(pair, options.maxRepeats, judgement));
    const reason = stopAfterPair(judgement, pair, options.maxRepeats);
    if (reason) return { reason, ...causeOf(reason, judgement) };
  }
  return { reason: 'max-repeats' };
}

function causeOf(reason: StopReason, judgement: PairJudgement): { cause?: string } {
  const check = reason === 'counter-regression' ? judgement.counterFailures[0] : reason === 'load-not-delivered' ? judgement.undelivered[0] : undefined;
  return check ? { cause: check.sentence } : {};
}

/** One run of one side; null when the user interrupted before it started. */
async function rehearseSide(options: AbOptions, data: AbData, dir: string, side: AbSide): Promise<RehearsalOutcome | null> {
  const { loaded, release } = options[side];
  try {
    return await runRehearsal({
      scenarioFile: options.scenarioFile,
      loaded,
      db: options.db,
      // The candidate's cluster for both sides: one seeded template, cloned for every run.
      clusterRoot: options.candidate.loaded.root,
      reportsDir: dir,
      scale: data.scale,
      seed: data.seed,
      signal: options.signal,
      log: options.log,
      ...(release ? { release } : {}),
      ...(options.build ? { build: options.build } : {}),
      ...(options.probeRequests ? { probeRequests: options.probeRequests } : {}),
      ...(options.runners ? { runners: options.runners } : {}),
      ...(options.onSeedEvent ? { onSeedEvent: options.onSeedEvent } : {}),
    });
  } catch (error) {
    if (error instanceof InterruptedError) return null;
    throw error;
  }
}

/** Why the run ends the rehearsal, if it does: the user, a mistake in the user's files, or a run that did not finish. */
function runEnd(outcome: RehearsalOutcome, signal: AbortSignal): PairsEnd | null {
  const { record } = outcome;
  if (signal.aborted || record.status === 'interrupted') return { reason: 'interrupted' };
  if (outcome.badInput) return { reason: 'run-failed', cause: outcome.badInput.message, badInput: outcome.badInput };
  if (record.status !== 'complete') return { reason: 'run-failed', cause: `run ${record.id} is ${record.status} (${record.failure?.stage}: ${record.failure?.message.split('\n')[0]})` };
  return null;
}

/** A run the comparison can use: its load was driven and it measured pages (an unfinished stage after the load fails the gate in the report). */
function comparable(outcome: RehearsalOutcome): boolean {
  return outcome.record.status !== 'interrupted' && loadDriven(outcome.record) && outcome.record.pages.length > 0;
}

/**
 * The runs whose timings the verdicts use: those the machine was quiet
 * through. Interleaving evens out noise that comes and goes, not a job that
 * held the CPUs for one run; such a run's counters still count.
 */
function timed(runs: readonly RunRecord[]): RunRecord[] {
  return runs.filter((run) => busyMachine(run) === null);
}

/** Why the run's timings are not trusted although its load was delivered (other work on the machine), or null. */
function busyMachine(record: RunRecord): string | null {
  const delivery = assessDelivery(record, 'candidate', DEFAULT_THRESHOLDS.loadDelivery);
  return delivery && delivery.delivered && delivery.contention.length > 0 ? delivery.contention.join('; ') : null;
}

function records(runs: readonly FinishedRun[], side: AbSide): RunRecord[] {
  return runs.filter((run) => run.side === side).map((run) => run.outcome.record);
}

/** The comparison of the runs so far, without --strict: a timing budget NOT SURE is a warning there, and asks for another pair. */
function analyze(options: AbOptions, sides: { baseline: RunRecord[]; candidate: RunRecord[] }): Promise<Analysis> {
  return analyzeRecords(sides.candidate, sides.baseline, { ...reportBasics(options), strict: false });
}

function reportBasics(options: AbOptions) {
  const { config, root } = options.candidate.loaded;
  return { configBudgets: config.budgets, tolerance: options.tolerance, scenarioRoots: [process.cwd(), root], scenarioBudgets: options.report?.scenarioBudgets ?? true };
}

/** The comparison report of every compared run, candidate runs against baseline runs, with how `ab` decided. */
function writeReport(options: AbOptions, dir: string, compared: readonly FinishedRun[], notes: string[]): Promise<ReportOutcome> {
  const locations = (side: AbSide) => compared.filter((run) => run.side === side).map((run) => run.outcome.dir);
  return reportRuns({
    candidates: locations('candidate'),
    baselines: locations('baseline'),
    outDir: options.report?.outDir ?? dir,
    notes,
    ...reportBasics(options),
    strict: options.strict,
    ...(options.report?.formats ? { formats: options.report.formats } : {}),
    ...(options.report?.stepSummaryFile ? { stepSummaryFile: options.report.stepSummaryFile } : {}),
  });
}

/** The A/B verdicts at the top of the report, in every format: per page the verdict, ratio, runs per side and why; why it stopped. */
function reportNotes(judgement: PairJudgement | null, data: AbData, stopped: string, complete: boolean, leftOut: number, busy: number): string[] {
  const verdicts = (judgement?.verdicts ?? []).map(
    (verdict) => `A/B timing verdict — ${verdict.page}: ${verdictText(verdict)}, p95 ratio ${describeRatio(verdict)}, ${runsPerSideText(verdict.runs)}: ${verdict.reason}`,
  );
  return [
    ...(complete ? [] : ['INCOMPLETE: this A/B rehearsal did not finish; the comparison covers the runs that did.']),
    ...verdicts,
    `A/B rehearsal stopped: ${stopped}.`,
    ...(data.model === 'shared' ? [] : ["The two configs describe different data models: each side was seeded from its own, so rows and buffers per request may differ for that reason alone."]),
    ...(leftOut > 0 ? [`${leftOut} run${leftOut === 1 ? '' : 's'} that measured nothing (interrupted, or its load not delivered) ${leftOut === 1 ? 'is' : 'are'} listed in ab.json but not compared.`] : []),
    ...(busy > 0 ? [`${busy} run${busy === 1 ? ' was' : 's were'} measured while other work on the machine took CPU the rehearsal waited for: ${busy === 1 ? 'its' : 'their'} counters are compared, ${busy === 1 ? 'its' : 'their'} timings are left out of the verdicts.`] : []),
  ];
}

function releaseOf(side: AbSideInput): string {
  return side.release ? ` (release ${side.release})` : '';
}

function describeSide(side: AbSideInput): AbSummary['baseline'] {
  return { release: side.release ?? null, config: side.loaded.file ?? null };
}

function abRun(run: FinishedRun, dir: string, compared: boolean): AbRun {
  const record = run.outcome.record;
  return { side: run.side, pair: run.pair, id: record.id, dir: path.relative(dir, run.outcome.dir), status: record.status, compared, timed: compared && busyMachine(record) === null };
}
