import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddedProvider } from '../../src/db/embedded.ts';
import { findPostgresMajors, locatePostgresBinaries } from '../../src/db/embedded-binaries.ts';
import { projectClusterDir } from '../../src/db/project-provider.ts';
import { mergeSettings } from '../../src/db/rehearsal-settings.ts';
import { clusterLockFile } from '../../src/db/cluster-lock.ts';

describe('embedded Postgres majors', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-majors-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps one project cluster per major, the default major where it always was', () => {
    expect(projectClusterDir(dir)).toBe(path.join(dir, '.rehearse', 'pg'));
    expect(projectClusterDir(dir, 18)).toBe(path.join(dir, '.rehearse', 'pg'));
    expect(projectClusterDir(dir, 16)).toBe(path.join(dir, '.rehearse', 'pg-16'));
  });

  it('refuses to start a cluster another major made, saying which, and releases its lock', async () => {
    const clusterDir = projectClusterDir(dir);
    await mkdir(path.join(clusterDir, 'data'), { recursive: true });
    await writeFile(path.join(clusterDir, 'data', 'PG_VERSION'), '16\n');
    await writeFile(path.join(clusterDir, 'credentials.json'), JSON.stringify({ password: 'x' }));
    const refused = await new EmbeddedProvider({ settings: mergeSettings(), clusterDir, major: 18 }).start().catch((error: Error) => error);
    expect((refused as Error).message).toMatch(/was created by Postgres 16, not 18: each major keeps its own cluster/);
    expect(existsSync(clusterLockFile(clusterDir))).toBe(false);
  });

  it('finds the bundled major without installing anything, and lists it', async () => {
    const bundled = await locatePostgresBinaries(18, { install: false });
    expect(bundled).toMatchObject({ major: 18, source: 'bundled' });
    expect((await findPostgresMajors()).map((found) => found.major)).toContain(18);
  });
});
