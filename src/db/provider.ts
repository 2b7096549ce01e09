import type pg from 'pg';
import type { DbProviderName } from '../config/schema.ts';

export interface ConnectionInfo {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** A Postgres that is up; whoever started it owns it and must call stop(). */
export interface RunningDatabase {
  readonly provider: DbProviderName;
  readonly connection: ConnectionInfo;
  /** Full connection URL, password included: never print it, use maskUrl(). */
  readonly url: string;
  /** A small pool on the maintenance database, for rehearse's own queries. */
  readonly admin: pg.Pool;
  /** Whether rehearse created this server (and may drop and create databases freely). */
  readonly owned: boolean;
  /** What a person may want to know: data directory, container id, server pid. */
  readonly details: Readonly<Record<string, string>>;
  /** Stops the server or container and removes temporary data. Idempotent. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Aborting stops whatever was started so far and rejects. */
  signal?: AbortSignal;
  /** Receives progress lines ("initialising cluster …"). */
  onProgress?: (line: string) => void;
}

export interface DbProvider {
  readonly name: DbProviderName;
  start(options?: StartOptions): Promise<RunningDatabase>;
}
