import os from 'node:os';
import path from 'node:path';

/**
 * rehearse's per-user cache (built k6 binaries and the like):
 * REHEARSE_CACHE_DIR, else $XDG_CACHE_HOME/rehearse, else ~/.cache/rehearse.
 */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.REHEARSE_CACHE_DIR) return path.resolve(env.REHEARSE_CACHE_DIR);
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'rehearse');
}
