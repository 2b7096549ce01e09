/** The counters and gauges rehearse reads from one `INFO all` reply. */
export interface RedisInfo {
  /** Command name (`get`, `set`, `client|setinfo`) → calls since the server started (INFO commandstats). */
  commands: Record<string, number>;
  keyspaceHits: number;
  keyspaceMisses: number;
  netInputBytes: number;
  netOutputBytes: number;
  usedMemoryBytes: number;
  connectedClients: number;
  /** used_cpu_user + used_cpu_sys: CPU seconds of the server's main process since it started. */
  cpuSeconds: number;
}

/**
 * Commands rehearse itself sends while it watches (INFO) or as a client
 * connects (HELLO, CLIENT SETINFO): never counted as the app's.
 */
const OWN_COMMANDS = new Set(['info', 'hello', 'client|setinfo', 'client|setname', 'auth', 'select', 'ping']);

/**
 * Reads an INFO reply (`# Section` headers, `key:value` lines). Unknown keys
 * are ignored; a missing counter reads 0, so an older server that lacks one
 * still gives the rest.
 *
 * @example
 * parseRedisInfo('# Commandstats\r\ncmdstat_get:calls=3,usec=9,usec_per_call=3.00\r\n').commands; // { get: 3 }
 */
export function parseRedisInfo(text: string): RedisInfo {
  const fields = new Map<string, string>();
  const commands: Record<string, number> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (line.startsWith('#') || colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1);
    if (key.startsWith('cmdstat_')) {
      const calls = /(?:^|,)calls=(\d+)/.exec(value)?.[1];
      if (calls !== undefined) commands[key.slice('cmdstat_'.length)] = Number(calls);
    } else fields.set(key, value);
  }
  const number = (key: string) => {
    const value = Number(fields.get(key));
    return Number.isFinite(value) ? value : 0;
  };
  return {
    commands,
    keyspaceHits: number('keyspace_hits'),
    keyspaceMisses: number('keyspace_misses'),
    netInputBytes: number('total_net_input_bytes'),
    netOutputBytes: number('total_net_output_bytes'),
    usedMemoryBytes: number('used_memory'),
    connectedClients: number('connected_clients'),
    cpuSeconds: number('used_cpu_user') + number('used_cpu_sys'),
  };
}

/** What the server did between two INFO readings: commands by name (rehearse's own left out), hits, misses, bytes. */
export interface CacheActivity {
  commands: Record<string, number>;
  hits: number;
  misses: number;
  inputBytes: number;
  outputBytes: number;
}

/**
 * The difference of two readings. A counter that went down (the server
 * restarted, CONFIG RESETSTAT) counts from zero rather than negative.
 *
 * @example
 * cacheActivityBetween(before, after).commands; // { get: 20, set: 20 }
 */
export function cacheActivityBetween(before: RedisInfo, after: RedisInfo): CacheActivity {
  const delta = (now: number, was: number) => (now >= was ? now - was : now);
  const commands: Record<string, number> = {};
  for (const [name, calls] of Object.entries(after.commands)) {
    const count = delta(calls, before.commands[name] ?? 0);
    if (count > 0 && !OWN_COMMANDS.has(name)) commands[name] = count;
  }
  return {
    commands,
    hits: delta(after.keyspaceHits, before.keyspaceHits),
    misses: delta(after.keyspaceMisses, before.keyspaceMisses),
    inputBytes: delta(after.netInputBytes, before.netInputBytes),
    outputBytes: delta(after.netOutputBytes, before.netOutputBytes),
  };
}

/** Every command of an activity together. */
export function totalCommands(activity: Pick<CacheActivity, 'commands'>): number {
  return Object.values(activity.commands).reduce((sum, calls) => sum + calls, 0);
}
