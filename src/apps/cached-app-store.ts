/**
 * The AppStore of a server with `appStore.url`: lookups on the connect and API paths are answered
 * from memory. A miss costs at most one batched query (KeyBatcher), shared by every handshake that
 * waits on the same key; unknown keys and ids are remembered (bounded, for `refreshSeconds`), so a
 * flood of them does not reach the database either.
 *
 * Changes reach the cache three ways: a write on this node (`written`), an invalidation from
 * another node over the bus (`invalidate`, which re-reads the app), and a periodic refresh of
 * every cached app and every app this node has connections of (edits made directly in SQL).
 * Each change is reported to the `onChange` listeners (the engine closes or updates connections).
 *
 * While the database is down the cache keeps serving what it holds; a lookup it cannot answer
 * rejects with AppStoreUnavailableError. Nothing needs a restart when the database returns.
 */
import { LRUCache } from 'lru-cache';
import type { Logger } from '../shared/logger.js';
import { FailureLog } from '../shared/failure-log.js';
import type { StoredApp } from './app-record.js';
import type { AppRepository } from './app-repository.js';
import type { App, AppStore } from './app-store.js';
import { KeyBatcher } from './key-batcher.js';

/** An app that changed: as it is now, or undefined when it no longer exists. */
export interface AppChange {
  readonly id: string;
  readonly app: App | undefined;
}

export interface CachedAppStoreOptions {
  readonly repository: AppRepository;
  readonly logger: Logger;
  readonly cacheSize: number;
  readonly missCacheSize: number;
  /** Period of the refresh, and how long an unknown key or id is remembered. */
  readonly refreshIntervalMs: number;
  /** Apps this process holds connections of: refreshed even once evicted from the cache. */
  readonly liveAppIds?: () => Iterable<string>;
}

/** Keys or ids per batched lookup. */
const MAX_BATCH = 500;
/**
 * Shortest time between two lookups of the same kind (keys, ids): at most 50 queries a second per
 * process, whatever arrives; a miss waits this long at most when another lookup just ran.
 */
const MIN_LOOKUP_INTERVAL_MS = 20;

export class CachedAppStore implements AppStore {
  readonly #options: CachedAppStoreOptions;
  readonly #byId: LRUCache<string, StoredApp>;
  readonly #byKey: LRUCache<string, StoredApp>;
  readonly #missingIds: LRUCache<string, true>;
  readonly #missingKeys: LRUCache<string, true>;
  readonly #idLoader: KeyBatcher<StoredApp>;
  readonly #keyLoader: KeyBatcher<StoredApp>;
  readonly #listeners = new Set<(change: AppChange) => void>();
  readonly #refreshFailures: FailureLog;
  /** Bumped by every change: a lookup that started before one does not cache its answer. */
  #generation = 0;
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(options: CachedAppStoreOptions) {
    this.#options = options;
    this.#byId = new LRUCache({ max: options.cacheSize });
    this.#byKey = new LRUCache({ max: options.cacheSize });
    const misses = { max: options.missCacheSize, ttl: options.refreshIntervalMs };
    this.#missingIds = new LRUCache(misses);
    this.#missingKeys = new LRUCache(misses);
    const { repository } = options;
    this.#idLoader = new KeyBatcher(async (ids) => new Map((await repository.getByIds(ids)).map((stored) => [stored.record.id, stored])), MAX_BATCH, MIN_LOOKUP_INTERVAL_MS);
    this.#keyLoader = new KeyBatcher(async (keys) => new Map((await repository.getByKeys(keys)).map((stored) => [stored.record.key, stored])), MAX_BATCH, MIN_LOOKUP_INTERVAL_MS);
    this.#refreshFailures = new FailureLog(options.logger, 'app store refresh');
  }

  findByKey(key: string): Promise<App | undefined> {
    const cached = this.#byKey.get(key);
    if (cached !== undefined) return Promise.resolve(cached.app);
    if (this.#missingKeys.has(key)) return Promise.resolve(undefined);
    return this.#lookup(this.#keyLoader, key, this.#missingKeys);
  }

  findById(id: string): Promise<App | undefined> {
    const cached = this.#byId.get(id);
    if (cached !== undefined) return Promise.resolve(cached.app);
    if (this.#missingIds.has(id)) return Promise.resolve(undefined);
    return this.#lookup(this.#idLoader, id, this.#missingIds);
  }

  /** Statements sent to the database so far (for tests and diagnostics). */
  get queryCount(): number {
    return this.#options.repository.queryCount;
  }

  /** Called with every change this cache learns of. */
  onChange(listener: (change: AppChange) => void): void {
    this.#listeners.add(listener);
  }

  /** Starts the periodic refresh. */
  start(): void {
    this.#timer ??= setInterval(() => void this.refresh(), this.#options.refreshIntervalMs);
    this.#timer.unref();
  }

  /** Stops the refresh and releases the database. */
  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#refreshing;
    await this.#options.repository.close();
  }

  /**
   * A write made on this node: `stored` is the app as written (undefined: deleted); `keys` are
   * the keys it had and has, so that a key remembered as unknown is forgotten.
   */
  written(id: string, keys: readonly string[], stored: StoredApp | undefined): void {
    this.#forgetMisses(id, keys);
    this.#apply(id, stored);
  }

  /** Another node changed the app: forget what is known of it and read it again. */
  async invalidate(id: string, keys: readonly string[]): Promise<void> {
    this.#forgetMisses(id, keys);
    try {
      const [stored] = await this.#options.repository.getByIds([id]);
      this.#apply(id, stored);
    } catch (error) {
      // The refresh catches up once the database answers again.
      this.#options.logger.warn({ err: error, app: id }, 'app invalidation could not re-read the app');
    }
  }

  /** Re-reads every cached app and every app with connections here; reports what changed. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#refresh().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #refresh(): Promise<void> {
    const ids = new Set(this.#byId.keys());
    for (const id of this.#options.liveAppIds?.() ?? []) ids.add(id);
    if (ids.size === 0) return;
    const generation = this.#generation;
    let found: readonly StoredApp[];
    try {
      found = await this.#options.repository.getByIds([...ids]);
      this.#refreshFailures.succeeded();
    } catch (error) {
      this.#refreshFailures.failed(error);
      return;
    }
    // A change applied meanwhile is newer than this read: the next refresh covers that app.
    if (generation !== this.#generation) return;
    const byId = new Map(found.map((stored) => [stored.record.id, stored]));
    for (const id of ids) this.#apply(id, byId.get(id));
  }

  async #lookup(loader: KeyBatcher<StoredApp>, lookupKey: string, misses: LRUCache<string, true>): Promise<App | undefined> {
    const generation = this.#generation;
    const stored = await loader.load(lookupKey);
    if (generation === this.#generation) {
      if (stored === undefined) misses.set(lookupKey, true);
      else this.#remember(stored);
    }
    return stored?.app;
  }

  #forgetMisses(id: string, keys: readonly string[]): void {
    this.#generation += 1;
    this.#missingIds.delete(id);
    for (const key of keys) this.#missingKeys.delete(key);
  }

  #remember(stored: StoredApp): void {
    const { id, key } = stored.record;
    const previous = this.#byId.peek(id);
    if (previous !== undefined && previous.record.key !== key && this.#byKey.peek(previous.record.key)?.record.id === id) {
      this.#byKey.delete(previous.record.key);
    }
    this.#byId.set(id, stored);
    this.#byKey.set(key, stored);
  }

  /** Caches the app as it is now and reports it, unless nothing changed. */
  #apply(id: string, stored: StoredApp | undefined): void {
    const previous = this.#byId.peek(id);
    if (stored !== undefined && previous?.fingerprint === stored.fingerprint) return;
    this.#generation += 1;
    if (stored === undefined) {
      this.#byId.delete(id);
      if (previous !== undefined && this.#byKey.peek(previous.record.key)?.record.id === id) this.#byKey.delete(previous.record.key);
    } else {
      this.#remember(stored);
    }
    const change: AppChange = { id, app: stored?.app };
    for (const listener of this.#listeners) listener(change);
  }
}
