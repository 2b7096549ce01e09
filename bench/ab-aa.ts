/**
 * Benchmark part: A/A comparisons — `rehearse ab` with the baseline release
 * on both sides, again and again, to count how often an unchanged release is
 * called DIFFERENT (a false alarm; the goal is none in 20) and how many pairs
 * each comparison needed to decide. Each comparison is a real `rehearse ab`
 * of the demo scenario; its figures come from its ab.json.
 *
 * `npm run bench -- --only ab-aa [--comparisons 20] [--duration 40s] [--rate-scale 0.35] [--max-repeats 5]`
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AbSummary } from '../src/ab/ab-summary.ts';

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
  const summary = created.length === 1 ? (JSON.parse(await readFile(path.join(REPORTS, created[0]!, 'ab.json'), 'utf8')) as AbSummary) : null;
  return { seconds, exitCode, summary };
}

export async function main(args: string[]): Promise<number> {
  const comparisons = Number(flag(args, '--comparisons', '20'));
  const extra = ['--duration', flag(args, '--duration', '40s'), '--rate-scale', flag(args, '--rate-scale', '0.35'), '--max-repeats', flag(args, '--max-repeats', '5')];
  let falseAlarms = 0;
  const tally = { SAME: 0, 'NOT SURE': 0, DIFFERENT: 0 };
  const pairs: number[] = [];
  const minutes: number[] = [];
  let notCompared = 0;
  for (let index = 1; index <= comparisons; index += 1) {
    process.stderr.write(`ab-aa: comparison ${index} of ${comparisons}\n`);
    const { seconds, exitCode, summary } = await compareOnce(extra);
    if (!summary) {
      process.stdout.write(`ab-aa: comparison ${index}: no ab.json (exit ${exitCode})\n`);
      return 1;
    }
    const different = summary.verdicts.filter((verdict) => verdict.verdict === 'DIFFERENT');
    falseAlarms += different.length > 0 ? 1 : 0;
    for (const verdict of summary.verdicts) tally[verdict.verdict] += 1;
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
  return falseAlarms <= TARGET_FALSE_ALARMS ? 0 : 1;
}
