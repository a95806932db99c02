/**
 * `switchboard apps list|get|create|update|delete|rotate-secret` and `switchboard migrate`: the
 * app store managed from the command line, straight against the database (the server may be
 * down). Output is JSON on stdout, the same bodies as the admin API; errors go to stderr (exit 1
 * when the operation failed, 2 for usage and configuration errors). Running servers see a change
 * within `appStore.refreshSeconds` (the admin API tells them at once, over the bus).
 */
import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { AppConflictError, AppValidationError, ReadOnlyAppsError } from './apps/app-errors.js';
import { ConfigAppManager, StoreAppManager, type AppManager } from './apps/app-manager.js';
import { publicApp } from './apps/app-record.js';
import type { AppRepository } from './apps/app-repository.js';
import { AppStoreUnavailableError } from './apps/app-store.js';
import { openAppRepository } from './apps/sql/open-repository.js';
import { loadConfig } from './config/load.js';
import { redactUrlPassword } from './config/redact.js';
import type { Config } from './config/schema.js';
import { openStorage, type Storage } from './storage/database.js';
import { STORAGE_FEATURES } from './storage-features.js';
import { migrateStorage } from './storage/migrations.js';

export const APPS_USAGE = `Usage: switchboard apps <command> [--config FILE]

Manages the apps in the app store (appStore.url) directly, with or without a running server.
Prints JSON; running servers see the change within appStore.refreshSeconds.

Commands:
  list                         {"apps": [...]} (secrets never shown)
  get ID                       {"app": {...}}
  create [JSON]                {"app": {..., "secret"}}; JSON holds per-app settings, id/key/secret optional
  update ID JSON               {"app": {...}}; only the given settings change, null removes one
  delete ID                    {"deleted": "ID"}
  rotate-secret ID [--secret S]  {"secret": "..."}; the previous secret verifies for appStore.secretGraceSeconds

Options:
  --config FILE      JSON config file (also SWITCHBOARD_CONFIG; every SWITCHBOARD_* variable applies)
  -h, --help         Show this help`;

export const MIGRATE_USAGE = `Usage: switchboard migrate [--config FILE]

Creates or migrates, as servers do at boot, the app store's table (appStore.url, appStore.table)
when it is set and the storage layer's tables (storage.url: chat, ...); safe to run again and
from several places at once. Prints {"table", "applied": [...], "storage": {"dialect", "applied": [...]}}
("table" and "applied" only with appStore.url).`;

/** A usage or configuration error: exit 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}

/** The operation failed (not found, conflict, invalid, unreachable): exit 1. */
export class CliOperationError extends Error {
  override readonly name = 'CliOperationError';
}

const OPTIONS = { config: { type: 'string' }, secret: { type: 'string' }, help: { type: 'boolean', short: 'h' } } as const;

function print(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function parseJson(text: string | undefined, what: string): unknown {
  if (text === undefined) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new CliUsageError(`${what} must be JSON, e.g. '{"name": "My app"}'`);
  }
}

function required(value: string | undefined, what: string): string {
  if (value === undefined || value === '') throw new CliUsageError(`${what} is required\n\n${APPS_USAGE}`);
  return value;
}

async function configFrom(file: string | undefined): Promise<Config> {
  const { config } = await loadConfig({ env: process.env, configFile: file });
  return config;
}

function openRepository(config: Config): AppRepository | undefined {
  const { url } = config.appStore;
  if (url === undefined) return undefined;
  // Diagnostics (an invalid row, say) on stderr: stdout carries only the JSON answer.
  const logger = pino({ level: 'warn', base: null }, pino.destination(2));
  return openAppRepository({ ...config.appStore, url }, { logger, now: Date.now });
}

export async function migrateCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: OPTIONS, strict: true });
  if (values.help === true) {
    process.stdout.write(`${MIGRATE_USAGE}\n`);
    return;
  }
  const config = await configFrom(values.config);
  const repository = openRepository(config);
  let appStore: { table: string; applied: readonly string[] } | undefined;
  if (repository !== undefined) {
    try {
      appStore = { table: config.appStore.table, applied: await repository.migrate() };
    } catch (error) {
      throw new CliOperationError(`migration of ${config.appStore.table} failed: ${messageOf(error)}`);
    } finally {
      await repository.close();
    }
  }
  print({ ...appStore, storage: await migrateStorageLayer(config) });
}

/** The storage layer's migrations (every feature in STORAGE_FEATURES). */
async function migrateStorageLayer(config: Config): Promise<{ dialect: string; applied: readonly string[] }> {
  const failed = (error: unknown): CliOperationError =>
    new CliOperationError(`migration of the storage (${redactUrlPassword(config.storage.url)}) failed: ${messageOf(error)}`);
  let storage: Storage;
  try {
    storage = openStorage(config.storage, () => undefined);
  } catch (error) {
    throw failed(error);
  }
  try {
    return { dialect: storage.dialect, applied: await migrateStorage(storage, STORAGE_FEATURES) };
  } catch (error) {
    throw failed(error);
  } finally {
    await storage.close();
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function appsCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: true });
  const [command, first, second] = positionals;
  if (values.help === true || command === undefined) {
    process.stdout.write(`${APPS_USAGE}\n`);
    return;
  }
  const config = await configFrom(values.config);
  const repository = openRepository(config);
  const manager: AppManager =
    repository === undefined
      ? new ConfigAppManager(config.apps)
      : new StoreAppManager({ repository, now: Date.now, secretGraceSeconds: config.appStore.secretGraceSeconds });
  try {
    // The table is created or migrated first, as a server does at boot (idempotent).
    await repository?.migrate();
    print(await run(manager, command, first, second, values.secret));
  } catch (error) {
    if (error instanceof AppValidationError || error instanceof AppConflictError || error instanceof ReadOnlyAppsError) {
      throw new CliOperationError(error.message);
    }
    if (error instanceof AppStoreUnavailableError) throw new CliOperationError(error.message);
    throw error;
  } finally {
    await repository?.close();
  }
}

async function run(manager: AppManager, command: string, first: string | undefined, second: string | undefined, secret: string | undefined): Promise<unknown> {
  const notFound = (id: string): never => {
    throw new CliOperationError(`app ${id} not found`);
  };
  switch (command) {
    case 'list':
      return { apps: (await manager.list()).map(publicApp) };
    case 'get': {
      const id = required(first, 'the app id');
      const app = (await manager.get(id)) ?? notFound(id);
      return { app: publicApp(app) };
    }
    case 'create': {
      const app = await manager.create(parseJson(first, 'the settings'));
      return { app: { ...publicApp(app), secret: app.secret } };
    }
    case 'update': {
      const id = required(first, 'the app id');
      const app = (await manager.update(id, parseJson(required(second, 'the settings (JSON)'), 'the settings'))) ?? notFound(id);
      return { app: publicApp(app) };
    }
    case 'delete': {
      const id = required(first, 'the app id');
      return (await manager.remove(id)) ? { deleted: id } : notFound(id);
    }
    case 'rotate-secret': {
      const id = required(first, 'the app id');
      const rotated = (await manager.rotateSecret(id, secret === undefined ? {} : { secret })) ?? notFound(id);
      return { secret: rotated };
    }
    default:
      throw new CliUsageError(`unknown apps command "${command}"\n\n${APPS_USAGE}`);
  }
}
