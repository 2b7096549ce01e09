import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeRuns } from '../../src/analyze/analyze-runs.ts';
import { renderMarkdownText } from '../../src/report/render-markdown.ts';
import { describeAppliedRelease } from '../../src/run/describe-applied-release.ts';
import { writeRunRecord } from '../../src/run/run-record.ts';
import { runRecord } from '../support/run-record-builders.ts';

const APPLIED = { name: 'pool-too-small', description: null, env: { PORTAL_RELEASE: 'baseline', POOL_SIZE: '2' }, command: null, config: null };

describe('what a release applied, as the record and the report keep it', () => {
  it('says it in one line: env, command, app config', () => {
    expect(describeAppliedRelease(APPLIED)).toBe('env PORTAL_RELEASE=baseline, POOL_SIZE=2');
    expect(describeAppliedRelease({ ...APPLIED, env: {}, command: 'node v2.js', config: 'next.config.ts' })).toBe('command node v2.js; app from next.config.ts');
    expect(describeAppliedRelease(undefined)).toBe('nothing (a label)');
  });

  it('masks a credential-like variable of the release when the record is written', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-applied-'));
    try {
      const record = runRecord({ release: 'pool-too-small' });
      const withSecret = { ...record, context: { ...record.context, appliedRelease: { ...APPLIED, env: { ...APPLIED.env, PAYMENTS_API_KEY: 'sk-live-1234' } } } };
      const file = await writeRunRecord(dir, withSecret);
      const written = JSON.parse(await readFile(file, 'utf8'));
      expect(written.context.appliedRelease.env).toEqual({ PORTAL_RELEASE: 'baseline', POOL_SIZE: '2', PAYMENTS_API_KEY: '***' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows it in the report context beside the release', () => {
    const candidate = runRecord({ release: 'pool-too-small' });
    const analysis = analyzeRuns({ baselines: [runRecord()], candidates: [{ ...candidate, context: { ...candidate.context, appliedRelease: APPLIED } }] });
    expect(renderMarkdownText(analysis)).toContain('| release applied | env PORTAL_RELEASE=baseline, POOL_SIZE=2 | nothing (a label) |');
  });
});
