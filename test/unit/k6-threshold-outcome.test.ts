import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFailedThresholds } from '../../src/k6/threshold-outcome.ts';

describe("k6's verdict per threshold", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-k6-summary-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('reads the thresholds k6 marked failed (true in --summary-export), and removes the file', async () => {
    const file = path.join(dir, 'k6-summary-load.json');
    await writeFile(
      file,
      JSON.stringify({
        metrics: {
          'http_req_duration{page:Posts}': { thresholds: { 'p(95)<300': false } },
          'http_req_failed{page:Posts}': { thresholds: { 'rate<=0.01': true } },
          http_req_failed: { thresholds: { 'rate<=0.5': { ok: false } } },
          http_reqs: { values: { count: 3 } },
        },
      }),
    );
    expect(await readFailedThresholds(file)).toEqual([
      { metric: 'http_req_failed{page:Posts}', threshold: 'rate<=0.01' },
      { metric: 'http_req_failed', threshold: 'rate<=0.5' },
    ]);
    expect(existsSync(file)).toBe(false);
  });

  it('says nothing when k6 wrote no summary (killed before the end)', async () => {
    expect(await readFailedThresholds(path.join(dir, 'missing.json'))).toBeUndefined();
  });
});
