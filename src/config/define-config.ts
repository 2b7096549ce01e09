import type { UserConfig } from './schema.ts';

/**
 * Types a rehearse.config.ts. Validation happens when rehearse loads the file.
 *
 * @example
 * ```ts
 * import { defineConfig } from 'rehearse';
 *
 * export default defineConfig({
 *   db: { provider: 'embedded', settings: { work_mem: '16MB' } },
 *   app: { command: 'node server.js', healthPath: '/healthz' },
 *   budgets: { pages: { 'My Bookings': { p95Ms: 300 } } },
 * });
 * ```
 */
export function defineConfig(config: UserConfig): UserConfig {
  return config;
}
