/**
 * Managing apps: what the admin API and `switchboard apps` do. `StoreAppManager` writes to the
 * database (validating every setting with the config schema, generating what is not given) and
 * reports each write through `changed` (the server updates its cache and tells the other nodes);
 * `ConfigAppManager` serves the config file's apps read-only.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { appSchema } from '../config/schema.js';
import { MIN_SECRET_LENGTH } from '../config/load.js';
import { AppConflictError, AppValidationError, ReadOnlyAppsError } from './app-errors.js';
import { settingsOf, validationError, type AppRecord, type StoredApp } from './app-record.js';
import type { AppRepository } from './app-repository.js';
import { AppStoreUnavailableError, type App } from './app-store.js';

export interface AppManager {
  /** False when apps come from the config file: every write rejects with ReadOnlyAppsError. */
  readonly writable: boolean;
  list(): Promise<readonly App[]>;
  get(id: string): Promise<App | undefined>;
  /** Creates an app from per-app settings; `id`, `key` and `secret` are generated when absent. */
  create(input: unknown): Promise<App>;
  /** Changes the given settings (null removes one); undefined when there is no such app. */
  update(id: string, patch: unknown): Promise<App | undefined>;
  /** False when there was no such app. */
  remove(id: string): Promise<boolean>;
  /** A new secret (`{"secret"}` given, or generated); the previous one verifies for the grace period. */
  rotateSecret(id: string, input: unknown): Promise<string | undefined>;
}

/** A write that happened: the app's keys before and after, and the app as stored now (undefined: deleted). */
export interface AppWrite {
  readonly id: string;
  readonly keys: readonly string[];
  readonly stored: StoredApp | undefined;
}

export interface StoreAppManagerOptions {
  readonly repository: AppRepository;
  readonly now: () => number;
  readonly secretGraceSeconds: number;
  readonly changed?: (write: AppWrite) => Promise<void>;
}

/** Tries at a write whose app changed under it (optimistic concurrency) or whose generated id was taken. */
const ATTEMPTS = 5;

export function generateId(): string {
  return String(randomInt(100_000_000, 1_000_000_000));
}

export function generateKey(): string {
  return randomBytes(10).toString('hex');
}

export function generateSecret(): string {
  return randomBytes(32).toString('hex');
}

function asObject(input: unknown, what: string): Readonly<Record<string, unknown>> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new AppValidationError('', `${what} must be a JSON object`);
  return input as Record<string, unknown>;
}

function givenSecret(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) {
    throw new AppValidationError('secret', `must be a string of at least ${MIN_SECRET_LENGTH} characters`);
  }
  return value;
}

export class StoreAppManager implements AppManager {
  readonly writable = true;
  readonly #options: StoreAppManagerOptions;

  constructor(options: StoreAppManagerOptions) {
    this.#options = options;
  }

  async list(): Promise<readonly App[]> {
    return (await this.#options.repository.list()).map((stored) => stored.app);
  }

  async get(id: string): Promise<App | undefined> {
    return (await this.#read(id))?.app;
  }

  async create(input: unknown): Promise<App> {
    const given = asObject(input, 'the app');
    const secret = givenSecret(given['secret']) ?? generateSecret();
    for (let attempt = 1; ; attempt += 1) {
      const id = given['id'] ?? generateId();
      const parsed = appSchema.safeParse({ ...given, id, key: given['key'] ?? generateKey(), secret });
      if (!parsed.success) throw validationError(parsed.error);
      const { data } = parsed;
      const record: AppRecord = { id: data.id, key: data.key, enabled: data.enabled, secret, previousSecret: undefined, settings: settingsOf(given) };
      try {
        const stored = await this.#options.repository.insert(record);
        await this.#options.changed?.({ id: record.id, keys: [record.key], stored });
        return stored.app;
      } catch (error) {
        // A generated id that happens to be taken is drawn again; a given one is the caller's conflict.
        const retry = error instanceof AppConflictError && error.field === 'id' && given['id'] === undefined && attempt < ATTEMPTS;
        if (!retry) throw error;
      }
    }
  }

  async update(id: string, patch: unknown): Promise<App | undefined> {
    const changes = asObject(patch, 'the change');
    if ('id' in changes && changes['id'] !== id) throw new AppValidationError('id', 'is immutable');
    if ('secret' in changes) throw new AppValidationError('secret', 'is changed by POST /api/apps/{id}/secret (switchboard apps rotate-secret)');
    return await this.#rewrite(id, (current) => {
      // JSON merge patch: null removes a setting (back to its default, or unset).
      const changed = settingsOf(changes);
      const settings = Object.fromEntries(
        [...Object.entries(current.settings).filter(([name]) => !(name in changed)), ...Object.entries(changed)].filter(([, value]) => value !== null),
      );
      const parsed = appSchema.safeParse({
        ...settings,
        id,
        key: changes['key'] ?? current.key,
        secret: current.secret,
        enabled: changes['enabled'] ?? current.enabled,
      });
      if (!parsed.success) throw validationError(parsed.error);
      return { ...current, key: parsed.data.key, enabled: parsed.data.enabled, settings };
    });
  }

  async remove(id: string): Promise<boolean> {
    const current = await this.#read(id);
    if (current === undefined) return false;
    const removed = await this.#options.repository.remove(id);
    if (removed) await this.#options.changed?.({ id, keys: [current.record.key], stored: undefined });
    return removed;
  }

  async rotateSecret(id: string, input: unknown): Promise<string | undefined> {
    const secret = givenSecret(asObject(input ?? {}, 'the body')['secret']) ?? generateSecret();
    const graceMs = this.#options.secretGraceSeconds * 1000;
    const app = await this.#rewrite(id, (current) => ({
      ...current,
      secret,
      previousSecret: graceMs > 0 ? { secret: current.secret, expiresAt: this.#options.now() + graceMs } : undefined,
    }));
    return app === undefined ? undefined : secret;
  }

  async #read(id: string): Promise<StoredApp | undefined> {
    const [stored] = await this.#options.repository.getByIds([id]);
    return stored;
  }

  /** Read, change, write if nobody wrote meanwhile; again otherwise. */
  async #rewrite(id: string, change: (current: AppRecord) => AppRecord): Promise<App | undefined> {
    for (let attempt = 1; attempt <= ATTEMPTS; attempt += 1) {
      const current = await this.#read(id);
      if (current === undefined) return undefined;
      const next = change(current.record);
      const stored = await this.#options.repository.replace(next, current.version);
      if (stored === undefined) continue;
      await this.#options.changed?.({ id, keys: [...new Set([current.record.key, next.key])], stored });
      return stored.app;
    }
    throw new AppStoreUnavailableError(`app ${id} kept changing during ${ATTEMPTS} attempts to write it`);
  }
}

export class ConfigAppManager implements AppManager {
  readonly writable = false;
  readonly #apps: readonly App[];

  constructor(apps: readonly App[]) {
    this.#apps = apps;
  }

  list(): Promise<readonly App[]> {
    return Promise.resolve(this.#apps);
  }

  get(id: string): Promise<App | undefined> {
    return Promise.resolve(this.#apps.find((app) => app.id === id));
  }

  create(): Promise<App> {
    return Promise.reject(new ReadOnlyAppsError());
  }

  update(): Promise<App | undefined> {
    return Promise.reject(new ReadOnlyAppsError());
  }

  remove(): Promise<boolean> {
    return Promise.reject(new ReadOnlyAppsError());
  }

  rotateSecret(): Promise<string | undefined> {
    return Promise.reject(new ReadOnlyAppsError());
  }
}
