/**
 * Where the server's apps come from, picked from the config: the config file (static, read-only
 * through the admin API), or with `appStore.url` the database: migrated and seeded with the
 * config's apps at boot, served through the cache, written through the StoreAppManager.
 */
import type { Config } from '../config/schema.js';
import type { Logger } from '../shared/logger.js';
import { ConfigAppManager, StoreAppManager, type AppManager, type AppWrite } from './app-manager.js';
import { StaticAppStore, type AppStore } from './app-store.js';
import { CachedAppStore } from './cached-app-store.js';
import { seedConfigApps } from './seed.js';
import { openAppRepository } from './sql/open-repository.js';

export interface Apps {
  readonly store: AppStore;
  readonly manager: AppManager;
  /** The cache in front of the database; undefined when apps come from the config file. */
  readonly cache: CachedAppStore | undefined;
}

export interface CreateAppsOptions {
  readonly logger: Logger;
  readonly now: () => number;
  /** Tells the other nodes about a write made here (the bus); failures are the caller's to log. */
  readonly publish: (write: AppWrite) => Promise<void>;
  /** Apps with connections on this process (refreshed even when evicted from the cache). */
  readonly liveAppIds: () => Iterable<string>;
}

/** The database could not be prepared at boot (unreachable, no permission, a failed migration). */
export class AppStoreBootError extends Error {
  override readonly name = 'AppStoreBootError';
}

export async function createApps(config: Config, options: CreateAppsOptions): Promise<Apps> {
  const settings = config.appStore;
  const { url } = settings;
  if (url === undefined) {
    const store = new StaticAppStore(config.apps);
    return { store, manager: new ConfigAppManager(store.list()), cache: undefined };
  }
  const { logger, now } = options;
  const repository = openAppRepository({ ...settings, url }, { logger, now });
  try {
    const applied = await repository.migrate();
    if (applied.length > 0) logger.info({ table: settings.table, migrations: applied }, `app store table ${settings.table} migrated`);
    const seeded = await seedConfigApps(repository, config.apps, logger);
    if (seeded.length > 0) logger.info({ apps: seeded }, 'config apps inserted into the app store');
  } catch (error) {
    await repository.close();
    throw new AppStoreBootError(`app store (appStore.url, table ${settings.table}) cannot be prepared: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  const cache = new CachedAppStore({
    repository,
    logger,
    cacheSize: settings.cacheSize,
    missCacheSize: settings.missCacheSize,
    refreshIntervalMs: settings.refreshSeconds * 1000,
    liveAppIds: options.liveAppIds,
  });
  const manager = new StoreAppManager({
    repository,
    now,
    secretGraceSeconds: settings.secretGraceSeconds,
    changed: async (write) => {
      cache.written(write.id, write.keys, write.stored);
      try {
        await options.publish(write);
      } catch (error) {
        // The write stands; the other nodes pick it up at their next refresh.
        logger.warn({ err: error, app: write.id }, 'app change not sent to the other nodes; they see it within appStore.refreshSeconds');
      }
    },
  });
  return { store: cache, manager, cache };
}
