import { performance } from 'node:perf_hooks';
import type { DbOptions } from '../db/create-provider.ts';
import { createProvider } from '../db/create-provider.ts';
import { findPostgresMajors, postgresCacheDir } from '../db/embedded-binaries.ts';
import { DEFAULT_POSTGRES_MAJOR } from '../db/postgres-majors.ts';
import { DEFAULT_POSTGRES_IMAGE } from '../db/testcontainers.ts';
import { findK6, findOnPath, k6Version, K6_INSTALL_HINT } from '../k6/locate-k6.ts';
import { K6_MODULE, K6_VERSION } from '../k6/k6-version.ts';
import { runCommand } from '../system/child-process.ts';
import { dockerImageExists, probeDocker } from '../system/docker-engine.ts';
import { describeServer } from '../db/describe-server.ts';
import { readMarker } from '../db/disposable-marker.ts';

/** ok: works · warn: works with a caveat · missing: does not work · skipped: not configured. */
export type CheckStatus = 'ok' | 'warn' | 'missing' | 'skipped';

export interface CheckResult {
  status: CheckStatus;
  detail: string;
  /** What to do about it, when status is not ok. */
  fix?: string;
}

export interface DoctorContext {
  env: NodeJS.ProcessEnv;
  db: DbOptions;
}

export interface Check {
  label: string;
  /** Doctor exits non-zero when a required check is missing. */
  required: boolean;
  run(context: DoctorContext): Promise<CheckResult>;
}

const MIN_NODE = [20, 19] as const;

const nodeCheck: Check = {
  label: 'Node.js',
  required: true,
  async run() {
    const [major = 0, minor = 0] = process.versions.node.split('.').map(Number);
    const ok = major > MIN_NODE[0] || (major === MIN_NODE[0] && minor >= MIN_NODE[1]);
    if (ok) return { status: 'ok', detail: `v${process.versions.node}` };
    return { status: 'missing', detail: `v${process.versions.node} is too old`, fix: `install Node.js ${MIN_NODE.join('.')} or later` };
  },
};

const k6Check: Check = {
  label: 'k6',
  required: true,
  async run({ env }) {
    const k6 = await findK6(env).catch((error: Error) => error);
    if (k6 instanceof Error) return { status: 'missing', detail: k6.message, fix: K6_INSTALL_HINT };
    if (k6) return { status: 'ok', detail: `${k6.path} (${await k6Version(k6.path)}, from ${k6.source})` };
    if (await findOnPath('go', env)) {
      return {
        status: 'warn',
        detail: `not installed; rehearse will build ${K6_MODULE}@${K6_VERSION} with Go on first use`,
        fix: 'nothing to do (or install k6 / set K6_BIN to skip the one-off build)',
      };
    }
    return { status: 'missing', detail: 'not on PATH, not in K6_BIN, not cached, and no Go to build it', fix: K6_INSTALL_HINT };
  },
};

const goCheck: Check = {
  label: 'Go',
  required: false,
  async run({ env }) {
    const go = await findOnPath('go', env);
    if (!go) return { status: 'warn', detail: 'not installed', fix: 'only needed to build k6 when k6 is not installed' };
    const version = await runCommand(go, ['version'], { env });
    return { status: 'ok', detail: version.stdout.trim().replace(/^go version /, '') };
  },
};

const dockerCheck: Check = {
  label: 'Docker engine',
  required: false,
  async run({ env }) {
    const docker = await probeDocker(env);
    if (docker.ok) return { status: 'ok', detail: `reachable, engine ${docker.version}` };
    return { status: 'warn', detail: docker.reason, fix: 'only needed for --db testcontainers: start a Docker engine (dockerd) or set DOCKER_HOST' };
  },
};

/** Starts the embedded server for real: the one check that proves the default path works. */
const embeddedCheck: Check = {
  label: 'db: embedded',
  required: true,
  async run({ db, env }) {
    const major = db.version ?? DEFAULT_POSTGRES_MAJOR;
    if (!(await findPostgresMajors(env)).some((found) => found.major === major)) {
      return { status: 'missing', detail: `Postgres ${major} is not installed`, fix: `rehearse doctor --fix --db-version ${major} installs it (with npm), as does any command run with --db-version ${major}` };
    }
    const started = performance.now();
    try {
      const database = await createProvider({ ...db, provider: 'embedded' }).start();
      try {
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        return { status: 'ok', detail: `${await describeServer(database.admin)}, started in ${seconds}s` };
      } finally {
        await database.stop();
      }
    } catch (error) {
      return { status: 'missing', detail: (error as Error).message.split('\n')[0] ?? '', fix: 'run `npm ci` again (it installs the server binaries), or use --db testcontainers / url' };
    }
  },
};

const testcontainersCheck: Check = {
  label: 'db: testcontainers',
  required: false,
  async run({ env, db }) {
    const image = db.image ?? DEFAULT_POSTGRES_IMAGE;
    const docker = await probeDocker(env);
    if (!docker.ok) return { status: 'warn', detail: `needs a Docker engine: ${docker.reason}`, fix: 'start dockerd, or keep using the embedded default' };
    if (await dockerImageExists(image, env)) return { status: 'ok', detail: `image ${image} present` };
    return { status: 'warn', detail: `image ${image} is not present locally and will be pulled on first use`, fix: 'set db.image / REHEARSE_DB_IMAGE to a local image if no registry is reachable' };
  },
};

const urlCheck: Check = {
  label: 'db: url',
  required: false,
  async run({ db }) {
    if (!db.url) return { status: 'skipped', detail: 'not configured', fix: 'set DATABASE_URL or db.url to rehearse on a staging database' };
    try {
      const database = await createProvider({ ...db, provider: 'url' }).start();
      try {
        const server = await describeServer(database.admin);
        const marker = await readMarker(database.admin).catch(() => undefined);
        if (marker) return { status: 'ok', detail: `${server}; ${marker.origin === 'created' ? 'created by rehearse' : 'marked disposable'}, so rehearse may write there` };
        return {
          status: 'warn',
          detail: `${server}; not marked disposable, so rehearse will refuse to write there`,
          fix: 'if it and its server may be rewritten: rehearse db mark-disposable --url <its URL> --yes',
        };
      } finally {
        await database.stop();
      }
    } catch (error) {
      return { status: 'missing', detail: (error as Error).message, fix: 'check the URL, the network path and the credentials' };
    }
  },
};

/** The embedded majors on this machine; any other is installed on first use. */
const postgresMajorsCheck: Check = {
  label: 'postgres majors',
  required: false,
  async run({ env }) {
    const found = await findPostgresMajors(env);
    const detail = found.map((binaries) => `${binaries.major} (${binaries.release}, ${binaries.source === 'bundled' ? 'bundled' : 'cached'})`).join(', ') || 'none';
    return { status: 'ok', detail: `${detail}; others are installed into ${postgresCacheDir(env)} on first use of --db-version` };
  },
};

/** Which database commands use, and why (precedence: defaults < config < environment < flags). */
const chosenDatabaseCheck: Check = {
  label: 'database used',
  required: false,
  async run({ db }) {
    return { status: 'ok', detail: db.why ?? db.provider };
  },
};

/** Doctor's checks, in the order they are printed. */
export const DOCTOR_CHECKS: readonly Check[] = [nodeCheck, k6Check, goCheck, dockerCheck, chosenDatabaseCheck, postgresMajorsCheck, embeddedCheck, testcontainersCheck, urlCheck];
