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
  const file = fileSystemFailure(error);
  if (file) {
    process.stderr.write(`rehearse: ${file}\n`);
    return 3;
  }
  process.stderr.write(`rehearse: unexpected error (a bug in rehearse; please report it)\n${(error as Error)?.stack ?? String(error)}\n`);
  return 3;
}

/** What the machine refused (a full disk, a read-only or unreadable folder, a name too long), which a person can fix. */
const MACHINE_ERRORS: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is used up',
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENAMETOOLONG: 'the file name is too long',
  EMFILE: 'too many open files (raise `ulimit -n`)',
};

function fileSystemFailure(error: unknown): string | undefined {
  const { code, path, syscall } = (error ?? {}) as NodeJS.ErrnoException;
  if (!code || !(code in MACHINE_ERRORS)) return undefined;
  return `${syscall ?? 'file operation'} ${path ?? ''} failed: ${MACHINE_ERRORS[code]} (${code}); fix that and run again`.replace('  ', ' ');
}
