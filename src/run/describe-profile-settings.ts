import type { RunContext } from './run-record-schema.ts';

/**
 * One line for production's planner settings on the run's database:
 * `from production.json (PostgreSQL 16.4): random_page_cost=1.1, jit=on; not applied: shared_buffers=8GB (set only when …)`,
 * `rehearse's own (no profile)` without one.
 */
export function describeProfileSettings(applied: RunContext['profileSettings']): string {
  if (!applied) return "rehearse's own (no profile)";
  const taken = applied.settings.filter((setting) => !setting.notApplied).map((setting) => `${setting.name}=${setting.value}`);
  const refused = applied.settings.filter((setting) => setting.notApplied).map((setting) => `${setting.name}=${setting.value} (${setting.notApplied})`);
  const parts = [
    `from ${applied.source} (PostgreSQL ${applied.capturedOn}): ${taken.join(', ') || 'none applied'}`,
    ...(applied.reanalyzed ? ['analyzed again with its default_statistics_target'] : []),
    ...(refused.length > 0 ? [`not applied: ${refused.join(', ')}`] : []),
  ];
  return parts.join('; ');
}
