import type { ReleaseAction, ReleaseEvent } from '../release/release-event-schema.ts';
import type { Timeline, TimelinePoint } from '../run/run-record-schema.ts';

/** Requests, errors and p95 of one page over a window of whole seconds. */
export interface WindowStats {
  requests: number;
  errors: number;
  errorRate: number;
  /** The 95th percentile of the window's per-second p95s, weighted by requests; null without requests. */
  p95Ms: number | null;
}

/** The range a page moved in before the deploy: what "recovered" returns to. */
export interface PreEventBand {
  p95Ms: number;
  errorRate: number;
}

export interface PageAroundAction {
  page: string;
  before: WindowStats;
  during: WindowStats;
  after: WindowStats;
  /** Errors of the page from the action's start to the second the traffic moved. */
  failedDuringSwitch: number;
  /** Seconds from the switch until p95 and error rate were back in the pre-event band; null: did not recover before the load ended (or the next action). */
  recoverySeconds: number | null;
  /** Seconds (with requests) out of the pre-event band from the action's start until the next action or the load's end. */
  secondsOutOfBand: number;
}

export interface ActionWindows {
  kind: ReleaseAction['kind'];
  /** Seconds after the load started, when the action started and when traffic moved; null when it never did. */
  startedSecond: number | null;
  switchedSecond: number | null;
  pages: PageAroundAction[];
  failedDuringSwitch: number;
  /** For a rollback: whether every page's error rate after it was back within the pre-deploy band; null for a deploy. */
  restoredService: boolean | null;
}

/** How long each side of an action looks: before it, and after it when no later action comes first. */
export const WINDOW_SECONDS = 10;
/** Seconds (each with requests) a page must be seen in band after its last second out of it to count as recovered. */
export const RECOVERY_RUN = 3;
/** A second is in band when its p95 is within this factor of the band, plus a floor for pages of a few milliseconds. */
const P95_BAND_FACTOR = 1.25;
const P95_BAND_FLOOR_MS = 5;
/** …and its error rate within this much of the band's. */
const ERROR_RATE_SLACK = 0.01;

/**
 * Each action of a release event placed on the run's per-second timeline:
 * per page, the window before, during (start to switch) and after it, the
 * requests that failed during the switch, and how long until the page was
 * back in the band it moved in before the deploy. Pure: windows are whole
 * seconds of the timeline, the actions' instants rounded down to theirs.
 */
export function releaseWindows(event: ReleaseEvent, timeline: Timeline): ActionWindows[] {
  const first = timeline.all[0]?.time;
  if (first === undefined) return [];
  const last = timeline.all.at(-1)!.time;
  const bounds = actionBounds(event.actions, last);
  const deploy = bounds.find((bound) => bound.action.kind === 'deploy');
  const origin = event.loadStartedAt ?? first;
  return bounds.map((bound, position) => {
    const next = bounds[position + 1]?.start ?? last + 1000;
    const previousEnd = position > 0 ? bounds[position - 1]!.switched + 1000 : first;
    const beforeRange: Range = [Math.max(previousEnd, bound.start - WINDOW_SECONDS * 1000), bound.start];
    const duringRange: Range = [bound.start, bound.switched + 1000];
    const afterRange: Range = [bound.switched + 1000, Math.min(next, bound.switched + 1000 + WINDOW_SECONDS * 1000)];
    const pages = timeline.pages.map(({ page, points }) => {
      const band = deploy ? preEventBand(points, [Math.max(first, deploy.start - WINDOW_SECONDS * 1000), deploy.start]) : null;
      const during = windowStats(points, duringRange);
      return {
        page,
        before: windowStats(points, beforeRange),
        during,
        after: windowStats(points, afterRange),
        failedDuringSwitch: during.errors,
        recoverySeconds: band ? recoverySeconds(points, band, bound.start, bound.switched, next) : null,
        secondsOutOfBand: band ? points.filter((point) => point.time >= bound.start && point.time < next && point.requests > 0 && !inBand(point, band)).length : 0,
      };
    });
    return {
      kind: bound.action.kind,
      startedSecond: bound.action.startedAt === null ? null : secondsAfter(bound.action.startedAt, origin),
      switchedSecond: bound.action.switchedAt === null ? null : secondsAfter(bound.action.switchedAt, origin),
      pages,
      failedDuringSwitch: pages.reduce((sum, page) => sum + page.failedDuringSwitch, 0),
      restoredService: bound.action.kind === 'rollback' ? restored(timeline, pages, deploy, first) : null,
    };
  });
}

type Range = [from: number, to: number];

interface ActionBound {
  action: ReleaseAction;
  /** Second (epoch ms, whole second) the action started, and the one traffic moved in (the load's last when it never did). */
  start: number;
  switched: number;
}

function actionBounds(actions: readonly ReleaseAction[], last: number): ActionBound[] {
  return actions
    .filter((action) => action.startedAt !== null)
    .map((action) => ({ action, start: wholeSecond(action.startedAt!), switched: action.switchedAt === null ? last : wholeSecond(action.switchedAt) }));
}

/** Seconds after the load started, to a tenth. */
function secondsAfter(epochMs: number, origin: number): number {
  return Math.round((epochMs - origin) / 100) / 10;
}

function wholeSecond(epochMs: number): number {
  return Math.floor(epochMs / 1000) * 1000;
}

function inRange(point: TimelinePoint, [from, to]: Range): boolean {
  return point.time >= from && point.time < to;
}

export function windowStats(points: readonly TimelinePoint[], range: Range): WindowStats {
  const inside = points.filter((point) => inRange(point, range));
  const requests = inside.reduce((sum, point) => sum + point.requests, 0);
  const errors = inside.reduce((sum, point) => sum + point.errors, 0);
  return { requests, errors, errorRate: requests > 0 ? errors / requests : 0, p95Ms: weightedP95(inside) };
}

/** The p95 a window's requests would have, from its seconds' p95s weighted by their requests (the raw samples are not kept per second). */
function weightedP95(points: readonly TimelinePoint[]): number | null {
  const measured = points.filter((point) => point.requests > 0).sort((a, b) => a.p95 - b.p95);
  const total = measured.reduce((sum, point) => sum + point.requests, 0);
  if (total === 0) return null;
  let seen = 0;
  for (const point of measured) {
    seen += point.requests;
    if (seen >= 0.95 * total) return point.p95;
  }
  return measured.at(-1)!.p95;
}

/** The highest per-second p95 and error rate of the page before the deploy. */
export function preEventBand(points: readonly TimelinePoint[], range: Range): PreEventBand | null {
  const inside = points.filter((point) => inRange(point, range) && point.requests > 0);
  if (inside.length === 0) return null;
  return { p95Ms: Math.max(...inside.map((point) => point.p95)), errorRate: Math.max(...inside.map((point) => point.errors / point.requests)) };
}

function inBand(point: TimelinePoint, band: PreEventBand): boolean {
  return point.p95 <= Math.max(band.p95Ms * P95_BAND_FACTOR, band.p95Ms + P95_BAND_FLOOR_MS) && point.errors / point.requests <= band.errorRate + ERROR_RATE_SLACK;
}

/**
 * Seconds from the switch until the page was back in band for good: after
 * its last second out of band (among seconds with requests, from the
 * action's start to `until`), with at least RECOVERY_RUN seconds in band
 * after it to show it; 0 when it never left the band; null when it did not
 * settle before `until` (the next action or the load's end).
 */
export function recoverySeconds(points: readonly TimelinePoint[], band: PreEventBand | null, start: number, switched: number, until: number): number | null {
  if (!band) return null;
  const seconds = points.filter((point) => point.time >= start && point.time < until && point.requests > 0);
  const lastOut = seconds.findLastIndex((point) => !inBand(point, band));
  if (lastOut === -1) return 0;
  if (seconds.length - 1 - lastOut < RECOVERY_RUN) return null;
  return Math.max(0, seconds[lastOut]!.time + 1000 - switched) / 1000;
}

/** A rollback restored service when every page's errors after it are back within the band it had before the deploy. */
function restored(timeline: Timeline, pages: readonly PageAroundAction[], deploy: ActionBound | undefined, first: number): boolean {
  if (!deploy) return false;
  return pages.every((page) => {
    const points = timeline.pages.find((entry) => entry.page === page.page)?.points ?? [];
    const band = preEventBand(points, [Math.max(first, deploy.start - WINDOW_SECONDS * 1000), deploy.start]);
    return page.after.requests === 0 || page.after.errorRate <= (band?.errorRate ?? 0) + ERROR_RATE_SLACK;
  });
}
