import { describe, expect, it } from 'vitest';
import type { Check } from '../../src/doctor/checks.ts';
import { runDoctor } from '../../src/doctor/run-doctor.ts';

const check = (label: string, required: boolean, status: 'ok' | 'warn' | 'missing' | 'skipped'): Check => ({
  label,
  required,
  run: async () => ({ status, detail: status, fix: 'do something' }),
});

const context = { env: {}, db: { provider: 'embedded' as const, settings: {} } };

describe('doctor', () => {
  it('passes when every required check is ok or warns', async () => {
    const report = await runDoctor(context, [check('a', true, 'ok'), check('b', true, 'warn'), check('c', false, 'missing'), check('d', false, 'skipped')]);
    expect(report.ok).toBe(true);
    expect(report.lines.map((line) => line.label)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('fails when a required check is missing', async () => {
    const report = await runDoctor(context, [check('a', true, 'ok'), check('k6', true, 'missing')]);
    expect(report.ok).toBe(false);
    expect(report.lines[1]).toMatchObject({ label: 'k6', status: 'missing', fix: 'do something' });
  });

  it('reports a check that throws as missing, with the reason', async () => {
    const broken: Check = { label: 'x', required: true, run: async () => Promise.reject(new Error('kaput')) };
    const report = await runDoctor(context, [broken]);
    expect(report.ok).toBe(false);
    expect(report.lines[0]?.detail).toBe('check failed: kaput');
  });
});
