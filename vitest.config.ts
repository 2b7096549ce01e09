import { defineConfig } from 'vitest/config';

// Three groups, one after another: unit tests (pure); integration tests that
// assert what real parts computed (rows seeded, queries counted, plans,
// profiles) but time nothing, each on its own throwaway project and cluster;
// then everything that runs a load and judges it (every end-to-end test, k6
// runs, CPU collection, signals and orphans), one file at a time, so that
// nothing else competes with a load for the 2 cores — a run on a busy machine
// is rightly not trusted. Vitest's default worker count is the machine's
// available parallelism minus one, so on 2 cores the first two groups run one
// file at a time as well (measured in CI's per-file times, 2026-12-02).
const shared = { testTimeout: 120_000, hookTimeout: 120_000, pool: 'forks' } as const;

const UNTIMED = [
  'cluster-lock',
  'collect-cache-server',
  'collect-metrics-scraper',
  'collect-postgres',
  'conduit-har-import',
  'embedded-majors',
  'k6-build',
  'page-probe',
  'profile-distinct',
  'profile-seed',
  'report-html-chromium',
  'scenario-scripts',
  'school-portal-pages',
  'school-portal-releases',
  'seed-cli',
  'seed-corpus',
  'seed-introspection',
  'seed-refusals',
  'seed-safety',
  'seed-school-portal',
  'traffic-proxy',
].map((name) => `test/integration/${name}.test.ts`);

export default defineConfig({
  test: {
    reporters: ['default'],
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/unit/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: 'untimed', include: UNTIMED, sequence: { groupOrder: 1 } } },
      {
        test: {
          ...shared,
          name: 'loads',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: UNTIMED,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
