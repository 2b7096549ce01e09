import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunRecordError } from '../../src/errors.ts';
import { findSecrets, type SecretFinding } from '../../src/run/record-secrets.ts';
import { describeMachine } from '../../src/run/describe-machine.ts';
import { newRunRecord, readRunRecord, RunRecordWriteError, writeRunRecord, type RunRecord } from '../../src/run/run-record.ts';

const PASSWORD = 'pw-8f3a1c';

function completeRecord(): RunRecord {
  const record = newRunRecord(
    '2026-11-26T0400-baseline',
    {
      rehearseVersion: '0.1.0',
      node: process.version,
      k6Version: 'k6 v2.0.0',
      postgresVersion: '18.4',
      machine: describeMachine(),
      scenario: { name: 'parents-evening-login-spike', file: 'scenarios/parents-evening-login-spike.ts' },
      release: 'baseline',
      scale: 1,
      seed: 42,
      dbProvider: 'embedded',
    },
    new Date('2026-11-26T04:00:00Z'),
  );
  const point = { time: 1_795_659_348_000, requests: 12, errors: 1, p95: 48.1 };
  const latencyMs = { mean: 14.3, p50: 6.9, p90: 47.6, p95: 48, p99: 48, max: 48 };
  return {
    ...record,
    status: 'complete',
    failure: null,
    finishedAt: '2026-11-26T04:02:00.000Z',
    k6: { exitCode: 0, thresholdsFailed: false },
    pages: [{ page: 'My Bookings', requests: 12, errors: 1, errorRate: 1 / 12, throughput: 12, latencyMs, errorCauses: { 'HTTP 500': 1 } }],
    totals: { requests: 12, errors: 1, errorRate: 1 / 12, throughput: 12, latencyMs, errorCauses: { 'HTTP 500': 1 }, durationSeconds: 1, firstSampleAt: point.time, lastSampleAt: point.time },
    timeline: { bucketSeconds: 1, all: [point], pages: [{ page: 'My Bookings', points: [point] }] },
    checks: [{ name: 'My Bookings: status 200', passes: 11, fails: 1 }],
    samples: { used: 25, malformed: 0, late: 0 },
    statements: [
      {
        fingerprint: '0123456789abcdef',
        id: '01234567',
        queryIds: ['-4121'],
        query: 'select * from bookings where parent_id = $1',
        calls: 12,
        totalMs: 3,
        meanMs: 0.25,
        stddevMs: 0.1,
        minMs: 0.1,
        maxMs: 0.5,
        rows: 40,
        sharedBlocksHit: 100,
        sharedBlocksRead: 2,
        tempBlocksRead: 0,
        tempBlocksWritten: 0,
        plan: {
          generic: true,
          summary: { nodeTypes: ['Seq Scan'], seqScans: [{ relation: 'bookings', estimatedRows: 5000 }], joinMethods: [], indexes: [], totalCost: 92, estimatedRows: 4 },
          json: [{ Plan: { 'Node Type': 'Seq Scan' } }],
        },
        planError: null,
      },
    ],
    activity: {
      intervalMs: 1000,
      samples: [{ time: point.time, connections: 5, active: 2, idleInTransaction: 0, waiting: 1, waitEvents: { 'Lock:transactionid': 1 }, longestRunningMs: 12.5, longestRunningQuery: 'update slots set parent_id = $1' }],
      failures: { count: 0, last: null },
    },
    appMetrics: { url: 'http://127.0.0.1:4123/metrics', intervalMs: 1000, samples: [{ time: point.time, values: { portal_db_pool_waiting: 0 } }], failures: { count: 0, last: null } },
    queryProfiles: [{ page: 'My Bookings', requests: 10, queriesPerRequest: 2, rowsPerRequest: 4, sharedBlocksPerRequest: 9, statements: [] }],
    files: { k6Raw: 'k6-samples.csv.gz', appLog: 'app.log' },
  };
}

describe('the run record', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-record-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips through run.json, read from the run directory or the file', async () => {
    const record = completeRecord();
    const file = await writeRunRecord(dir, record, { secrets: [PASSWORD] });
    expect(file).toBe(path.join(dir, 'run.json'));
    expect(await readRunRecord(dir)).toEqual(record);
    expect(await readRunRecord(file)).toEqual(record);
  });

  it('holds no password: the written file has neither the database password nor a URL with credentials', async () => {
    await writeRunRecord(dir, completeRecord(), { secrets: [PASSWORD] });
    const text = await readFile(path.join(dir, 'run.json'), 'utf8');
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toMatch(/:\/\/[^\s/:@"]+:[^\s/@"]+@/);
    expect(findSecrets(JSON.parse(text), [PASSWORD])).toEqual([]);
  });

  it('masks a credential the record holds, naming where, and writes the rest', async () => {
    const leaky = completeRecord();
    leaky.appMetrics = { ...leaky.appMetrics!, url: `http://rehearse:${PASSWORD}@127.0.0.1:4123/metrics` };
    leaky.context = { ...leaky.context, release: `dsn host=x password=${PASSWORD}` };
    const masked: SecretFinding[] = [];
    await writeRunRecord(dir, leaky, { onMasked: (findings) => masked.push(...findings) });
    expect(masked).toEqual([
      { path: 'context.release', reason: 'a password= parameter' },
      { path: 'appMetrics.url', reason: 'a URL with a password' },
    ]);
    const written = await readRunRecord(dir);
    expect(written.appMetrics?.url).toBe('http://rehearse:***@127.0.0.1:4123/metrics');
    expect(written.context.release).toBe('dsn host=x password=***');
    expect(written.pages).toEqual(leaky.pages);
  });

  it('finds a known password where a secret stands, not inside ids and words', () => {
    expect(findSecrets({ note: `password: ${PASSWORD}` }, [PASSWORD])).toEqual([{ path: 'note', reason: 'the database password' }]);
    expect(findSecrets({ whole: PASSWORD }, [PASSWORD])).toEqual([{ path: 'whole', reason: 'the database password' }]);
    expect(findSecrets({ id: '20261126-040000-spike-2026', note: 'rehearsed in 2026' }, ['2026'])).toEqual([]);
    const random = 'a3f9c2e07b1d4e5f8a9b0c1d2e3f4a5b';
    expect(findSecrets({ log: `started with ${random}` }, [random])).toEqual([{ path: 'log', reason: 'the database password' }]);
    expect(findSecrets({ query: 'select 1 from users where password = $1 and password=$2' })).toEqual([]);
    expect(findSecrets({ url: 'postgres://app@db/x?sslmode=require&password=hunter2' })).toEqual([{ path: 'url', reason: 'a password= parameter' }]);
  });

  it('writes nothing half-way on a full disk, and saves the record elsewhere, saying where', async (context) => {
    const full = path.join(dir, 'full');
    await mkdir(full);
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=8k', 'tmpfs', full]);
    if (mounted.status !== 0) {
      console.log(`SKIP full-disk record test: cannot mount a tiny tmpfs (${mounted.stderr.toString().trim() || 'not root'})`);
      context.skip();
    }
    try {
      await writeFile(path.join(full, 'filler'), Buffer.alloc(4096));
      const record = { ...completeRecord(), statements: Array.from({ length: 40 }, () => completeRecord().statements[0]!) };
      const error = await writeRunRecord(path.join(full, 'run-1'), record, { fallbackDir: dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RunRecordWriteError);
      expect((error as RunRecordWriteError).exitCode).toBe(3);
      const fallback = path.join(dir, `rehearse-${record.id}.run.json`);
      expect((error as Error).message).toContain(`could not write the run record ${path.join(full, 'run-1', 'run.json')}: ENOSPC`);
      expect((error as Error).message).toContain(`The record was saved to ${fallback} instead`);
      expect(await readRunRecord(fallback)).toEqual(record);
      expect(await readdir(path.join(full, 'run-1'))).toEqual([]);
    } finally {
      spawnSync('umount', [full]);
    }
  });

  it('refuses to write an invalid record', async () => {
    await expect(writeRunRecord(dir, { ...completeRecord(), status: 'complete', failure: { stage: 'k6', message: 'x' } })).rejects.toThrow(/failure/);
  });

  it('starts incomplete, and is valid as it is', async () => {
    const record = newRunRecord('run-1', completeRecord().context);
    expect(record.status).toBe('incomplete');
    await writeRunRecord(dir, record);
    expect((await readRunRecord(dir)).failure).toEqual({ stage: 'run', message: 'the run did not finish' });
  });

  async function readError(content: string | undefined): Promise<RunRecordError> {
    const file = path.join(dir, 'run.json');
    if (content !== undefined) await writeFile(file, content);
    const error = await readRunRecord(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunRecordError);
    expect((error as RunRecordError).exitCode).toBe(2);
    return error as RunRecordError;
  }

  it('rejects a missing file, invalid JSON, a wrong schemaVersion and a schema violation with exit 2', async () => {
    expect((await readError(undefined)).message).toMatch(/No run record at .*run\.json/);
    expect((await readError('{"schemaVersion": 1, ')).message).toMatch(/is not valid JSON/);
    expect((await readError(JSON.stringify({ ...completeRecord(), schemaVersion: 2 }))).message).toMatch(
      /schemaVersion 2; rehearse .* reads schemaVersion 1/,
    );
    expect((await readError('{"hello": "world"}')).message).toMatch(/not a run record: it has no schemaVersion/);
    const broken = JSON.parse(JSON.stringify(completeRecord())) as { pages: Array<{ latencyMs: { p95: unknown } }> };
    broken.pages[0]!.latencyMs.p95 = 'fast';
    expect((await readError(JSON.stringify(broken))).message).toMatch(/run\.json: pages\[0\]\.latencyMs\.p95: expected number, got "fast"$/);
  });
});
