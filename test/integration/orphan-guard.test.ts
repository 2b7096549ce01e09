import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/cli.ts';
import { isAlive } from '../support/processes.ts';

/** Processes marked as started by the rehearse-like process `pid` (their REHEARSE_OWNER). */
function childrenMarkedBy(pid: number): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((candidate) => {
      try {
        return readFileSync(`/proc/${candidate}/environ`, 'latin1').split('\0').some((entry) => entry.startsWith(`REHEARSE_OWNER=${pid}:`));
      } catch {
        return false;
      }
    });
}

async function until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the orphan guard', () => {
  it('stops the children, the process groups and the folders of a process that is SIGKILLed', async () => {
    const owner = spawn(process.execPath, ['--import', 'tsx', 'test/support/guarded-children.ts'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    const started = await new Promise<{ group: number; folder: string }>((resolve, reject) => {
      let output = '';
      owner.stdout!.on('data', (chunk: Buffer) => {
        output += chunk;
        if (output.includes('\n')) resolve(JSON.parse(output) as { group: number; folder: string });
      });
      owner.once('exit', (code) => reject(new Error(`the owner exited (${code}) before starting its children`)));
    });
    const plainChild = childrenMarkedBy(owner.pid!);
    expect(plainChild).toHaveLength(1);
    expect(groupAlive(started.group)).toBe(true);
    expect(existsSync(started.folder)).toBe(true);

    owner.kill('SIGKILL');

    expect(await until(() => !groupAlive(started.group), 10_000), 'the detached group is stopped').toBe(true);
    expect(await until(() => !existsSync(started.folder), 10_000), 'the folder is removed').toBe(true);
    expect(await until(() => !isAlive(plainChild[0]!), 10_000), 'the plain child is stopped').toBe(true);
  });
});
