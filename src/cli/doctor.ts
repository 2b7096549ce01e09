import type { Command } from 'commander';
import { resolveDbOptions } from '../config/resolve-options.ts';
import type { DoctorLine } from '../doctor/run-doctor.ts';
import { runDoctor } from '../doctor/run-doctor.ts';
import { locatePostgresBinaries } from '../db/embedded-binaries.ts';
import { DEFAULT_POSTGRES_MAJOR } from '../db/postgres-majors.ts';
import { locateK6 } from '../k6/locate-k6.ts';
import { DB_VERSION_HELP } from './flag-values.ts';
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
    .description('check Node, k6, Go, Docker and each Postgres provider; exit 0 when the embedded default works')
    .option('--json', 'print the checks as JSON')
    .option('--fix', 'first build or install what rehearse can itself: k6 (with Go), the chosen Postgres major (with npm)')
    .option('--db-version <major>', DB_VERSION_HELP)
    .action(async (flags: { json?: boolean; fix?: boolean; dbVersion?: string }, command: Command) => {
      const { config } = await loadCommandConfig(command.optsWithGlobals<GlobalFlags>());
      const db = resolveDbOptions(config.db, process.env, flags);
      const onProgress = (line: string) => process.stderr.write(`${line}\n`);
      if (flags.fix) {
        await withInterrupts(async (signal) => {
          await locateK6({ signal, onProgress });
          await locatePostgresBinaries(db.version ?? DEFAULT_POSTGRES_MAJOR, { signal, onProgress });
        });
      }
      const report = await runDoctor({ env: process.env, db });
      if (flags.json) {
        process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      } else {
        process.stdout.write(`rehearse doctor\n${report.lines.map(formatDoctorLine).join('\n')}\n`);
        process.stdout.write(report.ok ? '\nThe embedded default path works.\n' : '\nA required part is missing (see MISSING above).\n');
      }
      process.exitCode = report.ok ? 0 : 3;
    });
}
