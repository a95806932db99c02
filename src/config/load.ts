/**
 * Loads the configuration once at boot: schema defaults < config file < environment < command
 * line. The result is validated as a whole (errors name the key), checked for cross-field rules,
 * and deep-frozen.
 */
import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import type { z } from 'zod';
import { readEnv } from './env.js';
import { parseJsonText } from './json-text.js';
import { configSchema, type AppConfig, type Config } from './schema.js';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The development app served when no app is configured; loopback only. */
export const DEVELOPMENT_APP = Object.freeze({
  id: 'app-id',
  key: 'app-key',
  secret: 'app-secret',
  name: 'development',
  clientEvents: true,
});

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv;
  readonly configFile?: string | undefined;
  readonly host?: string | undefined;
  readonly port?: number | undefined;
}

export interface LoadedConfig {
  readonly config: Config;
  /** True when no app was configured and the development app is served. */
  readonly developmentApp: boolean;
  /** Accepted but unwise settings (short app secrets on loopback), to be logged at start. */
  readonly warnings: readonly string[];
}

/** Shortest app secret accepted on a non-loopback host (a shorter one can be brute-forced). */
export const MIN_SECRET_LENGTH = 32;

/**
 * A secret shorter than MIN_SECRET_LENGTH is refused when the server listens beyond loopback
 * (like the development app), and returns a warning otherwise.
 */
function checkSecretLengths(config: Config): string[] {
  const warnings: string[] = [];
  config.apps.forEach((app, index) => {
    if (app.secret.length >= MIN_SECRET_LENGTH) return;
    const rule = `apps.${index}.secret: the secret of app "${app.id}" is shorter than ${MIN_SECRET_LENGTH} characters`;
    if (!isLoopbackHost(config.host)) {
      throw new ConfigError(`${rule}; refusing to listen on ${config.host} with it (use a random secret of ${MIN_SECRET_LENGTH} characters or more, or listen on a loopback address)`);
    }
    warnings.push(`${rule}; accepted on loopback only`);
  });
  return warnings;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Objects merge key by key; anything else (arrays included) is replaced. */
function merge(base: Record<string, unknown>, override: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    const current = out[key];
    out[key] = isPlainObject(current) && isPlainObject(value) ? merge(current, value) : value;
  }
  return out;
}

export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`Cannot read config file ${path}: ${(error as Error).message}`);
  }
  const result = parseJsonText(text);
  if (!result.ok) {
    const { line, column, message } = result.error;
    throw new ConfigError(`Config file ${path} is not valid JSON at line ${line}, column ${column}: ${message}`);
  }
  const parsed = result.value;
  if (!isPlainObject(parsed)) throw new ConfigError(`Config file ${path} must hold a JSON object`);
  return parsed;
}

/** Merges SWITCHBOARD_APP_* into the app with the same id, or adds it as a new app. */
function applyEnvApp(input: Record<string, unknown>, envApp: Record<string, unknown>): Record<string, unknown> {
  const apps = Array.isArray(input['apps']) ? [...(input['apps'] as unknown[])] : [];
  const index = apps.findIndex((app) => isPlainObject(app) && app['id'] === envApp['id']);
  if (index >= 0) apps[index] = merge(apps[index] as Record<string, unknown>, envApp);
  else apps.push(envApp);
  return { ...input, apps };
}

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String).join('.');
      const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
      return `  - ${path === '' ? '(root)' : path}: ${issue.message}${keys}`;
    })
    .join('\n');
}

function checkCrossFieldRules(config: Config): void {
  const { admin } = config;
  if (admin.enabled && admin.token === undefined && !isLoopbackHost(admin.host)) {
    throw new ConfigError(
      `Refusing to serve the admin listener on ${admin.host} without a token: set admin.token ` +
        '(SWITCHBOARD_ADMIN_TOKEN), or keep admin.host on a loopback address.',
    );
  }
  const seenIds = new Set<string>();
  const seenKeys = new Set<string>();
  config.apps.forEach((app: AppConfig, index) => {
    if (seenIds.has(app.id)) throw new ConfigError(`apps.${index}.id: duplicate app id "${app.id}"`);
    if (seenKeys.has(app.key)) throw new ConfigError(`apps.${index}.key: duplicate app key "${app.key}"`);
    seenIds.add(app.id);
    seenKeys.add(app.key);
    const needed = app.maxEventDataBytes + 1024;
    if (config.websocket.maxPayloadBytes < needed) {
      throw new ConfigError(
        `websocket.maxPayloadBytes (${config.websocket.maxPayloadBytes}) must be at least ` +
          `apps.${index}.maxEventDataBytes + 1024 (${needed}) so that client events of the allowed size fit`,
      );
    }
    // Over xhr_send a message is a JSON string inside a JSON array: escaping can double it.
    const sendNeeded = 2 * app.maxEventDataBytes + 1024;
    if (config.httpTransports.enabled && config.httpTransports.maxSendBytes < sendNeeded) {
      throw new ConfigError(
        `httpTransports.maxSendBytes (${config.httpTransports.maxSendBytes}) must be at least ` +
          `2 * apps.${index}.maxEventDataBytes + 1024 (${sendNeeded}) so that client events of the allowed size fit`,
      );
    }
  });
}

export async function loadConfig(options: LoadOptions = {}): Promise<LoadedConfig> {
  const env = readEnv(options.env ?? {});
  const file = options.configFile ?? env.configFile;
  let input: Record<string, unknown> = file === undefined ? {} : await readConfigFile(file);
  input = merge(input, env.config);
  if (env.app !== undefined) input = applyEnvApp(input, env.app);
  if (options.host !== undefined) input = { ...input, host: options.host };
  if (options.port !== undefined) input = { ...input, port: options.port };

  const result = configSchema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(`Invalid configuration${file === undefined ? '' : ` in ${file}`}:\n${formatIssues(result.error)}`);
  }
  let config = result.data;
  // With an app store the apps are data: no development app is made up.
  const developmentApp = config.apps.length === 0 && config.appStore.url === undefined;
  if (developmentApp) {
    if (!isLoopbackHost(config.host)) {
      throw new ConfigError(
        `Refusing to listen on ${config.host} with the development app and its well-known secret. ` +
          'Configure your own apps (config file "apps", or SWITCHBOARD_APP_ID, SWITCHBOARD_APP_KEY and ' +
          'SWITCHBOARD_APP_SECRET), or listen on a loopback address.',
      );
    }
    config = configSchema.parse({ ...input, apps: [DEVELOPMENT_APP] });
  }
  checkCrossFieldRules(config);
  // The development app's short secret is covered by its own refusal and start-up warning.
  const warnings = developmentApp ? [] : checkSecretLengths(config);
  return { config: deepFreeze(config), developmentApp, warnings };
}

/**
 * Validates a config object directly (tests and embedding); same rules as loadConfig (a short
 * secret is refused off loopback; on loopback its warning is not reported).
 */
export function parseConfig(input: unknown): Config {
  const result = configSchema.safeParse(input);
  if (!result.success) throw new ConfigError(`Invalid configuration:\n${formatIssues(result.error)}`);
  checkCrossFieldRules(result.data);
  checkSecretLengths(result.data);
  return deepFreeze(result.data);
}
