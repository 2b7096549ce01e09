import type { SamplerFailures } from '../run/run-record-schema.ts';

/** A sampler that is running; whoever started it calls stop(). */
export interface IntervalSampler<Sample> {
  /** Samples so far, oldest first. */
  readonly samples: readonly Sample[];
  /** Samples that could not be taken (the database went away, the app stopped answering). */
  readonly failures: SamplerFailures;
  /**
   * Stops sampling, waits (a few seconds at most) for a sample in flight, and
   * returns every sample. With `{ final: true }` it first takes one last
   * sample, so counters cover everything up to now. Idempotent.
   */
  stop(options?: { final?: boolean }): Promise<Sample[]>;
}

export interface IntervalSamplerOptions {
  intervalMs: number;
  /** Oldest samples are dropped beyond this many. Default: a day at the interval. */
  maxSamples?: number;
  /** How long stop() waits for a sample in flight (a hung server must not hang the run). Default 5000. */
  stopTimeoutMs?: number;
}

/**
 * Calls `take` now and then every `intervalMs` on a fixed cadence (a slow
 * sample delays the next one, never overlaps it). A failing `take` is
 * counted, not thrown: the orchestrator decides what a dead database means.
 */
export function startIntervalSampler<Sample>(take: () => Promise<Sample>, options: IntervalSamplerOptions): IntervalSampler<Sample> {
  const samples: Sample[] = [];
  const failures: SamplerFailures = { count: 0, last: null };
  const maxSamples = options.maxSamples ?? Math.ceil(86_400_000 / options.intervalMs);
  const startedAt = Date.now();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<void> = Promise.resolve();

  const sampleOnce = (): Promise<void> =>
    take()
      .then((sample) => {
        samples.push(sample);
        if (samples.length > maxSamples) samples.shift();
      })
      .catch((error: unknown) => {
        failures.count += 1;
        failures.last = error instanceof Error ? error.message : String(error);
      });

  const tick = (): void => {
    inFlight = sampleOnce().finally(schedule);
  };

  const schedule = (): void => {
    if (stopped) return;
    const elapsed = Date.now() - startedAt;
    const wait = options.intervalMs - (elapsed % options.intervalMs);
    timer = setTimeout(tick, wait);
    timer.unref();
  };

  tick();
  return {
    samples,
    failures,
    async stop(stopOptions = {}) {
      const final = !stopped && stopOptions.final === true;
      stopped = true;
      clearTimeout(timer);
      let giveUp: NodeJS.Timeout | undefined;
      const timeout = new Promise<void>((resolve) => {
        giveUp = setTimeout(resolve, options.stopTimeoutMs ?? 5000);
      });
      const last = final ? inFlight.then(sampleOnce) : inFlight;
      await Promise.race([last, timeout]);
      clearTimeout(giveUp);
      return [...samples];
    },
  };
}
