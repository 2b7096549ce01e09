import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/config/load-config.ts';
import { resolveDbOptions } from '../../src/config/resolve-options.ts';
import { UsageError } from '../../src/errors.ts';

const db = (value: object = {}) => validateConfig('test', { db: value }).db;

describe('database option precedence: defaults < config < environment < flags', () => {
  it('defaults to the embedded provider', () => {
    expect(resolveDbOptions(db(), {}, {})).toEqual({ provider: 'embedded', settings: {}, why: 'embedded Postgres (the default)' });
  });

  it('takes the provider and image from the config', () => {
    expect(resolveDbOptions(db({ provider: 'testcontainers', image: 'pg:1' }), {}, {})).toMatchObject({ provider: 'testcontainers', image: 'pg:1' });
  });

  it('lets the environment override the config', () => {
    const options = resolveDbOptions(db({ provider: 'testcontainers', image: 'pg:1' }), { REHEARSE_DB: 'embedded', REHEARSE_DB_IMAGE: 'pg:2' }, {});
    expect(options).toMatchObject({ provider: 'embedded', image: 'pg:2' });
  });

  it('takes DATABASE_URL as the url without switching provider, and says it is not used', () => {
    expect(resolveDbOptions(db(), { DATABASE_URL: 'postgres://a:pw@h/d' }, {})).toMatchObject({
      provider: 'embedded',
      url: 'postgres://a:pw@h/d',
      why: 'embedded Postgres (the default); DATABASE_URL is set but not used (the provider is embedded): pass --db url or set REHEARSE_DB=url to rehearse on it',
    });
    expect(resolveDbOptions(db({ provider: 'url' }), { DATABASE_URL: 'postgres://a:pw@h/d' }, {}).why).toBe('url postgres://a:***@h/d (provider from db.provider in the config, URL from DATABASE_URL)');
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

  it('takes the Postgres major from the config, then REHEARSE_DB_VERSION, then --db-version, and says where it came from', () => {
    expect(resolveDbOptions(db({ version: 16 }), {}, {})).toMatchObject({ version: 16, why: 'embedded Postgres 16 (the default; major from db.version in the config)' });
    expect(resolveDbOptions(db({ version: 16 }), { REHEARSE_DB_VERSION: '17' }, {}).version).toBe(17);
    expect(resolveDbOptions(db({ version: 16 }), { REHEARSE_DB_VERSION: '17' }, { dbVersion: '15' }).version).toBe(15);
  });

  it('says a major is not used on a server given by URL', () => {
    expect(resolveDbOptions(db(), {}, { url: 'postgres://x@h/d', dbVersion: '16' }).why).toContain('the Postgres major from --db-version is not used');
  });

  it('rejects a major rehearse cannot run, naming the source', () => {
    expect(() => resolveDbOptions(db(), {}, { dbVersion: '14' })).toThrow('--db-version: expected a Postgres major, 15 | 16 | 17 | 18, got "14"');
    expect(() => resolveDbOptions(db(), { REHEARSE_DB_VERSION: '16.2' }, {})).toThrow('REHEARSE_DB_VERSION: expected a Postgres major');
  });

  it('takes the profile\'s major when nothing else names one, and an explicit major over it, saying which', () => {
    const profile = { file: 'production.json', major: 16 };
    expect(resolveDbOptions(db(), {}, {}, profile)).toMatchObject({ version: 16, why: 'embedded Postgres 16 (the default; major from the profile production.json)' });
    expect(resolveDbOptions(db({ version: 17 }), {}, {}, profile)).toMatchObject({ version: 17, why: 'embedded Postgres 17 (the default; major from db.version in the config)' });
    expect(resolveDbOptions(db(), {}, { dbVersion: '18' }, profile)).toMatchObject({ version: 18, why: 'embedded Postgres 18 (the default; major from --db-version)' });
  });

  it('says when the profile\'s major is one rehearse does not run, and uses the default', () => {
    const options = resolveDbOptions(db(), {}, {}, { file: 'old.json', major: 13 });
    expect(options.version).toBeUndefined();
    expect(options.why).toBe('embedded Postgres (the default); the profile old.json was captured on PostgreSQL 13, which rehearse does not run (15 | 16 | 17 | 18): the default major is used');
  });
});
