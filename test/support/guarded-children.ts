// Starts what a rehearse command would (a plain child, a detached process
// group, a temporary folder), all under the orphan guard, prints their pids
// and the folder as one JSON line, then waits to be killed.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { guardPath, guardProcess } from '../../src/system/orphan-guard.ts';
import { runCommand } from '../../src/system/child-process.ts';

const folder = await mkdtemp(path.join(os.tmpdir(), 'rehearse-guarded-'));
guardPath(folder);
const group = spawn('sh', ['-c', 'sleep 300 & sleep 300'], { detached: true, stdio: 'ignore' });
guardProcess(group.pid!, { group: true });
void runCommand('sleep', ['300']);
await new Promise((resolve) => setTimeout(resolve, 300));
process.stdout.write(`${JSON.stringify({ group: group.pid, folder })}\n`);
setInterval(() => undefined, 1_000);
