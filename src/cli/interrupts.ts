/**
 * Runs `work` with an AbortSignal that SIGINT/SIGTERM abort, so every owner
 * of a process, server or container can stop it in its own `finally`.
 * A second signal while shutting down exits at once.
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
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
