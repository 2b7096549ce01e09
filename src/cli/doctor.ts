import type { Command } from 'commander';
import { resolveDbOptions } from '../config/resolve-options.ts';
import type { DoctorLine } from '../doctor/run-doctor.ts';
import { runDoctor } from '../doctor/run-doctor.ts';
import { locateK6 } from '../k6/locate-k6.ts';
import { loadCommandConfig, type GlobalFlags } from './context.ts';
import { withInterrupts } from './interrupts.ts';

const MARK: Record<DoctorLine['status'], string> = { ok: 'ok', warn: 'warn', missing: 'MISSING', skipped: 'skip' };

export function formatDoctorLine(line: DoctorLine): string {
  const head = `  ${MARK[line.status].padEnd(8)}${line.label.padEnd(20)}${line.detail}`;
  return line.status === 'ok' || !line.fix ? head : `${head}\n${' '.repeat(30)}→ ${line.fix}`;
}

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('check Node, k6, Go, Docker, each Postgres provider and the cache server; exit 0 when the embedded default works')
    .option('--json', 'print the checks as JSON')
    .option('--fix', 'first build what rehearse can build itself (k6, with Go)')
    .action(async (flags: { json?: boolean; fix?: boolean }, command: Command) => {
      const { config } = await loadCommandConfig(command.optsWithGlobals<GlobalFlags>());
      if (flags.fix) await withInterrupts((signal) => locateK6({ signal, onProgress: (line) => process.stderr.write(`${line}\n`) }));
      const report = await runDoctor({ env: process.env, db: resolveDbOptions(config.db, process.env, {}), ...(config.services?.redis ? { redis: config.services.redis } : {}) });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        process.stdout.write(`rehearse doctor\n${report.lines.map(formatDoctorLine).join('\n')}\n`);
        process.stdout.write(report.ok ? '\nThe embedded default path works.\n' : '\nA required part is missing (see MISSING above).\n');
      }
      process.exitCode = report.ok ? 0 : 3;
    });
}
