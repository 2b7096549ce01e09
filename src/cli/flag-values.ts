import os from 'node:os';
import { UsageError } from '../errors.ts';
import { parseDuration } from '../scenario/duration.ts';
import { machineVuCeiling, type VuCeiling } from '../scenario/load-shapes.ts';
import type { BuildOptions } from '../scenario/plan-script.ts';

/** A numeric flag, or undefined when absent; exit 2 naming the flag when `valid` says no. */
function numberFlag(flag: string, value: string | undefined, valid: (n: number) => boolean, expected: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!valid(n)) throw new UsageError(`${flag}: expected ${expected}, got ${JSON.stringify(value)}`);
  return n;
}

export const positiveNumber = (flag: string, value: string | undefined) => numberFlag(flag, value, (n) => Number.isFinite(n) && n > 0, 'a number > 0');
export const wholeNumber = (flag: string, value: string | undefined) => numberFlag(flag, value, (n) => Number.isSafeInteger(n) && n >= 0, 'a whole number >= 0');
export const positiveWholeNumber = (flag: string, value: string | undefined) => numberFlag(flag, value, (n) => Number.isSafeInteger(n) && n > 0, 'a whole number > 0');

/**
 * The most VUs a load may ask k6 for: `--max-vus`, else REHEARSE_MAX_VUS,
 * else what this machine's memory holds.
 */
export function vuCeilingFrom(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): VuCeiling {
  const fromFlag = positiveWholeNumber('--max-vus', flag);
  if (fromFlag !== undefined) return { vus: fromFlag, source: 'the ceiling set by --max-vus' };
  const fromEnv = positiveWholeNumber('REHEARSE_MAX_VUS', env.REHEARSE_MAX_VUS || undefined);
  if (fromEnv !== undefined) return { vus: fromEnv, source: 'the ceiling set by REHEARSE_MAX_VUS' };
  return machineVuCeiling(os.totalmem());
}

/** A k6-style duration flag (`20s`, `1m30s`) in seconds, or undefined when absent; exit 2 naming the flag otherwise. */
export function durationFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = (() => {
    try {
      return parseDuration(value);
    } catch {
      return Number.NaN;
    }
  })();
  if (!(seconds >= 0)) throw new UsageError(`${flag}: expected a duration such as "20s" or "1m30s", got ${JSON.stringify(value)}`);
  return seconds;
}

/** `--duration`, `--rate-scale` and `--max-vus`, as `scenario build`, `run` and `demo` take them. */
export function loadShapeFlags(flags: { duration?: string; rateScale?: string; maxVus?: string }): BuildOptions {
  const build: BuildOptions = { vuCeiling: vuCeilingFrom(flags.maxVus) };
  if (flags.duration) {
    const seconds = durationFlag('--duration', flags.duration) ?? Number.NaN;
    if (!(seconds > 0)) throw new UsageError(`--duration: expected a duration > 0 such as "30s" or "2m", got ${JSON.stringify(flags.duration)}`);
    build.durationSeconds = seconds;
  }
  const rateScale = positiveNumber('--rate-scale', flags.rateScale);
  if (rateScale !== undefined) build.rateScale = rateScale;
  return build;
}

export const DB_VERSION_HELP = 'Postgres major, 15 | 16 | 17 | 18 (default: REHEARSE_DB_VERSION, db.version, the major of --profile, else 18); the embedded binaries are installed on first use';
