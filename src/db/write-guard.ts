import { readMarker, unsafeTargetError } from './disposable-marker.ts';
import type { RunningDatabase } from './provider.ts';

/**
 * The safety rule, checked before anything is created or written: rehearse
 * writes only on a server it started itself, or through a database that
 * carries its marker (one it created, or one a person marked disposable).
 * Reads only, so a refused database is left exactly as it was.
 */
export async function assertWritable(database: RunningDatabase): Promise<void> {
  if (database.owned) return;
  if (await readMarker(database.admin)) return;
  throw unsafeTargetError(database.url, 'write to');
}
