/** Thrown when the user interrupted (Ctrl-C, SIGTERM) while work was under way. */
export class InterruptedError extends Error {
  constructor(readonly reason: string = 'interrupted') {
    super(`interrupted (${reason})`);
    this.name = 'InterruptedError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new InterruptedError(String(signal.reason ?? 'interrupted'));
}

/**
 * Calls `listener` once when the signal aborts — at once when it already
 * has, which an 'abort' listener alone would miss. Returns the function that
 * stops listening.
 */
export function whenAborted(signal: AbortSignal | undefined, listener: () => void): () => void {
  if (!signal) return () => undefined;
  if (signal.aborted) {
    listener();
    return () => undefined;
  }
  signal.addEventListener('abort', listener, { once: true });
  return () => signal.removeEventListener('abort', listener);
}

/** Resolves when the signal aborts. */
export function untilAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => whenAborted(signal, resolve));
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const stopListening = whenAborted(signal, done);
    function done() {
      clearTimeout(timer);
      stopListening();
      resolve();
    }
  });
}
