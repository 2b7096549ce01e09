/**
 * Runs tasks with at most `lanes` at a time, in the order given (largest
 * first keeps the lanes evenly busy). The first failure stops new tasks
 * from starting and is rethrown once running ones settle.
 */
export async function runInLanes<T, R>(items: readonly T[], lanes: number, task: (item: T, lane: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  let failure: { error: unknown } | undefined;
  const lane = async (id: number) => {
    while (!failure && next < items.length) {
      const index = next++;
      try {
        results[index] = await task(items[index]!, id);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(lanes, items.length)) }, (_, id) => lane(id)));
  if (failure) throw failure.error;
  return results;
}
