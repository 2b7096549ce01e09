import { setTimeout as sleep } from 'node:timers/promises';

/** k6's `ExecutionStatusPausedBeforeRun` (lib/execution.go): VUs initialised, waiting to be resumed. */
const PAUSED_BEFORE_RUN = 4;
const POLL_MS = 100;

interface StatusDocument {
  data?: { attributes?: { status?: number; paused?: boolean } };
}

/**
 * Waits until the k6 started with `--paused --address <address>` has
 * initialised its VUs and is waiting to start, polling its REST API
 * (GET /v1/status). Gives up only when `signal` aborts (the caller aborts it
 * when that k6 exits).
 */
export async function waitUntilPausedBeforeRun(address: string, signal: AbortSignal): Promise<void> {
  for (;;) {
    signal.throwIfAborted();
    const status = await fetchStatus(address, signal);
    if (status?.data?.attributes?.status === PAUSED_BEFORE_RUN) return;
    await sleep(POLL_MS, undefined, { signal });
  }
}

/** Resumes a paused k6 (PATCH /v1/status, the request `k6 resume` sends). */
export async function resumeK6(address: string, signal: AbortSignal): Promise<void> {
  const response = await fetch(`http://${address}/v1/status`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ data: { type: 'status', id: 'default', attributes: { paused: false } } }),
    signal,
  });
  if (!response.ok) throw new Error(`k6 at ${address} refused to resume: HTTP ${response.status} ${await response.text()}`);
}

/** The status document; undefined while k6's API is not listening yet. */
async function fetchStatus(address: string, signal: AbortSignal): Promise<StatusDocument | undefined> {
  try {
    const response = await fetch(`http://${address}/v1/status`, { signal });
    return response.ok ? ((await response.json()) as StatusDocument) : undefined;
  } catch (error) {
    if (signal.aborted) throw error;
    return undefined;
  }
}
