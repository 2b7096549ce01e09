import { loadConfig, type LoadedConfig } from '../config/load-config.ts';

export interface GlobalFlags {
  config?: string;
}

/** The config every command starts from: --config, else rehearse.config.* in the working directory. */
export function loadCommandConfig(flags: GlobalFlags): Promise<LoadedConfig> {
  return loadConfig(process.cwd(), flags.config);
}
