/** 63, 4.5, 0.42: whole numbers bare, others with two significant decimals at most. */
export function formatCount(value: number): string {
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  if (Math.abs(value) >= 100) return Math.round(value).toLocaleString('en-US');
  if (Math.abs(value) >= 1) return String(Number(value.toFixed(1)));
  return String(Number(value.toFixed(2)));
}

/** 2.5×, 28×, 0.93× */
export function formatRatio(value: number): string {
  if (!Number.isFinite(value)) return 'new';
  return `${value >= 10 ? Math.round(value) : Number(value.toFixed(2))}×`;
}

/** 8.7 ms, 312 ms, 2.4 s */
export function formatMs(value: number): string {
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`;
  if (value >= 100) return `${Math.round(value)} ms`;
  if (value >= 10) return `${value.toFixed(1)} ms`;
  return `${value.toFixed(2)} ms`;
}

/** 812 B, 14.2 KiB, 3.1 MiB */
export function formatBytes(value: number): string {
  if (value >= 2 ** 20) return `${(value / 2 ** 20).toFixed(1)} MiB`;
  if (value >= 1024) return `${(value / 1024).toFixed(1)} KiB`;
  return `${Math.round(value)} B`;
}

/** 1.5 %, 0.02 % */
export function formatPercent(fraction: number): string {
  const percent = fraction * 100;
  return `${percent !== 0 && Math.abs(percent) < 0.1 ? percent.toFixed(2) : percent.toFixed(1)} %`;
}

/** The first `length` characters of a normalized query, for one-line sentences. */
export function shortQuery(query: string, length = 80): string {
  return query.length <= length ? query : `${query.slice(0, length - 1)}…`;
}

/** 42 s, 12 min 05 s, 3 h 05 min: a wall-clock length as a person says it. */
export function formatClock(seconds: number): string {
  const whole = Math.round(seconds);
  if (whole < 60) return `${Math.max(seconds, 0).toFixed(seconds < 10 ? 1 : 0)} s`;
  const pad = (value: number) => String(value).padStart(2, '0');
  if (whole < 3600) return `${Math.floor(whole / 60)} min ${pad(whole % 60)} s`;
  const minutes = Math.round(whole / 60);
  return `${Math.floor(minutes / 60)} h ${pad(minutes % 60)} min`;
}
