// Talks to one paused k6's REST API from the host that k6 runs on, for a
// runner rehearse reaches only through a command prefix (`ip netns exec <ns>`,
// `ssh <host>`): its API listens on that host's loopback, out of rehearse's
// reach. Run as `node k6-control-process.mjs wait|resume <address>`.
// `wait` exits 0 once k6 has initialised its VUs and waits to be resumed;
// `resume` releases it. Plain JavaScript with no dependency, so it starts in
// milliseconds (the same requests as k6-rest-api.ts, which rehearse uses for
// runners on its own host).

/** k6's `ExecutionStatusPausedBeforeRun` (lib/execution.go). */
const PAUSED_BEFORE_RUN = 4;
const POLL_MS = 100;

const [action, address] = process.argv.slice(2);
if (!address || (action !== 'wait' && action !== 'resume')) {
  process.stderr.write('usage: k6-control-process.mjs wait|resume <host:port>\n');
  process.exit(2);
}
const url = `http://${address}/v1/status`;

async function status() {
  try {
    const response = await fetch(url);
    return response.ok ? (await response.json())?.data?.attributes?.status : undefined;
  } catch {
    return undefined;
  }
}

if (action === 'wait') {
  // Ends when k6 is ready; the caller kills it when that k6 exits first.
  while ((await status()) !== PAUSED_BEFORE_RUN) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
} else {
  const response = await fetch(url, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ data: { type: 'status', id: 'default', attributes: { paused: false } } }),
  });
  if (!response.ok) {
    process.stderr.write(`k6 at ${address} refused to resume: HTTP ${response.status} ${await response.text()}\n`);
    process.exit(1);
  }
}
