#!/usr/bin/env node
// `npm run bench [-- --only seed|k6|runners|netns|profile|capacity|ab-aa] [options]`: the benchmarks, from
// their TypeScript sources through tsx. Each part prints its figures and its
// ratio or target; the exit code is 1 when a part missed its target.
import { register } from 'tsx/esm/api';

register();
const args = process.argv.slice(2);
const onlyAt = args.indexOf('--only');
const only = onlyAt === -1 ? undefined : args.splice(onlyAt, 2)[1];
let exitCode = 0;
if (only === undefined || only === 'seed') {
  const { main } = await import('../bench/seed.ts');
  exitCode ||= await main(args);
}
if (only === undefined || only === 'k6') {
  const { run } = await import('../bench/k6-samples.ts');
  if (!(await run()).passed) exitCode ||= 1;
}
// Two minutes with 40 s of loopback k6 load: only when asked for by name.
if (only === 'runners') {
  const { run } = await import('../bench/runners.ts');
  if (!(await run()).passed) exitCode ||= 1;
}
// Root with CAP_NET_ADMIN, 20 s of load over a private link: only when asked for by name.
if (only === 'netns') {
  const { run } = await import('../bench/netns.ts');
  if (!(await run()).passed) exitCode ||= 1;
}
if (only === 'profile') {
  const { main } = await import('../bench/profile.ts');
  exitCode ||= await main(args);
}
// Minutes per run: only when asked for by name.
if (only === 'capacity') {
  const { main } = await import('../bench/capacity.ts');
  exitCode ||= await main(args);
}
if (only === 'ab-aa') {
  const { main } = await import('../bench/ab-aa.ts');
  exitCode ||= await main(args);
}
process.exitCode = exitCode;
