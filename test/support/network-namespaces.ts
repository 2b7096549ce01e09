import { execFileSync } from 'node:child_process';
import type { RunnerHost } from '../../src/k6/runner-host.ts';
import { runCommand, tailOf } from '../../src/system/child-process.ts';
import { isProcessAlive } from '../../src/system/process-alive.ts';

/**
 * Hosts of their own for the app and k6 runners, on this machine: one
 * network namespace each (`rehearse-<pid>-<n>-app`, `-r1`, `-r2` …), joined
 * by veth links to a bridge inside the app's namespace. The set's only
 * network is `10.200.0.0/24` (app `10.200.0.1`, runner i `10.200.0.1<i>`):
 * no namespace has a link to this machine's own namespace or a default
 * route, so nothing sent there can leave the machine, and two sets (two test
 * files at once) reuse the same addresses without meeting.
 *
 * Needs root (CAP_NET_ADMIN) and iproute2's `ip`; see networkNamespacesUnavailable.
 */
export interface PrivateNetwork {
  readonly app: NamespaceHost;
  readonly runners: readonly NamespaceHost[];
  /** Kills whatever still runs inside and deletes every namespace (and with them the links). Idempotent. */
  stop(): Promise<void>;
}

export interface NamespaceHost extends RunnerHost {
  /** Its address on the private network. */
  readonly address: string;
}

export const PRIVATE_SUBNET = '10.200.0.0/24';
const PREFIX_LENGTH = 24;
const APP_ADDRESS = '10.200.0.1';
const runnerAddress = (index: number) => `10.200.0.${11 + index}`;
/** The names this file gives, the owning test process's pid first. */
const NAME = /^rehearse-(\d+)-(probe|\d+-(app|r\d+))$/;

let sets = 0;

/**
 * Why namespaces cannot be made here (no `ip`, no CAP_NET_ADMIN …), or
 * undefined when they can; callers print it as one loud SKIP line.
 */
export async function networkNamespacesUnavailable(): Promise<string | undefined> {
  const probe = `rehearse-${process.pid}-probe`;
  const added = await runCommand('ip', ['netns', 'add', probe]).catch((error: Error) => error);
  if (added instanceof Error) return `iproute2's ip cannot run (${added.message}): apt-get install -y iproute2`;
  if (added.code !== 0) return `ip netns add failed, namespaces need root with CAP_NET_ADMIN: ${tailOf(added, 3).trim()}`;
  await runCommand('ip', ['netns', 'delete', probe]);
  return undefined;
}

/** Creates the app's namespace and `runners` runner namespaces, linked; everything is deleted again on failure. */
export async function createPrivateNetwork(runners: number): Promise<PrivateNetwork> {
  await deleteLeftoverNamespaces();
  const id = `rehearse-${process.pid}-${++sets}`;
  const app = namespaceHost(`${id}-app`, APP_ADDRESS);
  const runnerHosts = Array.from({ length: runners }, (_, index) => namespaceHost(`${id}-r${index + 1}`, runnerAddress(index)));
  const names = [app.name, ...runnerHosts.map((host) => host.name)];
  const created: string[] = [];
  const deleteOnSignal = (signal: NodeJS.Signals) => {
    deleteNamespacesNow(created);
    process.kill(process.pid, signal);
  };
  const stop = async () => {
    process.off('SIGINT', deleteOnSignal).off('SIGTERM', deleteOnSignal);
    await deleteNamespaces(created.splice(0));
  };
  process.once('SIGINT', deleteOnSignal).once('SIGTERM', deleteOnSignal);
  try {
    for (const name of names) {
      await ip(['netns', 'add', name]);
      created.push(name);
      await ip(['-n', name, 'link', 'set', 'lo', 'up']);
    }
    await ip(['-n', app.name, 'link', 'add', 'br0', 'type', 'bridge']);
    await ip(['-n', app.name, 'addr', 'add', `${APP_ADDRESS}/${PREFIX_LENGTH}`, 'dev', 'br0']);
    await ip(['-n', app.name, 'link', 'set', 'br0', 'up']);
    for (const [index, runner] of runnerHosts.entries()) await linkToApp(app.name, runner, `r${index + 1}`);
  } catch (error) {
    await stop();
    throw error;
  }
  return { app, runners: runnerHosts, stop };
}

function namespaceHost(name: string, address: string): NamespaceHost {
  return { name, address, commandPrefix: ['ip', 'netns', 'exec', name] };
}

/** A veth pair: `eth0` in the runner's namespace, its peer a port of the app namespace's bridge. */
async function linkToApp(appNamespace: string, runner: NamespaceHost, port: string): Promise<void> {
  await ip(['link', 'add', 'eth0', 'netns', runner.name, 'type', 'veth', 'peer', 'name', port, 'netns', appNamespace]);
  await ip(['-n', appNamespace, 'link', 'set', port, 'master', 'br0']);
  await ip(['-n', appNamespace, 'link', 'set', port, 'up']);
  await ip(['-n', runner.name, 'addr', 'add', `${runner.address}/${PREFIX_LENGTH}`, 'dev', 'eth0']);
  await ip(['-n', runner.name, 'link', 'set', 'eth0', 'up']);
}

/** The routes inside a namespace, as `ip route` prints them (the tests check there is no way out). */
export async function routesIn(namespace: string): Promise<string[]> {
  const output = await ip(['-n', namespace, 'route', 'show', 'table', 'all']);
  return output.split('\n').filter((line) => line.trim() !== '');
}

async function deleteNamespaces(names: readonly string[]): Promise<void> {
  for (const name of names.toReversed()) {
    // A namespace outlives its name while a process still runs in it: end them first.
    const pids = await runCommand('ip', ['netns', 'pids', name]);
    for (const pid of pids.stdout.split('\n').filter(Boolean)) killQuietly(Number(pid));
    await runCommand('ip', ['netns', 'delete', name]);
  }
}

/** The signal path: synchronous, since the process is about to end. */
function deleteNamespacesNow(names: readonly string[]): void {
  for (const name of names.toReversed()) {
    try {
      const pids = execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8' });
      for (const pid of pids.split('\n').filter(Boolean)) killQuietly(Number(pid));
      execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
    } catch {
      // Already gone, or ip failed: the next set's sweep deletes it.
    }
  }
}

/** Namespaces a killed test process (SIGKILL: no finally, no signal handler) left behind. */
async function deleteLeftoverNamespaces(): Promise<void> {
  const listed = await runCommand('ip', ['netns', 'list']);
  const leftovers = listed.stdout
    .split('\n')
    .map((line) => line.split(' ')[0] ?? '')
    .filter((name) => {
      const owner = NAME.exec(name)?.[1];
      return owner !== undefined && Number(owner) !== process.pid && !isProcessAlive(Number(owner));
    });
  await deleteNamespaces(leftovers);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // exited meanwhile
  }
}

async function ip(args: string[]): Promise<string> {
  const result = await runCommand('ip', args);
  if (result.code !== 0) throw new Error(`ip ${args.join(' ')} failed (exit ${result.code}): ${tailOf(result, 5).trim()}`);
  return result.stdout;
}
