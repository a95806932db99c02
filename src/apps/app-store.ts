/**
 * Where apps come from. The static store serves the config file; a database-backed store can
 * implement the same seam later. An `App` is immutable once served.
 */
import type { AppConfig } from '../config/schema.js';

export type App = Readonly<AppConfig>;

export interface AppStore {
  findByKey(key: string): Promise<App | undefined>;
  findById(id: string): Promise<App | undefined>;
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
}
