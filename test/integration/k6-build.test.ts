import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InfrastructureError } from '../../src/errors.ts';
import { K6_VERSION } from '../../src/k6/k6-version.ts';
import { cachedK6Path, findOnPath, k6Version, locateK6 } from '../../src/k6/locate-k6.ts';

const go = await findOnPath('go');
const goDir = go ? path.dirname(go) : undefined;
if (!goDir) console.warn('SKIP k6 build test: Go is not installed, so rehearse cannot build k6 here');

describe('k6 on demand', () => {
  let cache: string;

  beforeAll(async () => {
    cache = await mkdtemp(path.join(os.tmpdir(), 'rehearse-cache-'));
  });
  afterAll(async () => {
    await rm(cache, { recursive: true, force: true });
  });

  it('exits 3 with install instructions when there is neither k6 nor Go', async () => {
    const env = { PATH: '/nonexistent', REHEARSE_CACHE_DIR: cache, HOME: cache };
    const error = await locateK6({ env }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfrastructureError);
    expect((error as InfrastructureError).exitCode).toBe(3);
    expect((error as Error).message).toMatch(/k6 was not found and Go is not installed.*Install k6/);
  });

  it('rejects a K6_BIN that is not executable', async () => {
    await expect(locateK6({ env: { K6_BIN: path.join(cache, 'missing-k6') } })).rejects.toThrow(/K6_BIN is set to .* not an executable/);
  });

  // Fast when the Go build cache is warm (.ci/run builds k6 the same way first).
  it.skipIf(!goDir)(`builds the pinned k6 ${K6_VERSION} with Go into the cache, once`, async () => {
    // Only Go on PATH: no k6 anywhere, so rehearse must build it.
    const env = { ...process.env, PATH: `${goDir}:/usr/bin:/bin`, REHEARSE_CACHE_DIR: cache, K6_BIN: '' };
    const progress: string[] = [];
    const built = await locateK6({ env, onProgress: (line) => progress.push(line) });
    expect(built).toEqual({ path: cachedK6Path(env), source: 'built' });
    expect(progress[0]).toContain(`building k6 ${K6_VERSION} with Go`);
    expect(await k6Version(built.path)).toContain(`k6 ${K6_VERSION}`);
    // The second call finds the cached binary and builds nothing.
    expect(await locateK6({ env, onProgress: (line) => progress.push(`again: ${line}`) })).toEqual({ path: built.path, source: 'cache' });
    expect(progress.some((line) => line.startsWith('again:'))).toBe(false);
  }, 600_000);
});
