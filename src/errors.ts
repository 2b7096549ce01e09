/**
 * Every failure rehearse reports to a person is a RehearseError with a stable
 * `code`, a message that says what to do, and the exit code the CLI uses.
 * Only the CLI entry point formats these; the library just throws them.
 */
export abstract class RehearseError extends Error {
  abstract readonly code: string;
  abstract readonly exitCode: 2 | 3;

  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, ...this.details };
  }
}

/** Bad usage: an invalid flag value, an unknown command argument. Exit 2. */
export class UsageError extends RehearseError {
  readonly code = 'usage';
  readonly exitCode = 2;
}

/** A user's file (config, scenario, run record) that cannot be used. Exit 2. */
export abstract class FileError extends RehearseError {
  readonly exitCode = 2;

  constructor(
    readonly file: string,
    message: string,
    details: Record<string, unknown> = {},
  ) {
    super(message, { file, ...details });
  }
}

/** The config file is missing, does not import, or fails validation. Exit 2. */
export class ConfigError extends FileError {
  readonly code = 'config';
}

/** A database rehearse must not write to. Exit 2, before any write. */
export class UnsafeTargetError extends RehearseError {
  readonly code = 'unsafe-target';
  readonly exitCode = 2;
}

/**
 * A real part (database, container, app, k6) did not start or died. Exit 3.
 * `outputTail` carries the last lines of the failing process's output.
 */
export class InfrastructureError extends RehearseError {
  readonly code = 'infrastructure';
  readonly exitCode = 3;

  constructor(
    message: string,
    readonly outputTail: string = '',
    details: Record<string, unknown> = {},
  ) {
    super(outputTail ? `${message}\n--- last output ---\n${outputTail}` : message, details);
  }
}

/** A scenario file is missing, does not import, or fails validation. Exit 2. */
export class ScenarioError extends FileError {
  readonly code = 'scenario';
}

/** A statement mark (`rehearse collect --mark-start`) that cannot be used: missing, not one, or another database's. Exit 2. */
export class StatementMarkError extends FileError {
  readonly code = 'statement-mark';
}

/**
 * A run record that cannot be used: missing, not JSON, not a run record, or
 * written by an incompatible schema version. Exit 2: the input is wrong.
 */
export class RunRecordError extends FileError {
  readonly code = 'run-record';
}
