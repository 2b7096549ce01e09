import os from 'node:os';
import type { Machine } from './run-record-schema.ts';

/** The machine a run's timings came from, for the record's context. */
export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryBytes: os.totalmem(),
    platform: os.platform(),
    arch: os.arch(),
  };
}
