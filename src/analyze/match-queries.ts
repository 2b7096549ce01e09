import type { PooledProfile } from './pool-runs.ts';

export interface QueryText {
  fingerprint: string;
  id: string;
  query: string;
}

export interface QueryMatching {
  /** Candidate fingerprint → the baseline fingerprint it is compared with (itself when matched exactly). */
  predecessor: Map<string, string>;
  /** Candidate fingerprints with no predecessor. */
  added: string[];
  /** Baseline fingerprints nothing in the candidate continues. */
  removed: string[];
}

function tokens(query: string): Set<string> {
  return new Set(query.toLowerCase().split(/[^a-z0-9_$]+/).filter(Boolean));
}

/** Token Jaccard similarity of two normalized SQL texts, 0..1. */
export function querySimilarity(a: string, b: string): number {
  const left = tokens(a);
  const right = tokens(b);
  let shared = 0;
  for (const token of left) if (right.has(token)) shared += 1;
  const union = left.size + right.size - shared;
  return union === 0 ? 1 : shared / union;
}

/**
 * Matches queries across runs by fingerprint (libpg_query, stable across
 * servers; queryid is not, it hashes relation OIDs). A release that rewrites
 * a query gives it a new fingerprint, so what is left unmatched is paired,
 * most similar first, when the texts are at least `minSimilarity` alike: the
 * rewritten query is then compared with the one it replaced instead of being
 * reported as new beside a vanished one.
 */
export function matchQueries(baseline: readonly QueryText[], candidate: readonly QueryText[], minSimilarity: number): QueryMatching {
  const baselineFingerprints = new Set(baseline.map((query) => query.fingerprint));
  const predecessor = new Map<string, string>();
  for (const query of candidate) if (baselineFingerprints.has(query.fingerprint)) predecessor.set(query.fingerprint, query.fingerprint);
  const unmatchedCandidate = candidate.filter((query) => !predecessor.has(query.fingerprint));
  const continued = new Set(predecessor.values());
  const unmatchedBaseline = baseline.filter((query) => !continued.has(query.fingerprint));
  const pairs = unmatchedCandidate
    .flatMap((added) => unmatchedBaseline.map((removed) => ({ added, removed, similarity: querySimilarity(added.query, removed.query) })))
    .filter((pair) => pair.similarity >= minSimilarity)
    .sort((a, b) => b.similarity - a.similarity || a.added.fingerprint.localeCompare(b.added.fingerprint) || a.removed.fingerprint.localeCompare(b.removed.fingerprint));
  const pairedBaseline = new Set<string>();
  for (const pair of pairs) {
    if (predecessor.has(pair.added.fingerprint) || pairedBaseline.has(pair.removed.fingerprint)) continue;
    predecessor.set(pair.added.fingerprint, pair.removed.fingerprint);
    pairedBaseline.add(pair.removed.fingerprint);
  }
  return {
    predecessor,
    added: candidate.filter((query) => !predecessor.has(query.fingerprint)).map((query) => query.fingerprint),
    removed: unmatchedBaseline.filter((query) => !pairedBaseline.has(query.fingerprint)).map((query) => query.fingerprint),
  };
}

export interface QueryPages {
  page: string;
  callsPerRequest: number;
  /** True when the query was not in any page's profile and its pages are those of the most similar profiled query. */
  inferred: boolean;
}

/**
 * The pages that issue a query, from the query profiles. A query the probe
 * never ran (the probe requests each page as one kind of user) borrows the
 * pages of the most similar profiled query, marked as inferred.
 */
export function pagesOfQuery(query: QueryText, profiles: readonly PooledProfile[], minSimilarity: number): QueryPages[] {
  const direct = profiles.flatMap((profile) =>
    profile.statements.filter((statement) => statement.fingerprint === query.fingerprint).map((statement) => ({ page: profile.page, callsPerRequest: statement.callsPerRequest, inferred: false })),
  );
  if (direct.length > 0) return direct;
  let best: { fingerprint: string; similarity: number } | undefined;
  for (const statement of profiles.flatMap((profile) => profile.statements)) {
    const similarity = querySimilarity(query.query, statement.query);
    if (similarity >= minSimilarity && (!best || similarity > best.similarity)) best = { fingerprint: statement.fingerprint, similarity };
  }
  if (!best) return [];
  const like = best.fingerprint;
  return profiles.flatMap((profile) =>
    profile.statements.filter((statement) => statement.fingerprint === like).map(() => ({ page: profile.page, callsPerRequest: 0, inferred: true })),
  );
}
