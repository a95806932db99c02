/**
 * The app store's database: a Kysely instance over PostgreSQL (`pg`) or MySQL / MariaDB
 * (`mysql2`), chosen by the URL's scheme. Pools are bounded (`appStore.poolSize`), and so is every
 * wait: connecting, waiting for a pooled connection and each statement (`appStore.queryTimeoutMs`;
 * PostgreSQL also enforces it on the server as statement_timeout). MySQL's driver has no
 * per-statement timeout, so the repository bounds every call on the client side as well
 * (see sql-app-repository.ts).
 */
import { Kysely, MysqlDialect, PostgresDialect, type ColumnType } from 'kysely';
import mysql from 'mysql2';
import pg from 'pg';

export type SqlDialectName = 'postgres' | 'mysql';

/** One row of the apps table (see migrations.ts for the columns). */
export interface AppRow {
  id: string;
  app_key: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: Date | null;
  /** PostgreSQL answers a boolean, MySQL a TINYINT. */
  enabled: ColumnType<boolean | number, boolean, boolean>;
  /** JSON: PostgreSQL (jsonb) and MySQL answer an object, MariaDB the JSON text. */
  settings: ColumnType<unknown, string, string>;
  version: number;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
}

/** The table name is configurable (`appStore.table`), so every name maps to the same row type. */
export type AppTables = Record<string, AppRow>;

export interface DatabaseSettings {
  readonly url: string;
  readonly poolSize: number;
  readonly queryTimeoutMs: number;
}

export interface AppDatabase {
  readonly db: Kysely<AppTables>;
  readonly dialect: SqlDialectName;
  /** Statements sent so far, failed ones included (the tests count them). */
  readonly queryCount: number;
  close(): Promise<void>;
}

export function dialectOf(url: string): SqlDialectName {
  if (/^postgres(ql)?:\/\//.test(url)) return 'postgres';
  if (url.startsWith('mysql://')) return 'mysql';
  throw new Error('appStore.url must start with postgres:// or mysql://');
}

/**
 * Opens the pool lazily (nothing connects before the first statement). `onIdleError` receives
 * errors of pooled connections that are not running a statement (the server went away): they
 * are reported, never thrown, so a database restart cannot take the process down.
 */
export function openDatabase(settings: DatabaseSettings, onIdleError: (error: Error) => void): AppDatabase {
  const dialect = dialectOf(settings.url);
  let queries = 0;
  const log = (): void => {
    queries += 1;
  };
  const db = new Kysely<AppTables>({ dialect: dialect === 'postgres' ? postgresDialect(settings, onIdleError) : mysqlDialect(settings, onIdleError), log });
  return {
    db,
    dialect,
    get queryCount() {
      return queries;
    },
    close: () => db.destroy(),
  };
}

function postgresDialect(settings: DatabaseSettings, onIdleError: (error: Error) => void): PostgresDialect {
  const pool = new pg.Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.queryTimeoutMs,
    query_timeout: settings.queryTimeoutMs,
    statement_timeout: settings.queryTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
  });
  pool.on('error', onIdleError);
  return new PostgresDialect({ pool });
}

function mysqlDialect(settings: DatabaseSettings, onIdleError: (error: Error) => void): MysqlDialect {
  const pool = mysql.createPool({
    uri: settings.url,
    connectionLimit: settings.poolSize,
    connectTimeout: settings.queryTimeoutMs,
    // Timestamps are written and read as UTC, whatever the server's or this process's zone.
    timezone: 'Z',
    enableKeepAlive: true,
    idleTimeout: 30_000,
  });
  pool.on('connection', (connection) => connection.on('error', onIdleError));
  return new MysqlDialect({ pool });
}
