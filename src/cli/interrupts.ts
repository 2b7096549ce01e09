/** Why the work was aborted when rehearse itself failed unexpectedly (not the user). */
export class CrashError extends Error {
  constructor(override readonly cause: unknown) {
    super(`rehearse crashed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'CrashError';
  }
}

/**
 * Runs `work` with an AbortSignal that SIGINT/SIGTERM abort, so every owner
 * of a process, server or container can stop it in its own `finally`. An
 * uncaught exception or rejection aborts the same way (reason: a
 * CrashError), so a crash still stops everything and records the run as
 * incomplete. A second signal while shutting down exits at once.
 */
export async function withInterrupts<T>(work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      process.stderr.write(`\nreceived ${name} again: exiting without cleaning up\n`);
      process.exit(130);
    }
    process.stderr.write(`\nreceived ${name}: stopping everything rehearse started…\n`);
    controller.abort(name);
  };
  const onCrash = (error: unknown) => {
    process.stderr.write(`\nrehearse: unexpected error, stopping everything it started:\n${(error as Error)?.stack ?? String(error)}\n`);
    if (controller.signal.aborted) process.exit(3);
    controller.abort(new CrashError(error));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // The terminal closing (a dropped ssh session) stops everything the same way.
  process.on('SIGHUP', onSignal);
  process.on('uncaughtException', onCrash);
  process.on('unhandledRejection', onCrash);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('SIGHUP', onSignal);
    process.off('uncaughtException', onCrash);
    process.off('unhandledRejection', onCrash);
  }
}
