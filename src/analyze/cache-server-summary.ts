import type { CacheServerSection, RunRecord } from '../run/run-record-schema.ts';

/** The cache server over a load, from its per-second samples. */
export interface CacheServerSummary {
  /** Commands per second: the mean over the samples, and the busiest interval. */
  meanCommandsPerSecond: number;
  peakCommandsPerSecond: number;
  /** Hits over lookups (hits + misses) over the whole load; null without a lookup. */
  hitRatio: number | null;
  /** Cores busy: the busiest interval. */
  peakCpuCores: number;
  peakMemoryBytes: number;
  peakClients: number;
}

/**
 * The cache server's load in a few figures; null when it was not measured or
 * left no sample.
 *
 * @example
 * summarizeCacheServer(record.cacheServer)?.hitRatio; // 0.97
 */
export function summarizeCacheServer(section: CacheServerSection | undefined): CacheServerSummary | null {
  const samples = section?.samples ?? [];
  if (!section || samples.length === 0) return null;
  const perSecond = samples.map((sample) => Object.values(sample.commands).reduce((sum, calls) => sum + calls, 0) / (section.intervalMs / 1000));
  const hits = samples.reduce((sum, sample) => sum + sample.hits, 0);
  const lookups = hits + samples.reduce((sum, sample) => sum + sample.misses, 0);
  return {
    meanCommandsPerSecond: perSecond.reduce((sum, value) => sum + value, 0) / perSecond.length,
    peakCommandsPerSecond: Math.max(...perSecond),
    hitRatio: lookups === 0 ? null : hits / lookups,
    peakCpuCores: Math.max(...samples.map((sample) => sample.cpuCores)),
    peakMemoryBytes: Math.max(...samples.map((sample) => sample.usedMemoryBytes)),
    peakClients: Math.max(...samples.map((sample) => sample.connectedClients)),
  };
}

/** One run's cache server in an analysis: its summary, or why it was not measured. */
export interface CacheServerRun {
  run: string;
  role: 'candidate' | 'baseline';
  /** `started` (rehearse ran redis-server) or `url`; null when not measured. */
  source: CacheServerSection['source'];
  notMeasured: string | null;
  summary: CacheServerSummary | null;
}

/** The cache server of every run that configured one, candidates first; null when none did. */
export function cacheServerRuns(candidates: readonly RunRecord[], baselines: readonly RunRecord[]): CacheServerRun[] | null {
  const side = (runs: readonly RunRecord[], role: CacheServerRun['role']) =>
    runs.flatMap((run) => (run.cacheServer ? [{ run: run.id, role, source: run.cacheServer.source, notMeasured: run.cacheServer.notMeasured, summary: summarizeCacheServer(run.cacheServer) }] : []));
  const runs = [...side(candidates, 'candidate'), ...side(baselines, 'baseline')];
  return runs.length > 0 ? runs : null;
}
