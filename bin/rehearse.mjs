#!/usr/bin/env node
// rehearse runs from its TypeScript sources through tsx, which also loads
// rehearse.config.ts and scenario files.
import { register } from 'tsx/esm/api';

// Output piped into `head` and closed early is not a reason to crash and
// leave servers running: stop writing, carry on cleaning up.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code !== 'EPIPE' && error.code !== 'ERR_STREAM_DESTROYED') throw error;
  });
}

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
