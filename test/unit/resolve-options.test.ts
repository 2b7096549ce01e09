import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { resolveDbOptions } from '../../src/config/resolve-options.ts';
import { UsageError } from '../../src/errors.ts';

const db = (value: object = {}) => validateConfig('test', { db: value }).db;

describe('database option precedence: defaults < config < environment < flags', () => {
  it('defaults to the embedded provider', () => {
    expect(resolveDbOptions(db(), {}, {})).toEqual({ provider: 'embedded', settings: {} });
  });

  it('takes the provider and image from the config', () => {
    expect(resolveDbOptions(db({ provider: 'testcontainers', image: 'pg:1' }), {}, {})).toMatchObject({ provider: 'testcontainers', image: 'pg:1' });
  });

  it('lets the environment override the config', () => {
    const options = resolveDbOptions(db({ provider: 'testcontainers', image: 'pg:1' }), { REHEARSE_DB: 'embedded', REHEARSE_DB_IMAGE: 'pg:2' }, {});
    expect(options).toMatchObject({ provider: 'embedded', image: 'pg:2' });
  });

  it('takes DATABASE_URL as the url without switching provider', () => {
    expect(resolveDbOptions(db(), { DATABASE_URL: 'postgres://a@h/d' }, {})).toMatchObject({ provider: 'embedded', url: 'postgres://a@h/d' });
  });

  it('lets flags override the environment', () => {
    const options = resolveDbOptions(db(), { REHEARSE_DB: 'testcontainers', DATABASE_URL: 'postgres://env@h/d' }, { db: 'url', url: 'postgres://flag@h/d' });
    expect(options).toMatchObject({ provider: 'url', url: 'postgres://flag@h/d' });
  });

  it('treats --url alone as --db url', () => {
    expect(resolveDbOptions(db({ provider: 'testcontainers' }), {}, { url: 'postgres://x@h/d' }).provider).toBe('url');
  });

  it('rejects an unknown provider from a flag or the environment, naming the source', () => {
    expect(() => resolveDbOptions(db(), {}, { db: 'docker' })).toThrow(UsageError);
    expect(() => resolveDbOptions(db(), {}, { db: 'docker' })).toThrow('--db: expected "embedded" | "testcontainers" | "url", got "docker"');
    expect(() => resolveDbOptions(db(), { REHEARSE_DB: 'sqlite' }, {})).toThrow('REHEARSE_DB: expected');
  });
});
