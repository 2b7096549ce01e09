import type { Command } from 'commander';
import { UsageError } from '../errors.ts';
import type { PlannedScenario } from '../run/run-record-schema.ts';
import { capacityLoad, DEFAULT_CAPACITY_STEPS, type CapacitySteps } from '../scenario/capacity-load.ts';
import { isDuration } from '../scenario/duration.ts';
import { loadCommandConfig, type GlobalFlags } from './context.ts';
import { positiveNumber, positiveWholeNumber } from './flag-values.ts';
import { addReleaseOptions, addRunOptions, rehearseFromFlags, type RunFlags } from './run.ts';

interface CapacityFlags extends RunFlags {
  from?: string;
  to?: string;
  steps?: string;
  hold?: string;
  warmup?: string;
}

function durationFlag(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isDuration(value)) throw new UsageError(`${flag}: expected a duration such as "30s" or "1m", got ${JSON.stringify(value)}`);
  return value;
}

function capacitySteps(flags: CapacityFlags): CapacitySteps {
  const steps: CapacitySteps = {};
  const from = positiveNumber('--from', flags.from);
  const to = positiveNumber('--to', flags.to);
  const count = positiveWholeNumber('--steps', flags.steps);
  const hold = durationFlag('--hold', flags.hold);
  const warmup = durationFlag('--warmup', flags.warmup);
  if (from !== undefined) steps.from = from;
  if (to !== undefined) steps.to = to;
  if (count !== undefined) steps.steps = count;
  if (hold !== undefined) steps.hold = hold;
  if (warmup !== undefined) steps.warmup = warmup;
  return steps;
}

/**
 * Says each step as k6 reaches it: "step 3 of 8: 24 arrivals/s". Timed from
 * the plan (k6 starts every plateau at its `startTime`), so it may run a
 * second ahead of k6 while k6 starts its VUs.
 */
function stepProgress(write: (line: string) => void): { onLoadStart: (plan: PlannedScenario[]) => void; stop: () => void } {
  const timers: NodeJS.Timeout[] = [];
  const onLoadStart = (plan: PlannedScenario[]) => {
    const steps = [...new Set(plan.flatMap((entry) => (entry.step === null ? [] : [entry.step])))].sort((a, b) => a - b);
    for (const step of steps) {
      const entries = plan.filter((entry) => entry.step === step);
      const measured = entries.filter((entry) => !entry.warmup);
      const warmup = entries.find((entry) => entry.warmup);
      const offered = measured.reduce((total, entry) => total + (entry.offeredRate ?? 0), 0);
      const hold = Math.max(...measured.map((entry) => entry.durationSeconds));
      const line = `step ${step + 1} of ${steps.length}: ${Number(offered.toFixed(1))} arrivals/s (${warmup ? `${warmup.durationSeconds}s warm-up, then ` : ''}${hold}s measured)`;
      const timer = setTimeout(() => write(line), Math.min(...entries.map((entry) => entry.startSeconds)) * 1000);
      timer.unref();
      timers.push(timer);
    }
  };
  return { onLoadStart, stop: () => timers.forEach(clearTimeout) };
}

export function registerCapacity(program: Command): void {
  addRunOptions(
    addReleaseOptions(
      program
        .command('capacity <scenario>')
        .description("measure how much load the release takes: the scenario's journeys on rising plateaus of arrivals, the highest rate every budget holds at, and the headroom over the expected peak; exit 1 below it"),
    )
      .option('--from <n>', `arrivals/s of the first step, every journey together (default: ${DEFAULT_CAPACITY_STEPS.fromPeak}× the expected peak)`)
      .option('--to <n>', `arrivals/s of the last step (default: ${DEFAULT_CAPACITY_STEPS.toPeak}× the expected peak)`)
      .option('--steps <n>', `how many steps (default ${DEFAULT_CAPACITY_STEPS.steps})`)
      .option('--hold <d>', `how long each step is measured (default ${DEFAULT_CAPACITY_STEPS.hold})`)
      .option('--warmup <d>', `how long each step runs before it is measured (default ${DEFAULT_CAPACITY_STEPS.warmup})`),
  )
    .addHelpText('after', "\nThe expected peak: the config's capacity.peak (arrivals/s per journey), else the highest rate of each journey's own load.")
    .action(async (scenario: string, flags: CapacityFlags, command: Command) => {
      const steps = capacitySteps(flags);
      const loaded = await loadCommandConfig(command.optsWithGlobals<GlobalFlags>());
      const progress = stepProgress((line) => process.stderr.write(`${line}\n`));
      try {
        await rehearseFromFlags(scenario, flags, loaded, {
          adaptScenario: (loadedScenario) => {
            const load = capacityLoad(loadedScenario, loaded.config.capacity?.peak, steps);
            const peak = `expected peak ${Number(load.capacity.expectedPeak.toFixed(1))} arrivals/s (${load.capacity.source === 'config' ? 'config capacity.peak' : "the scenario's own peak"})`;
            process.stderr.write(`capacity: ${load.rates.length} steps of ${load.rates.map((rate) => Number(rate.toFixed(1))).join(', ')} arrivals/s; ${peak}\n`);
            return load;
          },
          onLoadStart: progress.onLoadStart,
        });
      } finally {
        progress.stop();
      }
    });
}
