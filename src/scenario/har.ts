import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { describeIssue } from '../config/format-issues.ts';
import { ScenarioError } from '../errors.ts';

// The parts of a HAR 1.2 file (the HTTP Archive format browsers export) the importer
// reads; browsers, k6 Studio and proxies add more, which is ignored.
const nameValue = z.object({ name: z.string(), value: z.string() });

const entrySchema = z.object({
  startedDateTime: z.string().refine((text) => !Number.isNaN(Date.parse(text)), { message: 'expected an ISO 8601 date and time' }),
  /** Milliseconds the request took in all; -1 or missing when unknown. */
  time: z.number().optional(),
  request: z.object({
    method: z.string().min(1),
    url: z.string().min(1),
    headers: z.array(nameValue).default([]),
    postData: z
      .object({
        mimeType: z.string().default(''),
        text: z.string().optional(),
        params: z.array(z.object({ name: z.string(), value: z.string().optional() })).optional(),
      })
      .optional(),
  }),
  response: z.object({
    status: z.number(),
    headers: z.array(nameValue).default([]),
    cookies: z.array(nameValue).default([]),
    content: z
      .object({
        mimeType: z.string().optional(),
        text: z.string().optional(),
        encoding: z.string().optional(),
      })
      .default({}),
  }),
  /** Chromium's (and Playwright's) resource type: document, script, stylesheet, image, font, fetch, xhr… */
  _resourceType: z.string().optional(),
});

export const harSchema = z.object({
  log: z.object({
    creator: z.object({ name: z.string(), version: z.string().optional() }).optional(),
    entries: z.array(entrySchema),
  }),
});

export type Har = z.infer<typeof harSchema>;
export type HarEntry = Har['log']['entries'][number];

/** A HAR value, validated: every problem names the file and the path, as scenario errors do. */
export function parseHar(value: unknown, file: string): Har {
  const parsed = harSchema.safeParse(value, { reportInput: true });
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.slice(0, 10).flatMap((issue) => describeIssue(issue).split('\n'));
  throw new ScenarioError(file, lines.map((line) => `${file}: ${line}`).join('\n'));
}

/** Reads and validates a HAR file (exit 2 naming the file when it is not one). */
export async function readHarFile(file: string, shown = file): Promise<Har> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new ScenarioError(shown, `${shown}: ${reason}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(shown, `${shown}: not JSON (${(error as Error).message}); expected a HAR file as browsers export it`);
  }
  return parseHar(value, shown);
}

/** A response body as text, decoding base64 when the HAR stored it so. */
export function responseText(entry: HarEntry): string {
  const { text, encoding } = entry.response.content;
  if (text === undefined) return '';
  return encoding === 'base64' ? Buffer.from(text, 'base64').toString('utf8') : text;
}
