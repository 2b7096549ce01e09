import type { PageResult, QueryProfile } from '../run/run-record-schema.ts';
import type { CapacityPageCost } from './analysis.ts';

/**
 * Which page eats the capacity: each page's cost per request from the probe
 * that requests it alone (database time: every statement's mean time × its
 * calls per request; the app's CPU per request when the probe measured it),
 * weighted by the page's share of the run's requests, as a share of the
 * whole mix's cost. One page taking most of it is the SchoolCloud lesson: it
 * takes the whole tier down first. Most costly first.
 */
export function pageCosts(pages: readonly PageResult[], profiles: readonly QueryProfile[]): CapacityPageCost[] {
  const requests = pages.reduce((total, page) => total + page.requests, 0);
  if (requests === 0) return [];
  const rows = pages.map((page) => {
    const profile = profiles.find((entry) => entry.page === page.page);
    const dbMsPerRequest = profile ? profile.statements.reduce((total, statement) => total + statement.meanMs * statement.callsPerRequest, 0) : null;
    const appCpuMsPerRequest = profile?.appCpuMsPerRequest ?? null;
    const requestShare = page.requests / requests;
    return { page: page.page, requestShare, dbMsPerRequest, appCpuMsPerRequest, weighted: requestShare * ((dbMsPerRequest ?? 0) + (appCpuMsPerRequest ?? 0)) };
  });
  const total = rows.reduce((sum, row) => sum + row.weighted, 0);
  return rows
    .map(({ weighted, ...row }) => ({ ...row, share: total > 0 ? weighted / total : 0 }))
    .sort((a, b) => b.share - a.share || a.page.localeCompare(b.page));
}
