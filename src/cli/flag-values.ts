import { UsageError } from '../errors.ts';
import { parseDuration } from '../scenario/duration.ts';
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

/** `--duration` and `--rate-scale`, as `scenario build`, `run` and `demo` take them. */
export function loadShapeFlags(flags: { duration?: string; rateScale?: string }): BuildOptions {
  const build: BuildOptions = {};
  if (flags.duration) {
    try {
      build.durationSeconds = parseDuration(flags.duration);
    } catch {
      throw new UsageError(`--duration: expected a duration such as "30s" or "2m", got ${JSON.stringify(flags.duration)}`);
    }
  }
  const rateScale = positiveNumber('--rate-scale', flags.rateScale);
  if (rateScale !== undefined) build.rateScale = rateScale;
  return build;
}
