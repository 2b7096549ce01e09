import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { loadConfig } from '../config/load-config.ts';
import { addRunOptions, rehearseFromFlags, type RunFlags } from './run.ts';

const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/**
 * The spike compressed to a minute at about a third of its rates: a first
 * try that finishes in under two minutes on 2 cores, logins included (each
 * pays a real scrypt hash).
 */
const DEMO_DURATION = '60s';
const DEMO_RATE_SCALE = '0.35';

export function registerDemo(program: Command): void {
  addRunOptions(
    program
      .command('demo')
      .description("run the parents'-evening login spike against the bundled school-portal app and print where the run record and report are")
      .option('--release <name>', "school-portal release, one of the releases in rehearse's own rehearse.config.ts (an unknown name lists them)", 'baseline'),
  ).action(async (flags: RunFlags) => {
    // The releases come from the bundled config, as a user's come from theirs: an unknown name is refused there.
    const loaded = await loadConfig(PACKAGE_ROOT, path.join(PACKAGE_ROOT, 'rehearse.config.ts'));
    const scenario = path.relative(process.cwd(), path.join(PACKAGE_ROOT, 'scenarios/parents-evening-login-spike.ts'));
    await rehearseFromFlags(scenario, { duration: DEMO_DURATION, rateScale: DEMO_RATE_SCALE, release: 'baseline', ...flags }, loaded);
  });
}
