/**
 * Benchmark part: A/A comparisons — `rehearse ab` with the baseline release
 * on both sides, again and again, to count how often an unchanged release is
 * called DIFFERENT (a false alarm; the goal is none in 20) and how many pairs
 * each comparison needed to decide. Each comparison is a real `rehearse ab`
 * of the demo scenario; its figures come from its ab.json.
 *
 * `npm run bench -- --only ab-aa [--comparisons 20] [--duration 40s] [--rate-scale 0.35] [--max-repeats 5]`
 *
 * At the end it prints how far one run's p95 of each page moves from the
 * next's on an unchanged release (the noise a verdict has to see through),
 * and, judging the same runs again pair by pair with today's rule, after
 * how many pairs each comparison would have decided each page. With
 * `--rejudge <ab-folder> …` it does only that, on comparisons already run.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AbSummary } from '../src/ab/ab-summary.ts';
import { sideSamples } from '../src/analyze/timing-checks.ts';
import { judgeTiming, type Verdict } from '../src/analyze/timing-verdict.ts';
import { median } from '../src/analyze/statistics.ts';
import { DEFAULT_THRESHOLDS } from '../src/analyze/thresholds.ts';
import { readRunRecord } from '../src/run/run-record.ts';
import type { RunRecord } from '../src/run/run-record-schema.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const REPORTS = path.join(ROOT, 'reports');
/** The goal of issue 16: no page DIFFERENT in 20 A/A comparisons. */
export const TARGET_FALSE_ALARMS = 0;

function flag(args: string[], name: string, fallback: string): string {
  const at = args.indexOf(name);
  return at === -1 ? fallback : args[at + 1]!;
}

async function abFolders(): Promise<Set<string>> {
  return new Set((await readdir(REPORTS).catch(() => [] as string[])).filter((name) => name.startsWith('ab-')));
}

interface Comparison {
  seconds: number;
  exitCode: number | null;
  summary: AbSummary | null;
  /** The ab-<id> folder. */
  folder: string | null;
}

async function compareOnce(extra: string[]): Promise<Comparison> {
  const before = await abFolders();
  const started = Date.now();
  const args = ['bin/rehearse.mjs', 'ab', 'scenarios/parents-evening-login-spike.ts', '--baseline-release', 'baseline', '--release', 'baseline', '--format', 'json', ...extra];
  const exitCode = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (/^(run \d+|pair \d+)/.test(line)) process.stderr.write(`    ${line}\n`);
    });
    child.on('close', resolve);
  });
  const seconds = (Date.now() - started) / 1000;
  const created = [...(await abFolders())].filter((name) => !before.has(name));
  const folder = created.length === 1 ? path.join(REPORTS, created[0]!) : null;
  const summary = folder ? await readSummary(folder) : null;
  return { seconds, exitCode, summary, folder };
}

async function readSummary(folder: string): Promise<AbSummary> {
  return JSON.parse(await readFile(path.join(folder, 'ab.json'), 'utf8')) as AbSummary;
}

/** The timed runs of one comparison, per side, in the order they ran. */
async function timedRuns(folder: string): Promise<{ baseline: RunRecord[]; candidate: RunRecord[] }> {
  const summary = await readSummary(folder);
  const sides = { baseline: [] as RunRecord[], candidate: [] as RunRecord[] };
  for (const run of summary.runs.filter((entry) => entry.compared && entry.timed)) sides[run.side].push(await readRunRecord(path.join(folder, run.dir)));
  return sides;
}

/**
 * Per page, over every timed run of every comparison (both sides run the
 * same release): the median p95, and how far a run's p95 lies from the next
 * run's, |log ratio| as a percentage (median and 90th percentile).
 */
function describeNoise(comparisons: Array<{ baseline: RunRecord[]; candidate: RunRecord[] }>): string[] {
  const byPage = new Map<string, number[][]>();
  for (const sides of comparisons) {
    const runs = [...sides.baseline, ...sides.candidate];
    for (const page of new Set(runs.flatMap((run) => run.pages.map((entry) => entry.page)))) {
      const p95s = runs.map((run) => run.pages.find((entry) => entry.page === page)?.latencyMs.p95).filter((value): value is number => value !== undefined && value > 0);
      byPage.set(page, [...(byPage.get(page) ?? []), p95s]);
    }
  }
  return [...byPage].map(([page, series]) => {
    const steps = series.flatMap((p95s) => p95s.slice(1).map((value, i) => Math.abs(Math.log(value / p95s[i]!))));
    const sorted = [...steps].sort((a, b) => a - b);
    const percent = (log: number) => `${((Math.exp(log) - 1) * 100).toFixed(0)} %`;
    return `${page}: p95 median ${median(series.flat()).toFixed(1)} ms over ${series.flat().length} runs; run to run ${percent(median(sorted))} (median), ${percent(sorted[Math.floor(sorted.length * 0.9)] ?? 0)} (90th percentile)`;
  });
}

/** Each comparison judged again after 1, 2, … pairs with today's rule: at which pair each page was first decided, and what. */
function rejudge(comparisons: Array<{ baseline: RunRecord[]; candidate: RunRecord[] }>, tolerance: number, maxRepeats: number): string[] {
  const decidedAt = new Map<string, number[]>();
  const outcomes: Record<Verdict, number> = { SAME: 0, 'NOT SURE': 0, DIFFERENT: 0 };
  for (const sides of comparisons) {
    const pairs = Math.min(sides.baseline.length, sides.candidate.length);
    const pages = [...new Set(sides.baseline.flatMap((run) => run.pages.map((entry) => entry.page)))];
    for (const page of pages) {
      let verdict: Verdict = 'NOT SURE';
      for (let k = 1; k <= pairs && verdict === 'NOT SURE'; k += 1) {
        const options = { tolerance, maxRepeats, confidence: DEFAULT_THRESHOLDS.timingConfidence, resamples: DEFAULT_THRESHOLDS.bootstrapResamples };
        verdict = judgeTiming(page, sideSamples(sides.baseline.slice(0, k), page), sideSamples(sides.candidate.slice(0, k), page), options).verdict;
        if (verdict !== 'NOT SURE') decidedAt.set(page, [...(decidedAt.get(page) ?? []), k]);
      }
      outcomes[verdict] += 1;
    }
  }
  const lines = [`judged again pair by pair (tolerance ${tolerance * 100} %): ${outcomes.SAME} SAME, ${outcomes['NOT SURE']} NOT SURE, ${outcomes.DIFFERENT} DIFFERENT`];
  for (const [page, at] of decidedAt) lines.push(`  ${page}: decided in ${at.length} of ${comparisons.length} comparisons, after ${at.join(', ')} pair(s)`);
  return lines;
}

async function describeSeries(folders: readonly string[], tolerance: number, maxRepeats: number): Promise<void> {
  const comparisons = await Promise.all(folders.map(timedRuns));
  for (const line of [...describeNoise(comparisons), ...rejudge(comparisons, tolerance, maxRepeats)]) process.stdout.write(`ab-aa: ${line}\n`);
}

export async function main(args: string[]): Promise<number> {
  const rejudging = args.indexOf('--rejudge');
  if (rejudging !== -1) {
    const folders = args.slice(rejudging + 1).filter((arg) => !arg.startsWith('--'));
    const first = await readSummary(folders[0]!);
    await describeSeries(folders, first.tolerance, first.maxRepeats);
    return 0;
  }
  const comparisons = Number(flag(args, '--comparisons', '20'));
  const extra = ['--duration', flag(args, '--duration', '40s'), '--rate-scale', flag(args, '--rate-scale', '0.35'), '--max-repeats', flag(args, '--max-repeats', '5')];
  let falseAlarms = 0;
  const tally = { SAME: 0, 'NOT SURE': 0, DIFFERENT: 0 };
  const pairs: number[] = [];
  const minutes: number[] = [];
  let notCompared = 0;
  const folders: string[] = [];
  for (let index = 1; index <= comparisons; index += 1) {
    process.stderr.write(`ab-aa: comparison ${index} of ${comparisons}\n`);
    const { seconds, exitCode, summary, folder } = await compareOnce(extra);
    if (!summary || !folder) {
      process.stdout.write(`ab-aa: comparison ${index}: no ab.json (exit ${exitCode})\n`);
      return 1;
    }
    const different = summary.verdicts.filter((verdict) => verdict.verdict === 'DIFFERENT');
    falseAlarms += different.length > 0 ? 1 : 0;
    for (const verdict of summary.verdicts) tally[verdict.verdict] += 1;
    folders.push(folder);
    pairs.push(summary.pairs);
    minutes.push(seconds / 60);
    notCompared += summary.runs.filter((run) => !run.compared).length;
    const verdicts = summary.verdicts.map((verdict) => `${verdict.page} ${verdict.verdict} ${verdict.ratio.toFixed(2)}× (${verdict.low.toFixed(2)}–${verdict.high.toFixed(2)})`).join('; ');
    process.stdout.write(`ab-aa: #${index}: ${summary.pairs} pair(s), ${(seconds / 60).toFixed(1)} min, exit ${exitCode}, stopped: ${summary.stop.reason}: ${verdicts}\n`);
  }
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  process.stdout.write(
    `ab-aa: ${falseAlarms} of ${comparisons} comparisons called a page DIFFERENT (target ${TARGET_FALSE_ALARMS}); page verdicts: ${tally.SAME} SAME, ${tally['NOT SURE']} NOT SURE, ${tally.DIFFERENT} DIFFERENT; ` +
      `pairs used: mean ${mean(pairs).toFixed(1)}, most ${Math.max(...pairs)}; minutes per comparison: mean ${mean(minutes).toFixed(1)}, most ${Math.max(...minutes).toFixed(1)}; runs left out (machine busy or not delivered): ${notCompared}\n`,
  );
  process.stdout.write(`ab-aa: folders: ${folders.map((folder) => path.relative(ROOT, folder)).join(' ')}\n`);
  const first = await readSummary(folders[0]!);
  await describeSeries(folders, first.tolerance, first.maxRepeats);
  return falseAlarms <= TARGET_FALSE_ALARMS ? 0 : 1;
}
