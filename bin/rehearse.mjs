#!/usr/bin/env node
// rehearse runs from its TypeScript sources through tsx, which also loads
// rehearse.config.ts and scenario files.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
