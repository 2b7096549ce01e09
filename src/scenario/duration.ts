const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };
const DURATION = /^(\d+(?:\.\d+)?(?:ms|s|m|h))+$/;

/** True for k6-style durations: `30s`, `1m30s`, `500ms`, `2h`. */
export function isDuration(text: string): boolean {
  return DURATION.test(text);
}

/** `1m30s` → 90. Throws on anything that is not a duration. */
export function parseDuration(text: string): number {
  if (!isDuration(text)) throw new Error(`not a duration: ${JSON.stringify(text)} (expected e.g. "30s", "1m30s", "500ms")`);
  let seconds = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  }
  return seconds;
}

/** 90 → `90s`; 0.5 → `500ms`. Whole seconds or milliseconds, as k6 reads them. */
export function formatDuration(seconds: number): string {
  if (Number.isInteger(seconds)) return `${seconds}s`;
  return `${Math.max(1, Math.round(seconds * 1000))}ms`;
}
