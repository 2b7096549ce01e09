import { fingerprintQuery, normalizeQuery } from '../collect/query-fingerprint.ts';
import type { MigrationStatement } from './release-event-schema.ts';

type WaitingQuery = NonNullable<MigrationStatement['waitingQueries']>[number];

/**
 * The statements that waited behind a migration, as the record keeps them:
 * fingerprinted (to map them to pages through the probe's query profiles)
 * and normalized (the raw text may hold a user's values), merged by
 * fingerprint, most waits first.
 */
export async function nameWaitingQueries(waiting: readonly { query: string; requests: number }[]): Promise<WaitingQuery[]> {
  const named = new Map<string, WaitingQuery>();
  for (const { query, requests } of waiting) {
    const { fingerprint } = await fingerprintQuery(query);
    const entry = named.get(fingerprint) ?? { fingerprint, query: await normalizeQuery(query), requests: 0 };
    entry.requests += requests;
    named.set(fingerprint, entry);
  }
  return [...named.values()].sort((a, b) => b.requests - a.requests || a.query.localeCompare(b.query));
}
