import { spawn } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { cpuCollector } from '../../src/collect/cpu-collector.ts';
import { parseProcStat, processTree, readProcessRunTimeNs, readProcessTable, readTreeRunTimeMs, treeCpuMs, type ProcessEntry } from '../../src/system/process-cpu.ts';

const entry = (pid: number, ppid: number, comm = 'x', cpuTicks = 0): ProcessEntry => ({ pid, ppid, comm, cpuTicks, ownTicks: cpuTicks });

describe('reading a process CPU time from /proc', () => {
  it('counts fields after the last parenthesis, so a name with spaces or parentheses does not shift them', () => {
    const line = '4242 (node (worker) 1) S 4200 4242 4200 0 -1 4194304 98 0 0 0 250 50 7 3 20 0 1 0 553401 3133440 393';
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 4200, comm: 'node (worker) 1', cpuTicks: 250 + 50 + 7 + 3, ownTicks: 250 + 50 });
  });

  it('gives nothing for a line that is not a stat line (a process that exited while it was read)', () => {
    expect(parseProcStat('')).toBeUndefined();
    expect(parseProcStat('12 (k6')).toBeUndefined();
  });

  it('takes a tree as its roots and every descendant, and nothing else', () => {
    const table = new Map([entry(1, 0), entry(10, 1), entry(11, 10), entry(12, 11), entry(20, 1), entry(21, 20)].map((e) => [e.pid, e]));
    expect(processTree(table, [10]).sort()).toEqual([10, 11, 12]);
    expect(processTree(table, [12, 21]).sort()).toEqual([12, 21]);
    expect(processTree(table, [99])).toEqual([]);
  });
});

describe('the CPU collector, on real processes', () => {
  const children: ReturnType<typeof spawn>[] = [];
  afterEach(() => {
    for (const child of children.splice(0)) child.kill('SIGKILL');
  });

  it('sees a busy process tree use CPU and an idle one use none', async () => {
    // The busy loop runs in a grandchild, under a shell, as an app's worker would.
    const busy = spawn('sh', ['-c', 'node -e "const end = Date.now() + 20000; while (Date.now() < end) {}"'], { stdio: 'ignore' });
    const idle = spawn('sleep', ['20'], { stdio: 'ignore' });
    children.push(busy, idle);
    const collector = cpuCollector(
      [
        { name: 'busy', roots: () => [busy.pid!] },
        { name: 'idle', roots: () => [idle.pid!] },
      ],
      [{ name: 'postgres', reason: 'a server rehearse did not start' }],
    );
    await collector.start({ intervalMs: 250 } as Parameters<typeof collector.start>[0]);
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const { cpu } = await collector.end({ final: true });

    expect(cpu!.measured).toEqual(['busy', 'idle']);
    expect(cpu!.notMeasured).toEqual({ postgres: 'a server rehearse did not start' });
    expect(cpu!.samples.length).toBeGreaterThan(3);
    const total = (name: string) => cpu!.samples.reduce((sum, sample) => sum + sample.cores[name]! * 0.25, 0);
    expect(total('busy')).toBeGreaterThan(0.1);
    expect(total('idle')).toBeLessThan(0.05);
    expect(treeCpuMs(await readProcessTable(), [busy.pid!])).toBeGreaterThan(100);
  });

  it("counts other work on the machine as `others`, and never the rehearsal's own processes", async () => {
    // A busy loop outside this process's tree (its shell exits, so init adopts it), as another job would be.
    const spawner = spawn('sh', ['-c', 'node -e "const end = Date.now() + 20000; while (Date.now() < end) {}" >/dev/null 2>&1 & echo $!'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const stranger = Number(await new Promise<string>((resolve) => spawner.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString()))));
    // And a busy loop of the rehearsal's own, measured as a target.
    const ours = spawn('node', ['-e', 'const end = Date.now() + 20000; while (Date.now() < end) {}'], { stdio: 'ignore' });
    children.push(ours);
    try {
      const collector = cpuCollector([{ name: 'ours', roots: () => [ours.pid!] }], [], { others: true });
      await collector.start({ intervalMs: 1_000 } as Parameters<typeof collector.start>[0]);
      await new Promise((resolve) => setTimeout(resolve, 3_500));
      const { cpu } = await collector.end({ final: true });
      expect(cpu!.measured).toEqual(['ours', 'others']);
      const mean = (name: string) => cpu!.samples.reduce((sum, sample) => sum + sample.cores[name]!, 0) / cpu!.samples.length;
      // Both loops ran; ours counted once: the two together never exceed the machine's cores (give or take
      // clock ticks and the time a reading of /proc takes on a loaded machine), where counting ours twice would.
      expect(mean('others')).toBeGreaterThan(0.2);
      expect(mean('ours')).toBeGreaterThan(0.2);
      expect(mean('others') + mean('ours')).toBeLessThan(availableParallelism() + 0.5);
    } finally {
      process.kill(stranger, 'SIGKILL');
    }
  });

  it('reads run time finer than a clock tick, over every thread of every process in a tree', async () => {
    const before = await readProcessRunTimeNs(process.pid);
    // Spin for 3 ms of CPU (getrusage's count): below one 10 ms tick, yet seen.
    const start = process.cpuUsage();
    while (Object.values(process.cpuUsage(start)).reduce((sum, us) => sum + us, 0) < 3_000);
    const after = await readProcessRunTimeNs(process.pid);
    expect(after! - before!).toBeGreaterThan(2e6);
    const busy = spawn('sh', ['-c', 'node -e "const end = Date.now() + 20000; while (Date.now() < end) {}"'], { stdio: 'ignore' });
    children.push(busy);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await readTreeRunTimeMs([busy.pid!])).toBeGreaterThan(100);
  });
});
