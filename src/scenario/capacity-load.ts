import { UsageError } from '../errors.ts';
import type { RunContext } from '../run/run-record-schema.ts';
import { checkScenario } from './check-scenario.ts';
import type { Scenario } from './define-scenario.ts';
import { stepped, type LoadShape } from './load-shapes.ts';

/** The steps of a capacity run, in arrivals/s of every journey together; each left out takes its default. */
export interface CapacitySteps {
  from?: number;
  to?: number;
  steps?: number;
  hold?: string;
  warmup?: string;
}

/** A capacity run climbs from a quarter of the expected peak to three times it: the peak sits low, the limit usually inside. */
export const DEFAULT_CAPACITY_STEPS = { fromPeak: 0.25, toPeak: 3, steps: 8, hold: '30s', warmup: '10s' } as const;

export interface CapacityLoad {
  /** The scenario with every journey's load replaced by plateaus. */
  scenario: Scenario;
  /** What the run is judged against, for the record. */
  capacity: NonNullable<RunContext['capacity']>;
  /** The plateaus' rates, every journey together. */
  rates: number[];
}

/** The rate a shape reaches at its highest, arrivals/s; null for shapes that loop VUs instead. */
function shapePeak(load: LoadShape): number | null {
  switch (load.kind) {
    case 'spike':
      return load.peak;
    case 'steady':
    case 'soak':
      return load.rate;
    case 'breakpoint':
    case 'stepped':
      return load.to;
    case 'vus':
    case 'ramping-vus':
      return null;
  }
}

/**
 * Each journey's expected peak: from the config's `capacity.peak` when it
 * names every journey of the scenario, else the rate the scenario's own
 * load reaches at its highest. A config that names some journeys and not
 * others is refused: mixing the two would skew the ratio.
 */
export function expectedPeaks(scenario: Scenario, configPeaks: Record<string, number> | undefined): NonNullable<RunContext['capacity']> {
  const journeys = Object.keys(scenario.journeys);
  const named = journeys.filter((journey) => configPeaks?.[journey] !== undefined);
  if (named.length > 0 && named.length < journeys.length) {
    const missing = journeys.filter((journey) => !named.includes(journey));
    throw new UsageError(`capacity.peak: names ${named.join(', ')} but not ${missing.join(', ')} of scenario ${scenario.name}: give every journey's peak (arrivals/s) or none`);
  }
  if (named.length > 0) {
    const peaks = Object.fromEntries(journeys.map((journey) => [journey, configPeaks![journey]!]));
    return { expectedPeak: sum(Object.values(peaks)), peaks, source: 'config' };
  }
  const peaks: Record<string, number> = {};
  for (const journey of journeys) {
    const peak = shapePeak(scenario.journeys[journey]!.load);
    if (peak === null) throw new UsageError(`${scenario.name}: journeys.${journey}.load: loops VUs (${scenario.journeys[journey]!.load.kind}) instead of starting arrivals, so it has no peak rate: set capacity.peak.${journey} (arrivals/s) in the config`);
    peaks[journey] = peak;
  }
  return { expectedPeak: sum(Object.values(peaks)), peaks, source: 'scenario' };
}

const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

/**
 * The scenario a capacity run drives: every journey's load replaced by
 * plateaus from `from` to `to` arrivals/s (every journey together; by
 * default a quarter of the expected peak to three times it, in 8 steps),
 * each journey keeping its share of the expected peak.
 *
 * @example
 * const { scenario: stepped, rates } = capacityLoad(scenario, { parents: 16 }, { steps: 4, hold: '6s', warmup: '2s' });
 */
export function capacityLoad(scenario: Scenario, configPeaks: Record<string, number> | undefined, steps: CapacitySteps = {}): CapacityLoad {
  const capacity = expectedPeaks(scenario, configPeaks);
  const from = steps.from ?? round(capacity.expectedPeak * DEFAULT_CAPACITY_STEPS.fromPeak);
  const to = steps.to ?? round(capacity.expectedPeak * DEFAULT_CAPACITY_STEPS.toPeak);
  if (from >= to) throw new UsageError(`--from: expected a first step below the last (${to} arrivals/s), got ${from}`);
  const count = steps.steps ?? DEFAULT_CAPACITY_STEPS.steps;
  if (!(count >= 2 && count <= 50)) throw new UsageError(`--steps: expected 2 to 50 steps, got ${count}`);
  const hold = steps.hold ?? DEFAULT_CAPACITY_STEPS.hold;
  const warmup = steps.warmup ?? DEFAULT_CAPACITY_STEPS.warmup;
  const journeys = Object.fromEntries(
    Object.entries(scenario.journeys).map(([name, journey]) => {
      const share = capacity.peaks[name]! / capacity.expectedPeak;
      const maxVUs = 'maxVUs' in journey.load ? journey.load.maxVUs : undefined;
      const load = stepped({ from: round(from * share), to: round(to * share), steps: count, hold, warmup, ...(maxVUs !== undefined ? { maxVUs } : {}) });
      return [name, { ...journey, load }];
    }),
  );
  const adapted: Scenario = { ...scenario, journeys };
  const problems = checkScenario(adapted);
  if (problems.length > 0) throw new UsageError(problems.map((problem) => `${scenario.name}: ${problem.path}: ${problem.message}`).join('\n'));
  const gap = (to - from) / (count - 1);
  return { scenario: adapted, capacity, rates: Array.from({ length: count }, (_, index) => round(from + gap * index)) };
}

const round = (value: number) => Math.round(value * 1000) / 1000;
