import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.ts';
import { introspectedModel } from '../../src/seed/load-model.ts';
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
});
