/**
 * The storage as the server holds it: nothing is opened until a feature asks for it (a
 * Channels-only deployment opens no database), then it is opened and migrated once; every later
 * caller shares that. A failed open or migration is not remembered: the next caller tries again
 * (the database may have come back).
 */
import type { Logger } from '../shared/logger.js';
import { openStorage, type Storage, type StorageSettings } from './database.js';
import { migrateStorage, type StorageFeature } from './migrations.js';

export class LazyStorage {
  readonly #settings: StorageSettings;
  readonly #features: readonly StorageFeature[];
  readonly #logger: Logger;
  #opening: Promise<Storage> | undefined;
  #storage: Storage | undefined;

  constructor(settings: StorageSettings, features: readonly StorageFeature[], logger: Logger) {
    this.#settings = settings;
    this.#features = features;
    this.#logger = logger;
  }

  /** Whether anything has opened the database yet. */
  get opened(): boolean {
    return this.#storage !== undefined;
  }

  /** The open, migrated storage. */
  get(): Promise<Storage> {
    this.#opening ??= this.#open().catch((error: unknown) => {
      this.#opening = undefined;
      throw error;
    });
    return this.#opening;
  }

  /** Closes the database, after an open still in flight (which then fails nobody: it is closed). */
  async close(): Promise<void> {
    const opening = this.#opening;
    this.#opening = undefined;
    this.#storage = undefined;
    const storage = await opening?.catch(() => undefined);
    await storage?.close();
  }

  async #open(): Promise<Storage> {
    const storage = openStorage(this.#settings, (error) => this.#logger.warn({ err: error }, 'storage connection failed while idle'));
    try {
      const applied = await migrateStorage(storage, this.#features);
      this.#logger.info({ dialect: storage.dialect, applied }, `storage open (${storage.dialect})${applied.length > 0 ? `, applied ${applied.join(', ')}` : ''}`);
    } catch (error) {
      await storage.close().catch(() => undefined);
      throw error;
    }
    this.#storage = storage;
    return storage;
  }
}
