import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../support/cli.ts';
import { CONDUIT, createRunProject, leftoverProcesses, type RunProject } from '../support/run-project.ts';

const READERS = `${REPO_ROOT}/fixtures/conduit/scenarios/readers.ts`;
const PAGES = ['Article', 'Articles', 'Comments', 'Feed', 'Login'];

describe('rehearse run on the Conduit fixture, a token-authenticated JSON API', () => {
  let project: RunProject;
  beforeAll(async () => {
    project = await createRunProject(0.005, CONDUIT);
  });
  afterAll(async () => {
    await project?.remove();
  });

  it('signs in with a nested body, sends the captured token, opens articles by captured slug: 0 % errors, every page named', async () => {
    const { code, stdout, stderr } = await runCli(['run', READERS, '--config', project.config, '--duration', '12s', '--probe-requests', '5'], {
      cwd: project.dir,
      timeoutMs: 240_000,
    });
    expect([0, 1], stderr.slice(-3000)).toContain(code);
    expect(stdout).toMatch(/run \S+-conduit-readers: complete/);

    const record = await project.onlyRecord();
    expect(record.status).toBe('complete');
    // One page per name, whichever slug each user took: /api/articles/{slug} is one "Article".
    expect(record.pages.map((page) => page.page).sort()).toEqual(PAGES);
    for (const page of record.pages) {
      expect(page.requests, page.page).toBeGreaterThan(0);
      expect(page.errors, page.page).toBe(0);
    }
    // Every Login reached Comments: each capture found its value, so no journey stopped early.
    const requests = Object.fromEntries(record.pages.map((page) => [page.page, page.requests]));
    expect(requests.Comments).toBe(requests.Login);

    const checks = Object.fromEntries(record.checks.map((check) => [check.name, check]));
    expect(checks['Login: capture token']?.passes).toBe(requests.Login);
    expect(checks['Articles: capture slug']?.passes).toBe(requests.Articles);
    expect(checks['Article: is the article asked for']?.passes).toBe(requests.Article);
    expect(record.checks.filter((check) => check.fails > 0)).toEqual([]);

    // The probe replayed each journey with the token and a captured slug, so every page answered.
    const profiles = Object.fromEntries(record.queryProfiles.map((profile) => [profile.page, profile]));
    expect(Object.keys(profiles).sort()).toEqual(PAGES);
    for (const page of PAGES) {
      expect(profiles[page]!.requests, page).toBe(5);
      expect(profiles[page]!.queriesPerRequest, page).toBeGreaterThanOrEqual(1);
    }
    expect(leftoverProcesses(project)).toEqual([]);
  });
});
