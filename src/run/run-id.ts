import { randomBytes } from 'node:crypto';

/** `20261126-024501-parents-evening-login-spike-baseline`: sortable, readable, a folder name. */
export function makeRunId(scenario: string, label: string | undefined, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const parts = [stamp, scenario, label].filter(Boolean).join('-');
  return parts.replace(/[^A-Za-z0-9._-]+/g, '-');
}

/** A database name for one run's fresh copy of the template (Postgres names stop at 63 bytes). */
export function runDatabaseName(): string {
  return `rehearse_run_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}
