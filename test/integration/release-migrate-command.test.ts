import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProvider } from '../../src/db/create-provider.ts';
import { withDatabase } from '../../src/db/connection-url.ts';
import type { RunningDatabase } from '../../src/db/provider.ts';
import { runMigrateCommand, type MigrateCommandRun } from '../../src/release/run-migrate-command.ts';
import { REPO_ROOT } from '../support/cli.ts';

const DATABASE = 'migrate_command_test';
/** The fixture release's migrate command: a node script applying each .sql file of MIGRATIONS_DIR. */
const MIGRATE = `node ${path.join(REPO_ROOT, 'fixtures/school-portal/releases/appointments-token-command/migrate.mjs')}`;
const READ_BOOKINGS = 'select count(*) from appointments where parent_id = $1';

describe('a release’s migrate command run during a deploy', () => {
  let server: RunningDatabase;
  let databaseUrl: string;
  let dir: string;

  beforeAll(async () => {
    server = await createProvider({ provider: 'embedded', settings: {} }).start();
    await server.admin.query(`create database ${DATABASE}`);
    databaseUrl = withDatabase(server.url, DATABASE);
    const setup = new pg.Client({ connectionString: databaseUrl });
    await setup.connect();
    await setup.query(`create table appointments (id int primary key, parent_id int not null);
      insert into appointments select g, g % 50 from generate_series(1, 5000) g;`);
    await setup.end();
    dir = await mkdtemp(path.join(os.tmpdir(), 'rehearse-migrate-command-'));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
    await server?.stop();
  });

  /** Runs the command on `sql` while an app-like pool keeps reading appointments, one query at a time per connection. */
  async function migrateUnderReads(name: string, sql: string): Promise<{ run: MigrateCommandRun; log: string }> {
    const migrations = path.join(dir, name);
    await mkdir(migrations);
    await writeFile(path.join(migrations, '001.sql'), sql);
    const reads = new pg.Pool({ connectionString: databaseUrl, max: 3, application_name: 'app' });
    reads.on('error', () => undefined);
    let reading = true;
    const readers = [1, 2, 3].map(async (parent) => {
      while (reading) await reads.query(READ_BOOKINGS, [parent]);
    });
    try {
      const logFile = path.join(dir, `${name}.log`);
      const run = await runMigrateCommand({ command: MIGRATE, cwd: REPO_ROOT, env: { MIGRATIONS_DIR: migrations }, databaseUrl, logFile, logName: `${name}.log` });
      return { run, log: await readFile(logFile, 'utf8') };
    } finally {
      reading = false;
      await Promise.all(readers);
      await reads.end();
    }
  }

  it('attributes the locks its session took, and the reads that waited behind them, to the statement it was seen running', async () => {
    const { run, log } = await migrateUnderReads(
      'rewrite',
      '-- appointments rewritten under ACCESS EXCLUSIVE, then held a moment\nalter table appointments add column token uuid not null default gen_random_uuid();\nselect pg_sleep(1.2);',
    );
    expect(run.error).toBeNull();
    expect(run.result).toMatchObject({ command: MIGRATE, cwd: REPO_ROOT, exitCode: 0, signal: null });
    expect(log).toMatch(/migrated 001\.sql in \d+ ms/);
    expect(run.result.outputTail).toMatch(/migrated 001\.sql/);

    const rewrite = run.statements.find((statement) => statement.sql.includes('alter table appointments add column token'));
    expect(rewrite, JSON.stringify(run.statements)).toBeDefined();
    expect(rewrite!.file).toBe(MIGRATE);
    // As pg_stat_activity showed it, the comment above it left out; checked like migration SQL.
    expect(rewrite!.sql).toMatch(/^alter table appointments add column token uuid not null default gen_random_uuid\(\);/);
    expect(run.findings).toContainEqual(expect.objectContaining({ rule: 'volatile-default', file: MIGRATE, index: rewrite!.index, relation: 'appointments' }));
    expect(rewrite!.locks).toContainEqual(expect.objectContaining({ relation: 'appointments', mode: 'AccessExclusiveLock', granted: true }));
    expect(rewrite!.durationMs).toBeGreaterThanOrEqual(1_000);
    expect(rewrite!.sessionsBlocked).toBeGreaterThanOrEqual(1);
    expect(rewrite!.longestWaitMs).toBeGreaterThanOrEqual(500);
    // The waiting app sessions' own statement, normalized and fingerprinted, to be mapped to pages.
    expect(rewrite!.waitingQueries).toContainEqual(expect.objectContaining({ query: READ_BOOKINGS, requests: expect.any(Number) as number }));
  });

  it('records a failed migration with the last lines of its output, and its locks up to then', async () => {
    const { run, log } = await migrateUnderReads('broken', 'alter table appointments add column missing_fk int references no_such_table (id);');
    expect(run.result.exitCode).toBe(1);
    expect(run.error).toMatch(/exited 1: migration failed: relation "no_such_table" does not exist/);
    expect(run.result.outputTail.split('\n')).toEqual(['migrating 001.sql', 'migration failed: relation "no_such_table" does not exist']);
    expect(log).toContain('migration failed: relation "no_such_table" does not exist');
    expect(run.statements.length).toBeGreaterThanOrEqual(1);
  });
});
