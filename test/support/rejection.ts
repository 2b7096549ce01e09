/** The error `run` throws synchronously; the test fails when it throws none. */
export function rejection(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}
