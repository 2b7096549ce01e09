// The orphan guard: a small process rehearse starts beside itself (see
// orphan-guard.ts). It reads what rehearse started, one JSON line each, from
// its stdin. When that pipe closes while something is still registered,
// rehearse died without stopping it (SIGKILL, an out-of-memory kill): the
// guard stops every process, removes every container and path left, and exits.
// Plain JavaScript with no dependency, so it starts in milliseconds.
import { readFileSync, rmSync } from 'node:fs';
import http from 'node:http';

const entries = new Map();
let buffered = '';

function startTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** The registered process itself, not another that got its pid since. */
function same(entry) {
  if (!alive(entry.pid)) return false;
  const now = startTime(entry.pid);
  return !entry.startTime || now === undefined || now === entry.startTime;
}

function signal(entry, name) {
  // A group outlives its leader (a shell's children): signal it even then.
  const target = entry.group ? -entry.pid : entry.pid;
  if (!entry.group && !same(entry)) return;
  try {
    process.kill(target, name);
  } catch {
    // Already gone.
  }
}

function gone(entry) {
  if (entry.group) {
    try {
      process.kill(-entry.pid, 0);
      return false;
    } catch {
      return true;
    }
  }
  return !same(entry);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function stopProcesses(processes) {
  for (const entry of processes) signal(entry, entry.signal);
  const deadline = Date.now() + Math.max(0, ...processes.map((entry) => entry.graceMs));
  while (Date.now() < deadline && !processes.every(gone)) await sleep(100);
  for (const entry of processes) if (!gone(entry)) signal(entry, 'SIGKILL');
}

function removeContainer(entry) {
  return new Promise((resolve) => {
    const request = http.request(
      { method: 'DELETE', socketPath: entry.socketPath, host: entry.host, port: entry.port, path: `/containers/${entry.containerId}?force=true&v=true`, timeout: 10_000 },
      (response) => {
        response.resume();
        response.on('end', resolve);
      },
    );
    request.on('error', resolve);
    request.on('timeout', () => request.destroy());
    request.end();
  });
}

async function cleanUp() {
  const left = [...entries.values()].reverse();
  // The app and k6 first, then servers (their clients are gone), then containers and files.
  await stopProcesses(left.filter((entry) => entry.kind === 'process' && entry.order === 0));
  await stopProcesses(left.filter((entry) => entry.kind === 'process' && entry.order !== 0));
  for (const entry of left.filter((item) => item.kind === 'container')) await removeContainer(entry);
  for (const entry of left.filter((item) => item.kind === 'path')) rmSync(entry.path, { recursive: true, force: true });
  process.exit(0);
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buffered += chunk;
  let newline;
  while ((newline = buffered.indexOf('\n')) >= 0) {
    const line = buffered.slice(0, newline);
    buffered = buffered.slice(newline + 1);
    const message = JSON.parse(line);
    if (message.op === 'add') entries.set(message.entry.id, message.entry);
    else if (message.op === 'remove') entries.delete(message.id);
  }
});
process.stdin.on('end', () => void cleanUp());
process.stdin.on('error', () => void cleanUp());
// Started in its own session, it gets no terminal signals. One sent by a
// person while rehearse still runs must not stop what rehearse is using.
const parent = { pid: Number(process.argv[2]), startTime: process.argv[3] || undefined };
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(name, () => (same(parent) ? process.exit(0) : void cleanUp()));
