import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig, type LoadedConfig } from '../../src/config/load-config.ts';
import { ConfigError, UsageError } from '../../src/errors.ts';
import { prepareReleaseEvent } from '../../src/run/release-event-stage.ts';
import type { PlannedScenario } from '../../src/run/run-record-schema.ts';

const LOAD: PlannedScenario[] = [{ scenario: 'parents', journey: 'parents', step: null, warmup: false, offeredRate: 2, plannedArrivals: 60, preAllocatedVUs: 5, maxVUs: 10, startSeconds: 0, durationSeconds: 30 }];

describe('checking a release event before anything starts (exit 2)', () => {
  let root: string;
  let loaded: LoadedConfig;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'rehearse-release-event-'));
    await mkdir(path.join(root, 'migrations/next'), { recursive: true });
    await mkdir(path.join(root, 'migrations/broken'), { recursive: true });
    await writeFile(path.join(root, 'migrations/next/001.sql'), 'create index i on posts (school_id);');
    await writeFile(path.join(root, 'migrations/broken/001.sql'), 'alter tabel posts;');
    const config = {
      app: { command: 'node server.js' },
      releases: {
        next: { env: { RELEASE: 'next' }, migrations: 'migrations/next' },
        broken: { migrations: 'migrations/broken' },
        missing: { migrations: 'migrations/none' },
        commanded: { env: { RELEASE: 'commanded' }, migrate: 'npm run migrate' },
      },
    };
    loaded = { config: validateConfig('rehearse.config.ts', config), file: path.join(root, 'rehearse.config.ts'), root };
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  const refusal = async (candidate: string | undefined, event: Parameters<typeof prepareReleaseEvent>[2]) => {
    const error = await prepareReleaseEvent(loaded, candidate, event, LOAD).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    return (error as UsageError).message;
  };

  it('reads and checks the candidate’s migration SQL, and starts both apps with their own environments', async () => {
    const event = await prepareReleaseEvent(loaded, 'next', { deployAtSeconds: 10, rollbackAtSeconds: 20 }, LOAD);
    expect(event.plan.statements.map((statement) => statement.sql)).toEqual(['create index i on posts (school_id)']);
    expect(event.plan.findings.map((finding) => finding.rule)).toEqual(['create-index-not-concurrently', 'no-lock-timeout']);
    expect(event.candidateApp.env).toEqual({ RELEASE: 'next' });
    expect(event.baselineApp.env).toEqual({});
  });

  it('refuses times outside the load and a rollback before the deploy', async () => {
    expect(await refusal('next', { deployAtSeconds: 30 })).toMatch(/--deploy-at: 30s is not inside the load, which lasts 30s/);
    expect(await refusal('next', { deployAtSeconds: 10, rollbackAtSeconds: 5 })).toMatch(/--rollback-at: expected a time after --deploy-at \(10s\), got 5s/);
  });

  it('refuses a candidate the config does not define, and migration SQL that does not parse or is not there', async () => {
    expect(await refusal(undefined, { deployAtSeconds: 5 })).toMatch(/--deploy-at: needs --release <candidate>/);
    expect(await refusal('nope', { deployAtSeconds: 5 })).toMatch(/must be one of the config's releases .* known: next, broken, missing/);
    expect(await refusal('broken', { deployAtSeconds: 5 })).toMatch(/releases\.broken\.migrations: migrations\/broken\/001\.sql: not valid SQL/);
    expect(await refusal('missing', { deployAtSeconds: 5 })).toMatch(/releases\.missing\.migrations: no folder migrations\/none/);
  });

  it('plans a migrate command in the release’s app directory, with nothing to check statically', async () => {
    const event = await prepareReleaseEvent(loaded, 'commanded', { deployAtSeconds: 10 }, LOAD);
    expect(event.plan.migrate).toEqual({ kind: 'command', source: 'npm run migrate' });
    expect(event.migrateCwd).toBe(root);
    expect(event.plan.statements).toEqual([]);
    expect(event.candidateApp.env).toEqual({ RELEASE: 'commanded' });
  });

  it('refuses a release with both migrations and a migrate command, naming the file and the path', () => {
    const both = { app: { command: 'node server.js' }, releases: { next: { migrations: 'migrations/next', migrate: 'npm run migrate' } } };
    expect(() => validateConfig('rehearse.config.ts', both)).toThrow(ConfigError);
    expect(() => validateConfig('rehearse.config.ts', both)).toThrow(/rehearse\.config\.ts.*releases\.next\.migrate.*one of "migrations" \(a folder of \.sql files\) or "migrate" \(a command\), not both/s);
    expect(() => validateConfig('rehearse.config.ts', { releases: { next: { migrate: '' } } })).toThrow(/releases\.next\.migrate/);
  });

  it('refuses a migrate command whose app directory is not there', async () => {
    const elsewhere = { ...loaded, config: { ...loaded.config, app: { ...loaded.config.app!, cwd: 'no-such-app' } } };
    const error = await prepareReleaseEvent(elsewhere, 'commanded', { deployAtSeconds: 5 }, LOAD).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as UsageError).message).toMatch(/rehearse\.config\.ts: releases\.commanded\.migrate: runs in the release's app directory, and there is no folder .*no-such-app/);
  });
});
