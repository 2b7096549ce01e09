import { createReadStream } from 'node:fs';
import readline from 'node:readline';

export interface K6Point {
  metric: string;
  value: number;
  tags: Record<string, string>;
}

/** The Point lines of a k6 `--out json=` file, for tests that inspect what k6 did. */
export async function readK6Points(file: string, metrics: readonly string[]): Promise<K6Point[]> {
  const points: K6Point[] = [];
  const lines = readline.createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.startsWith('{"metric":')) continue;
    const parsed = JSON.parse(line) as { metric: string; type: string; data: { value: number; tags?: Record<string, string>; metadata?: Record<string, string> } };
    if (parsed.type !== 'Point' || !metrics.includes(parsed.metric)) continue;
    // k6 puts high-cardinality system tags such as `vu` in metadata.
    points.push({ metric: parsed.metric, value: parsed.data.value, tags: { ...parsed.data.metadata, ...parsed.data.tags } });
  }
  return points;
}
