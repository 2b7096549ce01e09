import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import repositoryConfig from '../../rehearse.config.ts';
import type { UserConfig } from '../../src/config/schema.ts';
import { readRunRecord, type RunRecord } from '../../src/run/run-record.ts';
import { REPO_ROOT } from './cli.ts';

/**
 * A throwaway project rehearsing the school-portal fixture: its own config,
 * embedded cluster (.rehearse/pg) and reports folder, so a test leaves
 * nothing behind but what it removes.
 */
export interface RunProject {
  dir: string;
  config: string;
  /** The one run record written so far. */
  onlyRecord(): Promise<RunRecord>;
  remove(): Promise<void>;
}

/** The fixture a run project rehearses: its app's command and its data model (the school-portal by default). */
export interface RunFixture {
  appCommand: string;
  metricsPath?: string;
  model: string;
  /** The config's releases, so a test passes just `--release <name>`. */
  releases?: UserConfig['releases'];
}

export const SCHOOL_PORTAL: RunFixture = {
  appCommand: 'node --import tsx fixtures/school-portal/app/server.ts',
  metricsPath: '/metrics',
  model: 'fixtures/school-portal/model.ts',
  // The repository's own config lists the school-portal's releases: defined once, used by tests too.
  releases: repositoryConfig.releases,
};
export const CONDUIT: RunFixture = { appCommand: 'node --import tsx fixtures/conduit/app/server.ts', model: 'fixtures/conduit/model.ts' };

/** `extra`: more of the config (e.g. `capacity`), merged over the rest. */
export async function createRunProject(scale = 0.002, fixture: RunFixture = SCHOOL_PORTAL, extra: Partial<UserConfig> = {}): Promise<RunProject> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-run-'));
  // As root the embedded server runs as "postgres", which must reach .rehearse/pg inside.
  await chmod(dir, 0o755);
  const config = path.join(dir, 'rehearse.config.ts');
  await writeFile(
    config,
    `export default {
  app: {
    command: '${fixture.appCommand}',
    cwd: ${JSON.stringify(REPO_ROOT)},
    env: { ${PROJECT_MARKER}: ${JSON.stringify(dir)} },
    healthPath: '/healthz',${fixture.metricsPath ? `\n    metricsPath: '${fixture.metricsPath}',` : ''}
  },
  data: { model: ${JSON.stringify(path.join(REPO_ROOT, fixture.model))}, scale: ${scale}, seed: 7 },${fixture.releases ? `\n  releases: ${JSON.stringify(fixture.releases)},` : ''}
  ...${JSON.stringify(extra)},
};
`,
  );
  return {
    dir,
    config,
    async onlyRecord() {
      const runs = (await readdir(path.join(dir, 'reports'))).filter((name) => name !== 'latest');
      if (runs.length !== 1) throw new Error(`expected one run, found ${runs.join(', ') || 'none'}`);
      return readRunRecord(path.join(dir, 'reports', runs[0]!));
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Set in the app's environment, so a test finds its own app among others on the machine. */
const PROJECT_MARKER = 'REHEARSE_TEST_PROJECT';

/** PIDs of processes whose environment has `name=value` (Linux /proc). */
export function processesWithEnv(name: string, value: string): number[] {
  const wanted = `${name}=${value}`;
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/environ`, 'latin1').split('\0').includes(wanted);
      } catch {
        return false;
      }
    });
}

/** The app processes (shell and node) started for this project. */
export function appProcesses(project: RunProject): number[] {
  return processesWithEnv(PROJECT_MARKER, project.dir);
}

/** PIDs of processes whose command line contains `pattern`. */
export function processesMatching(pattern: string): number[] {
  const result = spawnSync('pgrep', ['-f', pattern], { encoding: 'utf8' });
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map(Number)
    .filter((pid) => pid !== process.pid);
}

/** Everything a run may start: its Postgres (by data directory), the fixture app, k6. */
export function leftoverProcesses(project: RunProject): number[] {
  return [...processesMatching(path.join(project.dir, '.rehearse')), ...appProcesses(project), ...processesMatching(`${project.dir}/reports/.*script.js`)];
}
