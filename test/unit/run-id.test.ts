import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createRunDirectory, makeRunId } from '../../src/run/run-id.ts';

const NOW = new Date('2026-11-26T05:05:24Z');

describe('run ids and folders', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-run-id-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('gives two runs started in the same second their own folders', async () => {
    const [first, second] = await Promise.all([createRunDirectory(dir, 'spike', 'baseline', NOW), createRunDirectory(dir, 'spike', 'baseline', NOW)]);
    expect([first.id, second.id].sort()).toEqual(['20261126-050524-spike-baseline', '20261126-050524-spike-baseline-2']);
    expect(first.dir).not.toBe(second.dir);
  });

  it('keeps an id short enough for a folder name, and two long labels apart', () => {
    const long = makeRunId('spike', 'x'.repeat(300), NOW);
    expect(long.length).toBeLessThanOrEqual(100);
    expect(long).toMatch(/^20261126-050524-spike-x+-[0-9a-f]{8}$/);
    expect(makeRunId('spike', `${'x'.repeat(299)}y`, NOW)).not.toBe(long);
  });

  it('says which folder it cannot create, as an infrastructure failure', async () => {
    const error = await createRunDirectory(path.join(dir, 'x'.repeat(300)), 'spike', undefined, NOW).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/^cannot create a run folder in .+: ENAMETOOLONG/);
    expect((error as { exitCode: number }).exitCode).toBe(3);
  });
});
