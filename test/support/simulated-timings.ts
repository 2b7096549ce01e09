import { seededRandom } from '../../src/analyze/statistics.ts';
import type { SideSamples } from '../../src/analyze/timing-verdict.ts';

/**
 * Simulated per-run evidence for one page, with a known effect: each run's
 * level moves by a lognormal run factor (σ `runSpread`), and its per-second
 * p95s wobble around that level with autocorrelated lognormal noise
 * (σ `secondSpread`, lag-1 correlation 0.5), as a timeline does. The run's
 * own p95 moves with both: σ ≈ 0.08 in all, 95 % of runs within ±15 %, the
 * ±10–15 % a run's p95 moves on a shared machine.
 */
export interface SimulationNoise {
  runSpread: number;
  secondSpread: number;
  seconds: number;
}

export const REALISTIC_NOISE: SimulationNoise = { runSpread: 0.045, secondSpread: 0.25, seconds: 40 };

export function gaussian(random: () => number): () => number {
  return () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export function simulateRun(normal: () => number, level: number, noise: SimulationNoise): SideSamples['runs'][number] {
  const runLevel = level * Math.exp(noise.runSpread * normal());
  const secondP95s: number[] = [];
  let drift = 0;
  for (let second = 0; second < noise.seconds; second += 1) {
    drift = 0.5 * drift + Math.sqrt(1 - 0.25) * normal();
    secondP95s.push(runLevel * Math.exp(noise.secondSpread * drift));
  }
  const sorted = [...secondP95s].sort((a, b) => a - b);
  // The run's own p95 (its histogram) sits near the middle of its per-second p95s, a little above.
  return { p95: sorted[Math.floor(sorted.length * 0.55)]! * Math.exp(0.02 * normal()), secondP95s };
}

/** `runs` runs per side of one seeded trial: the baseline at 100 ms, the candidate at 100 ms × `effect`. */
export function simulatePair(seed: number, runs: number, effect: number, noise = REALISTIC_NOISE): { baseline: SideSamples; candidate: SideSamples } {
  const normal = gaussian(seededRandom(seed));
  const baseline: SideSamples = { runs: [] };
  const candidate: SideSamples = { runs: [] };
  // Alternating, as `ab` runs them.
  for (let run = 0; run < runs; run += 1) {
    baseline.runs.push(simulateRun(normal, 100, noise));
    candidate.runs.push(simulateRun(normal, 100 * effect, noise));
  }
  return { baseline, candidate };
}

/** The first `runs` runs of each side: the evidence after that many pairs. */
export function firstPairs(pair: { baseline: SideSamples; candidate: SideSamples }, runs: number): { baseline: SideSamples; candidate: SideSamples } {
  return { baseline: { runs: pair.baseline.runs.slice(0, runs) }, candidate: { runs: pair.candidate.runs.slice(0, runs) } };
}
