import { Command, CommanderError } from 'commander';
import { REHEARSE_VERSION } from '../version.ts';
import { registerAb } from './ab.ts';
import { registerCapacity } from './capacity.ts';
import { registerCollect } from './collect.ts';
import { registerCompare } from './compare.ts';
import { registerDb } from './db.ts';
import { registerDbManage } from './db-manage.ts';
import { registerDoctor } from './doctor.ts';
import { exitCodeFor } from './fail.ts';
import { registerDemo } from './demo.ts';
import { registerProfile } from './profile.ts';
import { registerReport } from './report.ts';
import { registerRun } from './run.ts';
import { registerSeed } from './seed.ts';
import { registerUpgrade } from './upgrade.ts';
import { registerScenario } from './scenario.ts';

export function buildProgram(): Command {
  const program = new Command('rehearse')
    .description('Rehearse a release under production-like load before it ships.')
    .version(REHEARSE_VERSION, '-v, --version', 'print the rehearse version')
    .option('-c, --config <file>', 'config file (default: rehearse.config.{ts,mts,js,mjs} in the working directory)')
    .showHelpAfterError('(run `rehearse --help` for usage)')
    .exitOverride();
  registerDoctor(program);
  registerDb(program);
  registerDbManage(program);
  registerSeed(program);
  registerProfile(program);
  registerScenario(program);
  registerRun(program);
  registerCapacity(program);
  registerDemo(program);
  registerCollect(program);
  registerReport(program);
  registerCompare(program);
  registerAb(program);
  registerUpgrade(program);
  exitOverrideEverywhere(program);
  return program;
}

/** Commander exits by itself unless told not to, on every (sub)command. */
function exitOverrideEverywhere(command: Command): void {
  command.exitOverride();
  command.commands.forEach(exitOverrideEverywhere);
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version "fail" with exit code 0; usage errors get 2.
      return error.exitCode === 0 ? 0 : 2;
    }
    return exitCodeFor(error);
  }
}
