// Talks to one paused k6's REST API from the host that k6 runs on, for a
// runner rehearse reaches only through a command prefix (`ip netns exec <ns>`,
// `ssh <host>`): its API listens on that host's loopback, out of rehearse's
// reach. Run as `node k6-control-process.mjs <address>`: it polls until k6 has
// initialised its VUs and waits to be resumed, prints `paused`, then resumes
// k6 when a `resume` line arrives on stdin, prints `resumed` and exits 0. Started before it is
// needed, so releasing several runners is one line each, not a process start
// each (hundreds of milliseconds apart on a busy machine). stdin closing
// without `resume` (rehearse gave up) exits quietly. Plain JavaScript with no
// dependency: the same requests as k6-rest-api.ts, which rehearse uses for
// runners on its own host.

/** k6's `ExecutionStatusPausedBeforeRun` (lib/execution.go). */
const PAUSED_BEFORE_RUN = 4;
const POLL_MS = 100;

const [address] = process.argv.slice(2);
if (!address) {
  process.stderr.write('usage: k6-control-process.mjs <host:port>\n');
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

async function resume() {
  const response = await fetch(url, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ data: { type: 'status', id: 'default', attributes: { paused: false } } }),
  });
  if (response.ok) {
    // Said before exiting: rehearse need not wait for this process to end.
    process.stdout.write('resumed\n', () => process.exit(0));
    return;
  }
  process.stderr.write(`k6 at ${address} refused to resume: HTTP ${response.status} ${await response.text()}\n`);
  process.exit(1);
}

let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
  if (input.split('\n').includes('resume')) void resume();
});
process.stdin.on('end', () => {
  if (!input.split('\n').includes('resume')) process.exit(0);
});

while ((await status()) !== PAUSED_BEFORE_RUN) await new Promise((resolve) => setTimeout(resolve, POLL_MS));
process.stdout.write('paused\n');
