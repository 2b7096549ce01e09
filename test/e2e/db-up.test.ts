import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startCli } from '../support/cli.ts';
import { TEST_POSTGRES_IMAGE, testcontainersUnavailable } from '../support/docker.ts';
import { isAlive, isListening } from '../support/processes.ts';

async function startDbUp(args: string[] = []) {
  const cli = startCli(['db', 'up', ...args]);
  const [, url, port] = await cli.waitFor(/is up: (postgres:\/\/\S+:(\d+)\/postgres)/);
  const [, dataDir] = await cli.waitFor(/dataDir: (\S+)/);
  const [, pid] = await cli.waitFor(/pid: (\d+)/);
  await cli.waitFor(/Press Ctrl-C to stop it/);
  return { cli, url: url!, port: Number(port), dataDir: dataDir!, pid: Number(pid) };
}

describe('rehearse db up', () => {
  it('prints the URL with the password masked, and a SIGINT leaves nothing running', async () => {
    const { cli, url, port, dataDir, pid } = await startDbUp();
    expect(url).toMatch(/^postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/postgres$/);
    expect(cli.output()).toContain('pg_stat_statements loaded');
    expect(isAlive(pid)).toBe(true);
    expect(await isListening(port)).toBe(true);

    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(cli.output()).toContain('stopped and its data removed');
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
    expect(await isListening(port)).toBe(false);
  });

  it('stops the same way on SIGTERM', async () => {
    const { cli, dataDir, pid } = await startDbUp();
    cli.child.kill('SIGTERM');
    expect(await cli.exited).toBe(0);
    expect(isAlive(pid)).toBe(false);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('reveals the password with --show-password', async () => {
    const { cli, url } = await startDbUp(['--show-password']);
    expect(url).toMatch(/^postgres:\/\/postgres:[0-9a-f]{32}@127\.0\.0\.1/);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
  });
});

const unavailable = await testcontainersUnavailable();
if (unavailable) console.warn(`SKIP rehearse db up --db testcontainers: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('rehearse db up --db testcontainers', () => {
  it('removes the container on SIGINT', async () => {
    const cli = startCli(['db', 'up', '--db', 'testcontainers', '--image', TEST_POSTGRES_IMAGE]);
    const [, container] = await cli.waitFor(/container: ([0-9a-f]{12})/);
    await cli.waitFor(/Press Ctrl-C to stop it/);
    expect(spawnSync('docker', ['inspect', container!], { stdio: 'ignore' }).status).toBe(0);
    cli.child.kill('SIGINT');
    expect(await cli.exited).toBe(0);
    expect(spawnSync('docker', ['inspect', container!], { stdio: 'ignore' }).status).not.toBe(0);
  });
});
