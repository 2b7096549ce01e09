import { spawnSync } from 'node:child_process';
import { readFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildScript } from '../../src/scenario/build-script.ts';
import { REPO_ROOT } from '../support/cli.ts';

export const SHIPPED_SCENARIOS = ['parents-evening-login-spike', 'posts-feed-burst', 'steady-browse', 'soak', 'breakpoint'];

/**
 * Snapshot name → scenario file: the shipped scenarios, the Conduit fixture's (JSON bodies, headers,
 * captures), and one using every capture source, so each capture helper is type-checked.
 */
const SCENARIO_FILES: Record<string, string> = {
  ...Object.fromEntries(SHIPPED_SCENARIOS.map((name) => [name, `scenarios/${name}.ts`])),
  'conduit-readers': 'fixtures/conduit/scenarios/readers.ts',
  'capture-sources': 'test/support/capture-sources-scenario.ts',
};

describe('generated k6 scripts for the shipped scenarios and the fixtures', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-scripts-'));
    for (const [name, file] of Object.entries(SCENARIO_FILES)) {
      await buildScript(file, { root: REPO_ROOT, out: path.join(dir, `${name}.js`) });
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each(Object.keys(SCENARIO_FILES))('%s matches its reviewed snapshot', async (name) => {
    const script = await readFile(path.join(dir, `${name}.js`), 'utf8');
    await expect(script).toMatchFileSnapshot(path.join(REPO_ROOT, 'test/snapshots/scripts', `${name}.js`));
  });

  it('all type-check against @types/k6', async () => {
    const tsconfig = {
      compilerOptions: {
        allowJs: true,
        checkJs: true,
        noEmit: true,
        strict: true,
        target: 'ES2020',
        module: 'ES2020',
        moduleResolution: 'bundler',
        types: ['k6'],
        typeRoots: [path.join(REPO_ROOT, 'node_modules/@types')],
      },
      include: ['*.js'],
    };
    await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(tsconfig));
    const tsc = spawnSync(process.execPath, [path.join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', dir], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
