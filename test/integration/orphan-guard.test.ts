import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { TEST_POSTGRES_IMAGE, testcontainersUnavailable } from '../support/docker.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { isAlive } from '../support/processes.ts';
import { processesMatching as pidsMatching } from '../support/run-project.ts';

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

/** Starts a test helper script under tsx and waits for its one JSON line. */
async function startHelper<T>(script: string): Promise<{ child: ReturnType<typeof spawn>; started: T }> {
  const child = spawn(process.execPath, ['--import', 'tsx', script], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const started = await new Promise<T>((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk;
      if (output.includes('\n')) resolve(JSON.parse(output) as T);
    });
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
  });
  return { child, started };
}

function containerExists(id: string): boolean {
  return spawnSync('docker', ['inspect', id], { stdio: 'ignore' }).status === 0;
}

const unavailable = await testcontainersUnavailable();
if (unavailable) console.warn(`SKIP orphan guard container tests: ${unavailable}`);

describe.skipIf(unavailable !== undefined)(`the orphan guard and Testcontainers (${TEST_POSTGRES_IMAGE})`, () => {
  it('removes a SIGKILLed rehearse\'s container: by the next start when its guard died too, else by the guard', async () => {
    const first = await startHelper<{ container: string }>('test/support/guarded-container.ts');
    for (const guard of pidsMatching(`orphan-guard-process.mjs ${first.child.pid} `)) process.kill(guard, 'SIGKILL');
    first.child.kill('SIGKILL');
    await new Promise((resolve) => first.child.once('exit', resolve));
    expect(containerExists(first.started.container), 'nothing removed the first container yet').toBe(true);

    const second = await startHelper<{ container: string; progress: string[] }>('test/support/guarded-container.ts');
    expect(second.started.progress).toContain(`removed container ${first.started.container}, left by a rehearse command that was killed`);
    expect(containerExists(first.started.container)).toBe(false);
    second.child.kill('SIGKILL');
    expect(await until(() => !containerExists(second.started.container), 30_000), 'the guard removes the second container').toBe(true);
  }, 180_000);
});

describe('the orphan guard', () => {
  it('stops the children, the process groups and the folders of a process that is SIGKILLed', async () => {
    const { child: owner, started } = await startHelper<{ group: number; folder: string }>('test/support/guarded-children.ts');
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
