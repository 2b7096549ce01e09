import { describe, expect, it } from 'vitest';
import { whenAborted } from '../../src/system/abort.ts';
import { runCommand } from '../../src/system/child-process.ts';

describe('aborting', () => {
  it('calls the listener at once for a signal that already aborted, and once on a later abort', () => {
    const calls: string[] = [];
    whenAborted(AbortSignal.abort('early'), () => calls.push('already'));
    const controller = new AbortController();
    whenAborted(controller.signal, () => calls.push('later'));
    const stop = whenAborted(controller.signal, () => calls.push('removed'));
    stop();
    controller.abort('late');
    controller.abort('again');
    expect(calls).toEqual(['already', 'later']);
  });

  it('kills a command whose signal aborted before it started (a Ctrl-C between two steps)', async () => {
    const result = await runCommand('sleep', ['30'], { signal: AbortSignal.abort('interrupted') });
    expect(result).toMatchObject({ code: null, signal: 'SIGTERM' });
  });
});
