/**
 * AppRepository on PostgreSQL or MySQL / MariaDB (through Kysely). Secrets go through the
 * SecretBox on every write and read; `settings` is a JSON column; id and app_key are indexed
 * (primary key, unique constraint). Every call is bounded by `timeoutMs` on the client side too,
 * whatever the driver does.
 */
import type { Insertable, Selectable } from 'kysely';
import { AppConflictError, AppValidationError } from '../app-errors.js';
import { toApp, type AppRecord, type AppSettings, type StoredApp } from '../app-record.js';
import type { AppRepository } from '../app-repository.js';
import { AppStoreUnavailableError } from '../app-store.js';
import type { SecretBox } from '../secret-box.js';
import type { AppDatabase, AppRow } from './database.js';
import { keyConstraint, migrate } from './migrations.js';

export interface SqlAppRepositoryOptions {
  readonly database: AppDatabase;
  readonly table: string;
  readonly secrets: SecretBox;
  readonly timeoutMs: number;
  readonly now: () => number;
  /** A row that cannot be served (invalid settings, a secret that does not open). */
  readonly onInvalidRow: (id: string, error: unknown) => void;
}

/** Ids or keys per `IN (...)` list. */
const CHUNK = 500;

type Row = Selectable<AppRow>;

export class SqlAppRepository implements AppRepository {
  readonly #options: SqlAppRepositoryOptions;

  constructor(options: SqlAppRepositoryOptions) {
    this.#options = options;
  }

  get queryCount(): number {
    return this.#options.database.queryCount;
  }

  list(): Promise<readonly StoredApp[]> {
    return this.#bounded(async () => {
      const rows = await this.#db.selectFrom(this.#table).selectAll().orderBy('created_at').orderBy('id').execute();
      return this.#toStored(rows);
    });
  }

  getByIds(ids: readonly string[]): Promise<readonly StoredApp[]> {
    return this.#selectIn('id', ids);
  }

  getByKeys(keys: readonly string[]): Promise<readonly StoredApp[]> {
    return this.#selectIn('app_key', keys);
  }

  insert(record: AppRecord): Promise<StoredApp> {
    return this.#bounded(async () => {
      const now = new Date(this.#options.now());
      try {
        await this.#db
          .insertInto(this.#table)
          .values({ ...this.#columns(record), version: 1, created_at: now, updated_at: now })
          .execute();
      } catch (error) {
        throw this.#conflict(error, record) ?? error;
      }
      return this.#readBack(record.id);
    });
  }

  replace(record: AppRecord, expectedVersion: number): Promise<StoredApp | undefined> {
    return this.#bounded(async () => {
      let updated: bigint;
      try {
        const result = await this.#db
          .updateTable(this.#table)
          .set((eb) => ({ ...this.#columns(record), version: eb('version', '+', 1), updated_at: new Date(this.#options.now()) }))
          .where('id', '=', record.id)
          .where('version', '=', expectedVersion)
          .executeTakeFirst();
        updated = result.numUpdatedRows;
      } catch (error) {
        throw this.#conflict(error, record) ?? error;
      }
      return updated === 0n ? undefined : this.#readBack(record.id);
    });
  }

  remove(id: string): Promise<boolean> {
    return this.#bounded(async () => {
      const result = await this.#db.deleteFrom(this.#table).where('id', '=', id).executeTakeFirst();
      return result.numDeletedRows > 0n;
    });
  }

  migrate(): Promise<readonly string[]> {
    // Not bounded by the query timeout: a migration may wait for another node's lock.
    return migrate(this.#db, this.#table, this.#options.database.dialect);
  }

  close(): Promise<void> {
    return this.#options.database.close();
  }

  get #db(): AppDatabase['db'] {
    return this.#options.database.db;
  }

  get #table(): string {
    return this.#options.table;
  }

  #selectIn(column: 'id' | 'app_key', values: readonly string[]): Promise<readonly StoredApp[]> {
    const distinct = [...new Set(values)];
    if (distinct.length === 0) return Promise.resolve([]);
    return this.#bounded(async () => {
      const found: StoredApp[] = [];
      for (let start = 0; start < distinct.length; start += CHUNK) {
        const chunk = distinct.slice(start, start + CHUNK);
        const rows = await this.#db.selectFrom(this.#table).selectAll().where(column, 'in', chunk).execute();
        found.push(...this.#toStored(rows));
      }
      return found;
    });
  }

  async #readBack(id: string): Promise<StoredApp> {
    const [stored] = await this.#selectIn('id', [id]);
    if (stored === undefined) throw new AppStoreUnavailableError(`app ${id} was written but cannot be read back`);
    return stored;
  }

  /** The columns a write sets, secrets sealed. */
  #columns(record: AppRecord): Omit<Insertable<AppRow>, 'version' | 'created_at' | 'updated_at'> {
    const { secrets } = this.#options;
    const previous = record.previousSecret;
    return {
      id: record.id,
      app_key: record.key,
      secret: secrets.seal(record.secret, record.id),
      previous_secret: previous === undefined ? null : secrets.seal(previous.secret, record.id),
      previous_secret_expires_at: previous === undefined ? null : new Date(previous.expiresAt),
      enabled: record.enabled,
      settings: JSON.stringify(record.settings),
    };
  }

  #toStored(rows: readonly Row[]): StoredApp[] {
    const stored: StoredApp[] = [];
    for (const row of rows) {
      try {
        stored.push(this.#fromRow(row));
      } catch (error) {
        this.#options.onInvalidRow(row.id, error);
      }
    }
    return stored;
  }

  #fromRow(row: Row): StoredApp {
    const { secrets } = this.#options;
    const settings = typeof row.settings === 'string' ? (JSON.parse(row.settings) as unknown) : row.settings;
    if (typeof settings !== 'object' || settings === null || Array.isArray(settings)) {
      throw new AppValidationError('settings', 'must be a JSON object');
    }
    const expiresAt = row.previous_secret_expires_at;
    const record: AppRecord = {
      id: row.id,
      key: row.app_key,
      enabled: row.enabled === true || row.enabled === 1,
      secret: secrets.open(row.secret, row.id),
      previousSecret:
        row.previous_secret === null || expiresAt === null
          ? undefined
          : { secret: secrets.open(row.previous_secret, row.id), expiresAt: expiresAt.getTime() },
      settings: settings as AppSettings,
    };
    const fingerprint = JSON.stringify([
      row.app_key,
      row.secret,
      row.previous_secret,
      expiresAt?.getTime() ?? null,
      record.enabled,
      settings,
      row.version,
      row.updated_at.getTime(),
    ]);
    return { record, app: toApp(record), version: row.version, fingerprint };
  }

  /** The AppConflictError a unique violation stands for, if it is one. */
  #conflict(error: unknown, record: AppRecord): AppConflictError | undefined {
    if (typeof error !== 'object' || error === null) return undefined;
    const details = error as { code?: unknown; errno?: unknown; constraint?: unknown; message?: unknown };
    const postgres = details.code === '23505';
    const mysql = details.errno === 1062;
    if (!postgres && !mysql) return undefined;
    const onKey = postgres ? details.constraint === keyConstraint(this.#table) : String(details.message).includes(keyConstraint(this.#table));
    return onKey ? new AppConflictError('key', record.key) : new AppConflictError('id', record.id);
  }

  /**
   * Runs `work` within the timeout. Conflicts and validation errors pass through; anything else
   * (refused, reset, timed out, unknown table) becomes AppStoreUnavailableError.
   */
  async #bounded<T>(work: () => Promise<T>): Promise<T> {
    const { timeoutMs } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new AppStoreUnavailableError(`the app store did not answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([work(), late]);
    } catch (error) {
      if (error instanceof AppConflictError || error instanceof AppStoreUnavailableError) throw error;
      throw new AppStoreUnavailableError(`the app store failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}
