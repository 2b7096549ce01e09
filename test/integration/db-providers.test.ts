import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../src/db/create-provider.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';
import { probeDocker } from '../../src/system/docker-engine.ts';
import { TEST_POSTGRES_IMAGE, testcontainersUnavailable } from '../support/docker.ts';
import { isAlive, isListening } from '../support/processes.ts';

async function expectWorkingPostgres(database: RunningDatabase) {
  const { rows } = await database.admin.query<{ one: number }>('select 1 as one');
  expect(rows[0]?.one).toBe(1);
  const preload = await database.admin.query<{ setting: string }>(`select current_setting('shared_preload_libraries') as setting`);
  expect(preload.rows[0]?.setting).toContain('pg_stat_statements');
  // The view only answers when the library is really loaded.
  await database.admin.query('select count(*) from pg_stat_statements');
}

describe('embedded provider', () => {
  it('starts on a loopback port with pg_stat_statements, and leaves nothing after stop', async () => {
    const database = await createProvider({ provider: 'embedded', settings: { work_mem: '32MB' } }).start();
    const { dataDir, pid } = database.details;
    try {
      expect(database.connection.host).toBe('127.0.0.1');
      expect(database.owned).toBe(true);
      await expectWorkingPostgres(database);
      const workMem = await database.admin.query<{ work_mem: string }>('show work_mem');
      expect(workMem.rows[0]?.work_mem).toBe('32MB');
      expect(existsSync(dataDir!)).toBe(true);
      expect(isAlive(Number(pid))).toBe(true);
    } finally {
      await database.stop();
    }
    expect(isAlive(Number(pid))).toBe(false);
    expect(existsSync(dataDir!)).toBe(false);
    expect(await isListening(database.connection.port)).toBe(false);
  });

  it('stops cleanly when stop() is called twice', async () => {
    const database = await createProvider({ provider: 'embedded', settings: {} }).start();
    await Promise.all([database.stop(), database.stop()]);
    expect(existsSync(database.details.dataDir!)).toBe(false);
  });

  it('removes its data directory when aborted during start', async () => {
    const controller = new AbortController();
    const progress: string[] = [];
    const starting = createProvider({ provider: 'embedded', settings: {} }).start({
      signal: controller.signal,
      onProgress: (line) => {
        progress.push(line);
        controller.abort('test');
      },
    });
    await expect(starting).rejects.toThrow(/interrupted/);
    const dataDir = progress[0]?.match(/in (\S+)$/)?.[1];
    expect(dataDir).toBeDefined();
    expect(existsSync(dataDir!)).toBe(false);
  });
});

describe('url provider', () => {
  let server: RunningDatabase;
  beforeAll(async () => {
    server = await createProvider({ provider: 'embedded', settings: {} }).start();
    await server.admin.query('create database staging');
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('connects to an existing database it does not own, and stop() only disconnects', async () => {
    const url = server.url.replace(/\/postgres$/, '/staging');
    const database = await createProvider({ provider: 'url', settings: {}, url }).start();
    await expectWorkingPostgres(database);
    expect(database.owned).toBe(false);
    await database.stop();
    const stillThere = await server.admin.query(`select 1 from pg_database where datname = 'staging'`);
    expect(stillThere.rowCount).toBe(1);
  });

  it('says clearly when no URL was given', async () => {
    await expect(createProvider({ provider: 'url', settings: {} }).start()).rejects.toThrow(/no URL was given.*DATABASE_URL/);
  });
});

const unavailable = await testcontainersUnavailable();
if (unavailable) {
  console.warn(`SKIP testcontainers provider tests: ${unavailable}`);
}

describe.skipIf(unavailable !== undefined)(`testcontainers provider (${TEST_POSTGRES_IMAGE})`, () => {
  it('starts a container with pg_stat_statements, and removes it after stop', async () => {
    const database = await createProvider({ provider: 'testcontainers', settings: {}, image: TEST_POSTGRES_IMAGE }).start();
    const container = database.details.container!;
    try {
      await expectWorkingPostgres(database);
      expect(await containerExists(container)).toBe(true);
    } finally {
      await database.stop();
    }
    expect(await containerExists(container)).toBe(false);
  });
});

async function containerExists(id: string): Promise<boolean> {
  const { spawnSync } = await import('node:child_process');
  expect((await probeDocker()).ok).toBe(true);
  return spawnSync('docker', ['inspect', id], { stdio: 'ignore' }).status === 0;
}
