import { z } from 'zod';
import { isDuration } from './duration.ts';
import { nonJsonValues } from './request-body.ts';

const duration = z.string().refine(isDuration, { message: 'expected a duration such as "30s", "1m30s" or "500ms"' });
const rate = z.number().nonnegative();
const maxVUs = z.number().int().positive().optional();

const loadShape = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('spike'), from: rate, peak: z.number().positive(), rampUp: duration, hold: duration, rampDown: duration, maxVUs }),
  z.strictObject({ kind: z.enum(['steady', 'soak']), rate: z.number().positive(), duration, maxVUs }),
  z.strictObject({ kind: z.literal('breakpoint'), from: rate, to: z.number().positive(), duration, maxVUs }),
  z.strictObject({
    kind: z.literal('stepped'),
    from: z.number().positive(),
    to: z.number().positive(),
    steps: z.number().int().min(2).max(50),
    hold: duration,
    warmup: duration.optional(),
    maxVUs,
  }),
  z.strictObject({ kind: z.literal('vus'), vus: z.number().int().positive(), duration }),
  z.strictObject({
    kind: z.literal('ramping-vus'),
    startVUs: z.number().int().nonnegative(),
    stages: z.array(z.strictObject({ duration, target: z.number().int().nonnegative() })).min(1),
  }),
]);

/** Any JSON value; anything else (undefined, NaN, a Date, a function…) is named with where it sits. */
const jsonBody = z.unknown().superRefine((value, context) => {
  for (const problem of nonJsonValues(value)) {
    context.addIssue({ code: 'custom', path: problem.path, message: `expected a JSON value (text, number, boolean, null, array or object), got ${problem.got}`, input: value });
  }
});

const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'an HTTP header name');
const headers = z.record(headerName, z.string()).optional();

const identifier = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a name made of letters, digits and _');

const bodyCheck = z.strictObject({ name: z.string().min(1), contains: z.string().optional(), notContains: z.string().optional() });

const pageStep = z.strictObject({
  kind: z.literal('page'),
  name: z.string().min(1),
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']),
  path: z.string().startsWith('/'),
  body: jsonBody.optional(),
  bodyType: z.enum(['json', 'form']),
  headers,
  capture: z.record(identifier, z.string()).optional(),
  expect: z.array(z.number().int().min(100).max(599)).min(1),
  checks: z.array(bodyCheck),
  followRedirects: z.boolean(),
});

const thinkStep = z.strictObject({
  kind: z.literal('think'),
  seconds: z.union([z.number().nonnegative(), z.tuple([z.number().nonnegative(), z.number().nonnegative()])]),
});

// 0 is allowed: an impossible budget is how a test proves failures are reported.
const budget = z.strictObject({
  p95Ms: z.number().nonnegative().optional(),
  p99Ms: z.number().nonnegative().optional(),
  errorRate: z.number().min(0).max(1).optional(),
});

export const scenarioSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'a lowercase name made of letters, digits and dashes'),
  description: z.string().min(1),
  data: z.record(identifier, z.strictObject({ sql: z.string().min(1), columns: z.array(identifier).min(1) })),
  journeys: z
    .record(
      identifier,
      z.strictObject({
        data: z.string(),
        load: loadShape,
        headers,
        steps: z.array(z.discriminatedUnion('kind', [pageStep, thinkStep])).min(1),
      }),
    )
    .refine((journeys) => Object.keys(journeys).length > 0, { message: 'expected at least one journey' }),
  budgets: z
    .strictObject({
      pages: z.record(z.string(), budget).optional(),
      overall: budget.optional(),
    })
    .optional(),
});
