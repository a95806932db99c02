/**
 * Where apps come from. `StaticAppStore` serves the config file; `CachedAppStore`
 * (cached-app-store.ts) serves a database through an in-memory cache. An `App` is immutable once
 * served: a change replaces it.
 */
import type { AppConfig } from '../config/schema.js';

/** The secret an app had before its last rotation, still accepted until `expiresAt`. */
export interface PreviousSecret {
  readonly secret: string;
  /** Epoch milliseconds after which it no longer verifies anything. */
  readonly expiresAt: number;
}

export type App = Readonly<AppConfig> & {
  /** Set for a while after a secret rotation: it still verifies signatures, never signs. */
  readonly previousSecret?: PreviousSecret | undefined;
};

export interface AppStore {
  /**
   * The app with this key, undefined when there is none. Rejects with AppStoreUnavailableError
   * when the answer cannot be known (the database is down and the key is not cached).
   */
  findByKey(key: string): Promise<App | undefined>;
  /** As findByKey, by id. */
  findById(id: string): Promise<App | undefined>;
}

/** A lookup could not be answered: the store is unreachable and the answer is not cached. */
export class AppStoreUnavailableError extends Error {
  override readonly name = 'AppStoreUnavailableError';
}

export class StaticAppStore implements AppStore {
  readonly #byKey: ReadonlyMap<string, App>;
  readonly #byId: ReadonlyMap<string, App>;

  constructor(apps: readonly App[]) {
    this.#byKey = new Map(apps.map((app) => [app.key, app]));
    this.#byId = new Map(apps.map((app) => [app.id, app]));
  }

  findByKey(key: string): Promise<App | undefined> {
    return Promise.resolve(this.#byKey.get(key));
  }

  findById(id: string): Promise<App | undefined> {
    return Promise.resolve(this.#byId.get(id));
  }

  /** Every app, in config order. */
  list(): readonly App[] {
    return [...this.#byId.values()];
  }
}
