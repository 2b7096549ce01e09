import path from 'node:path';
import type { Analysis, PageBudgetLimits, QueryBudgetLimits } from '../analyze/analysis.ts';
import { analyzeRuns } from '../analyze/analyze-runs.ts';
import type { ReleaseBudget } from '../analyze/release-checks.ts';
import type { CacheBudget } from '../analyze/cache-checks.ts';
import type { BudgetSets } from '../analyze/budget-checks.ts';
import { readRunRecord, type RunRecord } from '../run/run-record.ts';
import { renderMarkdownText } from './render-markdown.ts';
import { RENDERERS, REPORT_FORMATS, type ReportFormat } from './renderers.ts';
import { queryBudgetRules } from './query-budget-rules.ts';
import { loadScenarioBudgets } from './scenario-budgets.ts';
import { appendStepSummary, writeReportFiles } from './write-report.ts';

export interface ReportRunsOptions {
  /** Run directories or run.json files of the release under test (several: repeats). */
  candidates: readonly string[];
  /** Run directories or run.json files of the baseline release; empty for budgets only. */
  baselines?: readonly string[];
  formats?: readonly ReportFormat[];
  /** Default: the first candidate run's directory. */
  outDir?: string;
  /** Timing tolerance (fraction). */
  tolerance?: number;
  /** `budgets.pages` and `budgets.queries` from the config. */
  configBudgets?: { pages?: Record<string, PageBudgetLimits>; queries?: Record<string, QueryBudgetLimits>; release?: ReleaseBudget; cache?: CacheBudget };
  /** Read the scenario file's budgets too (default true). */
  scenarioBudgets?: boolean;
  /** Folders a record's relative scenario path is tried against (default: the working directory). */
  scenarioRoots?: readonly string[];
  /** A NOT SURE timing verdict or timing budget fails instead of warning. */
  strict?: boolean;
  /** Append the Markdown here (GitHub Actions' $GITHUB_STEP_SUMMARY). */
  stepSummaryFile?: string;
  /** Said at the top of the report, before the notes the analysis adds (e.g. how `ab` ran the sides). */
  notes?: readonly string[];
}

/** What the analysis of records needs from the report's options. */
export type AnalyzeRecordsOptions = Pick<ReportRunsOptions, 'tolerance' | 'configBudgets' | 'scenarioBudgets' | 'scenarioRoots' | 'notes' | 'strict'>;

export interface ReportOutcome {
  analysis: Analysis;
  /** Paths of the files written. */
  files: string[];
  /** 0 every check passed, 1 one failed. */
  exitCode: 0 | 1;
}

function runDirectory(location: string): string {
  return location.endsWith('.json') ? path.dirname(location) : location;
}

/**
 * Reads the run records, analyses them, writes the report in every asked
 * format, and says whether CI should pass. Bad input (a missing or damaged
 * record, runs of another scenario or schema) throws a RunRecordError.
 *
 * @example
 * const { analysis, exitCode } = await reportRuns({ candidates: ['reports/run-b'], baselines: ['reports/run-a'], formats: ['markdown', 'junit'] });
 */
export async function reportRuns(options: ReportRunsOptions): Promise<ReportOutcome> {
  const candidates: RunRecord[] = [];
  for (const location of options.candidates) candidates.push(await readRunRecord(location));
  const baselines: RunRecord[] = [];
  for (const location of options.baselines ?? []) baselines.push(await readRunRecord(location));
  const analysis = await analyzeRecords(candidates, baselines, options);
  const formats = options.formats ?? REPORT_FORMATS;
  const files = formats.flatMap((format) => RENDERERS[format](analysis));
  const written = await writeReportFiles(options.outDir ?? runDirectory(options.candidates[0]!), files);
  if (options.stepSummaryFile) await appendStepSummary(options.stepSummaryFile, renderMarkdownText(analysis));
  return { analysis, files: written, exitCode: analysis.verdict === 'fail' ? 1 : 0 };
}

/** The analysis a report of these records holds, budgets of the config and the scenario file included; nothing written. */
export async function analyzeRecords(candidates: readonly RunRecord[], baselines: readonly RunRecord[], options: AnalyzeRecordsOptions): Promise<Analysis> {
  const notes: string[] = [...(options.notes ?? [])];
  let scenario: BudgetSets['scenario'];
  let overall: BudgetSets['overall'];
  const scenarioBudgets = options.scenarioBudgets ?? true;
  if (scenarioBudgets && candidates[0]) {
    const loaded = await loadScenarioBudgets(candidates[0], options.scenarioRoots ?? [process.cwd()]);
    scenario = loaded.pages;
    overall = loaded.overall;
    if (loaded.note) notes.push(loaded.note);
  }
  return analyzeRuns({
    candidates,
    baselines,
    budgets: { config: options.configBudgets?.pages, scenario, overall, queries: await queryBudgetRules(options.configBudgets?.queries ?? {}), ...(options.configBudgets?.release ? { release: options.configBudgets.release } : {}), ...(options.configBudgets?.cache ? { cache: options.configBudgets.cache } : {}) },
    notes,
    k6Thresholds: scenarioBudgets,
    strict: options.strict ?? false,
    ...(options.tolerance !== undefined ? { tolerance: options.tolerance } : {}),
  });
}
