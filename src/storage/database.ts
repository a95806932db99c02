/**
 * The project's storage: one Kysely query layer over SQLite (better-sqlite3, embedded, the
 * default) or PostgreSQL (`pg`, for clusters), chosen by `storage.url`. Features (chat, push
 * notifications, ...) type the query builder with their own tables (`tables<T>()`) and write
 * portable SQL: timestamps are integer milliseconds, flags are integers 0/1 and JSON is text, so
 * one query runs on both dialects.
 *
 * Every wait is bounded: PostgreSQL connecting, waiting for a pooled connection and each
 * statement (`storage.queryTimeoutMs`, also enforced by the server as statement_timeout);
 * SQLite waiting for another process's write lock (busy_timeout).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, sql, type DialectAdapter, type MigrationLockOptions } from 'kysely';
import pg from 'pg';
import { parseStorageUrl, type StorageDialect, type StorageLocation } from '../config/storage-url.js';

export interface StorageSettings {
  readonly url: string;
  /** PostgreSQL only: the schema every table lives in (created by the migration); `public` when absent. */
  readonly schema?: string | undefined;
  readonly poolSize: number;
  readonly queryTimeoutMs: number;
}

export interface Storage {
  readonly dialect: StorageDialect;
  readonly queryTimeoutMs: number;
  /** The PostgreSQL schema, when one is set (the migration creates it). */
  readonly schema: string | undefined;
  /** The query builder, typed with a feature's tables. */
  tables<T>(): Kysely<T>;
  /** Statements sent so far, failed ones included (the tests count them). */
  readonly queryCount: number;
  close(): Promise<void>;
}

/** PostgreSQL int8 (bigint) answered as a JS number: ids and millisecond times stay below 2^53. */
const INT8_OID = 20;

/**
 * Opens the database. PostgreSQL connects lazily (at the first statement); SQLite opens the file
 * now (creating it and its directory) in WAL mode. `onIdleError` receives errors of pooled
 * PostgreSQL connections that are not running a statement: reported, never thrown, so a database
 * restart cannot take the process down.
 */
export function openStorage(settings: StorageSettings, onIdleError: (error: Error) => void): Storage {
  const location = parseStorageUrl(settings.url);
  let queries = 0;
  const log = (): void => {
    queries += 1;
  };
  const dialect = location.dialect === 'postgres' ? postgresDialect(location.url, settings, onIdleError) : sqliteDialect(location, settings);
  const db = new Kysely<Record<string, never>>({ dialect, log });
  return {
    dialect: location.dialect,
    queryTimeoutMs: settings.queryTimeoutMs,
    schema: location.dialect === 'postgres' ? settings.schema : undefined,
    // Kysely's types live only at compile time: the same instance serves every feature's tables.
    tables: <T>() => db as unknown as Kysely<T>,
    get queryCount() {
      return queries;
    },
    close: () => db.destroy(),
  };
}

function sqliteDialect(location: Extract<StorageLocation, { dialect: 'sqlite' }>, settings: StorageSettings): SqliteDialect {
  const memory = location.path === ':memory:';
  if (!memory) mkdirSync(dirname(location.path), { recursive: true });
  const database = new BetterSqlite3(location.path, { timeout: settings.queryTimeoutMs });
  if (!memory) database.pragma('journal_mode = WAL');
  // WAL makes NORMAL durable against process crashes (a power cut may lose the last commits).
  database.pragma('synchronous = NORMAL');
  database.pragma('foreign_keys = ON');
  return new LockingSqliteDialect({ database });
}

/**
 * SQLite with a real migration lock: Kysely's SQLite adapter has none (one connection per
 * process), but several processes (`--workers`, `switchboard migrate` beside a server) may
 * migrate the same file at once. The lock is a write transaction (BEGIN IMMEDIATE) held on the
 * migrating connection from lock to release: another process waits for it (busy_timeout), then
 * finds the migrations applied. Migrations are committed together at the release.
 */
class LockingSqliteDialect extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new LockingSqliteAdapter();
  }
}

class LockingSqliteAdapter extends SqliteAdapter {
  override async acquireMigrationLock(db: Kysely<unknown>, _options: MigrationLockOptions): Promise<void> {
    await sql`begin immediate`.execute(db);
  }

  override async releaseMigrationLock(db: Kysely<unknown>, _options: MigrationLockOptions): Promise<void> {
    await sql`commit`.execute(db);
  }
}

function postgresDialect(url: string, settings: StorageSettings, onIdleError: (error: Error) => void): PostgresDialect {
  const schema = settings.schema;
  // Per pool, not pg's global parsers: the app store's pool keeps pg's defaults.
  const types = new pg.TypeOverrides();
  types.setTypeParser(INT8_OID, 'text', (value: string) => Number(value));
  const pool = new pg.Pool({
    connectionString: url,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.queryTimeoutMs,
    query_timeout: settings.queryTimeoutMs,
    statement_timeout: settings.queryTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // The schema is quoted by PostgreSQL's own option parsing (letters, digits and _ only, see the config).
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
    types,
  });
  pool.on('error', onIdleError);
  return new PostgresDialect({ pool });
}
