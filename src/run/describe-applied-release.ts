import type { RunContext } from './run-record-schema.ts';

/**
 * One line for what `--release` changed in how the app started:
 * `env PORTAL_RELEASE=login-hot-row, POOL_SIZE=2; command node v2.js; app from candidate.config.ts`,
 * `nothing (a label)` when it changed nothing.
 */
export function describeAppliedRelease(applied: RunContext['appliedRelease']): string {
  if (!applied) return 'nothing (a label)';
  const env = Object.entries(applied.env).map(([name, value]) => `${name}=${value}`);
  const parts = [
    env.length > 0 ? `env ${env.join(', ')}` : '',
    applied.command ? `command ${applied.command}` : '',
    applied.config ? `app from ${applied.config}` : '',
  ].filter(Boolean);
  return parts.join('; ') || 'nothing';
}
