import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type LoadedConfig } from '../../src/config/load-config.ts';
import { resolveRelease } from '../../src/config/resolve-release.ts';
import { ConfigError, UsageError } from '../../src/errors.ts';

const ROOT = '/projects/portal';

function loaded(value: object, root = ROOT): LoadedConfig {
  return { config: validateConfig('rehearse.config.ts', value), file: path.join(root, 'rehearse.config.ts'), root };
}

const APP = { command: 'node server.js', env: { NODE_ENV: 'production', POOL_SIZE: '10' } };
const RELEASES = {
  baseline: { env: { PORTAL_RELEASE: 'baseline' } },
  'pool-too-small': { env: { PORTAL_RELEASE: 'baseline', POOL_SIZE: '2' }, description: 'two connections' },
  'new-server': { command: 'node server-v2.js' },
};

async function usageErrorFor(promise: Promise<unknown>): Promise<UsageError> {
  const error = await promise.catch((caught: unknown) => caught);
  if (!(error instanceof UsageError)) throw new Error(`expected a UsageError, got ${String(error)}`);
  return error;
}

describe('resolving --release against the config', () => {
  it('applies the release environment over the app environment', async () => {
    const { app, applied } = await resolveRelease(loaded({ app: APP, releases: RELEASES }), 'pool-too-small');
    expect(app?.env).toEqual({ NODE_ENV: 'production', POOL_SIZE: '2', PORTAL_RELEASE: 'baseline' });
    expect(app?.command).toBe('node server.js');
    expect(applied).toEqual({ name: 'pool-too-small', description: 'two connections', env: { PORTAL_RELEASE: 'baseline', POOL_SIZE: '2' }, command: null, config: null });
  });

  it('replaces the app command when the release names one, also for an app rehearse did not start', async () => {
    const { app, applied } = await resolveRelease(loaded({ app: APP, releases: RELEASES }), 'new-server');
    expect(app?.command).toBe('node server-v2.js');
    expect(applied?.command).toBe('node server-v2.js');
    const external = await resolveRelease(loaded({ app: { baseUrl: 'http://127.0.0.1:3000' }, releases: RELEASES }), 'new-server');
    expect(external.app).toMatchObject({ command: 'node server-v2.js' });
    expect(external.app?.baseUrl).toBeUndefined();
  });

  it('refuses an unknown release with exit 2, listing the known ones', async () => {
    const error = await usageErrorFor(resolveRelease(loaded({ app: APP, releases: RELEASES }), 'candiate'));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain('unknown release "candiate"; known: baseline, pool-too-small, new-server');
  });

  it('does not take an inherited property for a release', async () => {
    const error = await usageErrorFor(resolveRelease(loaded({ app: APP, releases: RELEASES }), 'constructor'));
    expect(error.message).toContain('unknown release "constructor"');
  });

  it('keeps --release a label when the config defines no releases, and says nothing is applied', async () => {
    const selection = await resolveRelease(loaded({ app: APP }), 'pr-42');
    expect(selection.applied).toBeNull();
    expect(selection.app?.env).toEqual(APP.env);
    expect(selection.note).toMatch(/release "pr-42" is a label only: .*rehearse\.config\.ts defines no releases, so nothing about the app is changed/);
  });

  it('applies nothing and says nothing without --release', async () => {
    expect(await resolveRelease(loaded({ app: APP, releases: RELEASES }), undefined)).toEqual({ app: expect.objectContaining({ command: 'node server.js' }), applied: null });
  });

  describe('a release that uses another config file for its app', () => {
    let dir: string;
    beforeAll(async () => {
      dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-release-'));
      await writeFile(path.join(dir, 'candidate.config.mjs'), "export default { app: { command: 'node next.js', cwd: 'next', env: { MODE: 'next' } } };\n");
      await writeFile(path.join(dir, 'no-app.config.mjs'), 'export default { data: { scale: 2 } };\n');
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    it("starts that file's app, its cwd relative to that file, with the release's env over it", async () => {
      const releases = { candidate: { config: 'candidate.config.mjs', env: { EXTRA: '1' } } };
      const { app, applied } = await resolveRelease(loaded({ app: APP, releases }, dir), 'candidate');
      expect(app).toMatchObject({ command: 'node next.js', cwd: path.join(dir, 'next'), env: { MODE: 'next', EXTRA: '1' } });
      expect(applied?.config).toBe('candidate.config.mjs');
    });

    it('refuses a file without an app section, naming the release', async () => {
      const error = await resolveRelease(loaded({ app: APP, releases: { candidate: { config: 'no-app.config.mjs' } } }, dir), 'candidate').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toMatch(/releases\.candidate\.config: no-app\.config\.mjs has no app section/);
    });

    it('refuses a file that does not exist, with exit 2', async () => {
      const error = await resolveRelease(loaded({ app: APP, releases: { candidate: { config: 'missing.config.ts' } } }, dir), 'candidate').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toContain('missing.config.ts: config file not found');
    });
  });
});
