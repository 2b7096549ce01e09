import { capturedBefore } from './capture.ts';
import type { Journey, PageStep } from './define-scenario.ts';
import { isFormBody } from './request-body.ts';
import { templateNames } from './template.ts';

const CONTENT_TYPES = { json: 'application/json', form: 'application/x-www-form-urlencoded' } as const;

/**
 * The headers step `index` of a journey sends, as [name, template] pairs:
 * its body's content type, then the journey's headers whose captures exist
 * by then, then its own. A later header replaces an earlier one of the same
 * name in any case (keeping its place), so a page can override the journey
 * or the content type.
 */
export function stepHeaders(journey: Journey, index: number): [string, string][] {
  const step = journey.steps[index];
  if (step?.kind !== 'page') return [];
  const available = new Set(capturedBefore(journey, index));
  const all = journeyCaptures(journey);
  const captured = (template: string) => templateNames(template).every((name) => !all.has(name) || available.has(name));
  const layers: [string, string][] = [
    ...contentType(step),
    ...Object.entries(journey.headers ?? {}).filter(([, template]) => captured(template)),
    ...Object.entries(step.headers ?? {}),
  ];
  const byName = new Map<string, [string, string]>();
  for (const [name, template] of layers) byName.set(name.toLowerCase(), [name, template]);
  return [...byName.values()];
}

function contentType(step: PageStep): [string, string][] {
  if (step.body === undefined) return [];
  if (step.bodyType === 'form' && isFormBody(step.body)) return [['content-type', CONTENT_TYPES.form]];
  return [['content-type', CONTENT_TYPES.json]];
}

/** Every name any step of the journey captures. */
export function journeyCaptures(journey: Journey): Set<string> {
  return new Set(capturedBefore(journey, journey.steps.length));
}
