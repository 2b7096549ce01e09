import { describe, expect, it } from 'vitest';
import { onHost, THIS_MACHINE } from '../../src/k6/runner-host.ts';

describe('commands on a runner host', () => {
  it('runs the command itself on this machine', () => {
    expect(onHost(THIS_MACHINE, '/opt/k6', ['run', 'script.js'])).toEqual({ command: '/opt/k6', args: ['run', 'script.js'] });
  });

  it("puts the host's prefix in front, its first word the program", () => {
    const host = { name: 'r1', commandPrefix: ['ip', 'netns', 'exec', 'rehearse-1-1-r1'] };
    expect(onHost(host, '/opt/k6', ['run', 'script.js'])).toEqual({ command: 'ip', args: ['netns', 'exec', 'rehearse-1-1-r1', '/opt/k6', 'run', 'script.js'] });
  });
});
