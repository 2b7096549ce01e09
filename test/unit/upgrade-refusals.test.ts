import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.ts';
import { validateConfig } from '../../src/config/load-config.ts';
import { introspectedModel, loadModel } from '../../src/seed/load-model.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { rehearseUpgrade } from '../../src/upgrade/rehearse-upgrade.ts';

const base = { root: '/nonexistent', model: introspectedModel(), scale: 0.01, seed: 1 } as const;

describe('rehearse upgrade refuses, before starting anything', () => {
  it('a downgrade or the same major', async () => {
    const refused = rehearseUpgrade({ ...base, from: 18, to: 16, db: { provider: 'embedded', settings: {} } });
    await expect(refused).rejects.toThrow(UsageError);
    await expect(rehearseUpgrade({ ...base, from: 16, to: 16, db: { provider: 'embedded', settings: {} } })).rejects.toThrow('--from 16 --to 16: an upgrade goes from an older major to a newer one.');
  });

  it('a provider other than embedded, which cannot run two majors', async () => {
    await expect(rehearseUpgrade({ ...base, from: 16, to: 18, db: { provider: 'url', settings: {}, url: 'postgres://x@h/d' } })).rejects.toThrow(/runs both majors itself, on the embedded provider; the provider chosen is url/);
  });

  it('a scenario load when the app is not one rehearse starts: an app at app.baseUrl reads the old server', async () => {
    const model = await loadModel('fixtures/school-portal/model.ts', REPO_ROOT);
    const config = validateConfig('test', { app: { baseUrl: 'http://127.0.0.1:9' } });
    const load = { scenarioFile: `${REPO_ROOT}/scenarios/parents-evening-login-spike.ts`, loaded: { config, root: REPO_ROOT, file: '/p/rehearse.config.ts' } };
    const refused = rehearseUpgrade({ ...base, model, from: 16, to: 18, db: { provider: 'embedded', settings: {} }, load });
    await expect(refused).rejects.toThrow('/p/rehearse.config.ts: app.command: required by `rehearse upgrade --scenario`: rehearse starts the app on the new server');
  });
});
