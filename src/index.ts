/** Embedding API: run Switchboard inside another Node program. */
export { Switchboard, type SwitchboardOptions } from './server.js';
export { loadConfig, parseConfig, ConfigError } from './config/load.js';
export type { Config, AppConfig } from './config/schema.js';
