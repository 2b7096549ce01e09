import packageJson from '../package.json' with { type: 'json' };

export const REHEARSE_VERSION: string = packageJson.version;
