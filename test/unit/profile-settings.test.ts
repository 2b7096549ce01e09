import { describe, expect, it } from 'vitest';
import { memoryBytes, planProfileSettings, profileMajor, type ServerSetting } from '../../src/profile/profile-settings.ts';

const GiB = 2 ** 30;
const server: ServerSetting[] = [
  { name: 'random_page_cost', context: 'user' },
  { name: 'work_mem', context: 'user' },
  { name: 'maintenance_work_mem', context: 'user' },
  { name: 'effective_cache_size', context: 'user' },
  { name: 'shared_buffers', context: 'postmaster' },
  { name: 'jit', context: 'user' },
  { name: 'archive_command', context: 'sighup' },
];
const plan = (settings: Record<string, string>, configured: string[] = [], memory = 8 * GiB) =>
  planProfileSettings({ settings, server, serverMajor: 18, configured: new Set(configured), memoryBytes: memory });

describe("production's planner settings on the rehearsal server", () => {
  it('applies the settings a database can take', () => {
    expect(plan({ random_page_cost: '1.1', work_mem: '64MB', jit: 'on', effective_cache_size: '48GB' })).toEqual([
      { name: 'random_page_cost', value: '1.1' },
      { name: 'work_mem', value: '64MB' },
      { name: 'jit', value: 'on' },
      // A hint to the planner, not memory it takes: production's value, whatever this machine has.
      { name: 'effective_cache_size', value: '48GB' },
    ]);
  });

  it('lists shared_buffers as needing a restart and a server-wide setting as not a database\'s', () => {
    const [buffers, archive] = plan({ shared_buffers: '16GB', archive_command: 'x' });
    expect(buffers!.notApplied).toMatch(/^set only when the server starts \(needs a restart\)/);
    expect(archive!.notApplied).toBe('a server-wide setting (sighup), not one a database can take');
  });

  it('does not apply per-operation memory this machine cannot hold, saying how much it has', () => {
    const [work, maintenance] = plan({ work_mem: '2GB', maintenance_work_mem: '512MB' }, [], 8 * GiB);
    expect(work!.notApplied).toBe('this machine has 8 GiB of memory; more than an eighth of it per operation is not applied');
    expect(maintenance!.notApplied).toBeUndefined();
  });

  it('keeps what the config sets and names settings this major does not know', () => {
    const [cost, unknown] = plan({ random_page_cost: '4', enable_presorted_aggregate: 'on' }, ['random_page_cost']);
    expect(cost!.notApplied).toBe('db.settings in the config sets it, and an explicit setting wins');
    expect(unknown!.notApplied).toBe('not a setting of PostgreSQL 18');
  });

  it('reads memory with the units current_setting shows', () => {
    expect([memoryBytes('8kB'), memoryBytes('64MB'), memoryBytes('4GB'), memoryBytes('1.1'), memoryBytes('on')]).toEqual([8192, 64 * 2 ** 20, 4 * GiB, undefined, undefined]);
  });

  it('takes the major from server_version_num', () => {
    expect([profileMajor({ server: { version: '16.4', versionNum: 160004 } }), profileMajor({ server: { version: '13.1', versionNum: 130001 } })]).toEqual([16, 13]);
  });
});
