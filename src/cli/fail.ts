import { RehearseError } from '../errors.ts';
import { InterruptedError } from '../system/abort.ts';

/**
 * The one place errors become text and exit codes: user errors print their
 * message only (2), infrastructure failures their message and output tail
 * (3), interruptions 130, and unexpected bugs keep their stack (3).
 */
export function exitCodeFor(error: unknown): number {
  if (error instanceof RehearseError) {
    process.stderr.write(`rehearse: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof InterruptedError) {
    process.stderr.write('rehearse: interrupted; everything it started has been stopped\n');
    return 130;
  }
  process.stderr.write(`rehearse: unexpected error (a bug in rehearse; please report it)\n${(error as Error)?.stack ?? String(error)}\n`);
  return 3;
}
