import { constants } from 'node:fs';
import { access, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { InfrastructureError } from '../errors.ts';
import { cacheDir } from '../system/cache-dir.ts';
import { runCommand, tailOf } from '../system/child-process.ts';
import { K6_MODULE, K6_VERSION } from './k6-version.ts';

export type K6Source = 'K6_BIN' | 'PATH' | 'cache' | 'built';

export interface K6Binary {
  path: string;
  source: K6Source;
}

export interface LocateK6Options {
  env?: NodeJS.ProcessEnv;
  /** Build with Go when k6 is nowhere to be found (default true). */
  build?: boolean;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

export const K6_INSTALL_HINT =
  `Install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) and put it on PATH or set K6_BIN, ` +
  `or install Go 1.26+ so rehearse can build ${K6_MODULE}@${K6_VERSION} itself.`;

export function cachedK6Path(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(cacheDir(env), 'k6', K6_VERSION, 'k6');
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable called `name` on PATH. */
export async function findOnPath(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  for (const dir of (env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** Looks for k6 at K6_BIN, then on PATH, then in the cache; never builds. */
export async function findK6(env: NodeJS.ProcessEnv = process.env): Promise<K6Binary | undefined> {
  if (env.K6_BIN) {
    if (await isExecutable(env.K6_BIN)) return { path: env.K6_BIN, source: 'K6_BIN' };
    throw new InfrastructureError(`K6_BIN is set to ${env.K6_BIN}, which is not an executable file. Fix or unset K6_BIN.`);
  }
  const onPath = await findOnPath('k6', env);
  if (onPath) return { path: onPath, source: 'PATH' };
  const cached = cachedK6Path(env);
  if (await isExecutable(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

/**
 * k6 to run: found, or built once with Go into rehearse's cache. Exit 3
 * (InfrastructureError) with install instructions when neither works.
 */
export async function locateK6(options: LocateK6Options = {}): Promise<K6Binary> {
  const env = options.env ?? process.env;
  const found = await findK6(env);
  if (found) return found;
  if (options.build === false) throw new InfrastructureError(`k6 was not found. ${K6_INSTALL_HINT}`);
  const go = await findOnPath('go', env);
  if (!go) throw new InfrastructureError(`k6 was not found and Go is not installed to build it. ${K6_INSTALL_HINT}`);
  return { path: await buildK6(go, env, options), source: 'built' };
}

/**
 * Builds k6 in a scratch module rather than with `go install module@version`:
 * `go install` also asks the proxy for the module's version list to check for
 * deprecation, and proxies that serve pinned versions only refuse that list.
 */
async function buildK6(go: string, env: NodeJS.ProcessEnv, options: LocateK6Options): Promise<string> {
  const target = cachedK6Path(env);
  await mkdir(path.dirname(target), { recursive: true });
  const workDir = await mkdtemp(path.join(path.dirname(target), 'build-'));
  options.onProgress?.(`building k6 ${K6_VERSION} with Go into ${target} (once; this takes a few minutes)`);
  const goEnv = { ...env, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' };
  const steps: [string, string[]][] = [
    ['go mod init', ['mod', 'init', 'rehearse.local/k6build']],
    [`go get ${K6_MODULE}@${K6_VERSION}`, ['get', `${K6_MODULE}@${K6_VERSION}`]],
    ['go build', ['build', '-trimpath', '-o', path.join(workDir, 'k6'), K6_MODULE]],
  ];
  try {
    for (const [label, args] of steps) {
      options.onProgress?.(`  ${label}`);
      const result = await runCommand(go, args, { cwd: workDir, env: goEnv, signal: options.signal });
      if (result.code !== 0) throw new InfrastructureError(`building k6 failed at \`${label}\`. ${K6_INSTALL_HINT}`, tailOf(result));
    }
    await rename(path.join(workDir, 'k6'), target);
    options.onProgress?.(`k6 ${K6_VERSION} built: ${target}`);
    return target;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** `k6 v2.0.0 (go1.26.8, linux/amd64)` → the first line of `k6 version`. */
export async function k6Version(binary: string): Promise<string> {
  const result = await runCommand(binary, ['version'], { env: { ...process.env, K6_NO_USAGE_REPORT: 'true' } });
  if (result.code !== 0) throw new InfrastructureError(`${binary} version failed`, tailOf(result));
  return result.stdout.trim().split('\n')[0] ?? '';
}
