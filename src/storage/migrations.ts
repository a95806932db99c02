/**
 * The migration registry: each feature that stores data (chat, push notifications, ...) is a
 * `StorageFeature` with its own append-only migrations, listed once in features.ts. They run at
 * boot (when a feature that needs storage is on) and through `switchboard migrate`, through
 * Kysely's Migrator, one per feature: a feature's applied migrations are recorded in its own
 * table `switchboard_migrations_<feature>`, so features never reorder or block each other, and
 * a lock (a PostgreSQL advisory lock; SQLite's write lock) makes concurrent runs from several
 * nodes safe: one applies, the others find nothing left to do.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Config } from '../config/schema.js';
import type { Storage } from './database.js';
import { isQueryError } from './storage-errors.js';
import type { StorageDialect } from '../config/storage-url.js';
import { migrateToLatest } from '../shared/migrate-to-latest.js';

export interface StorageFeature {
  /** Lowercase letters and digits; prefixes the feature's migration names (and, by convention, its tables). */
  readonly name: string;
  /** The feature's migrations by name (`0001_create_rooms`, ...), append-only, applied in name order. */
  migrations(dialect: StorageDialect): Record<string, Migration>;
  /** Whether this configuration turns the feature on at boot (then the storage opens and migrates at boot). */
  usedBy(config: Config): boolean;
}

export const MIGRATION_TABLE = 'switchboard_migrations';
export const MIGRATION_LOCK_TABLE = 'switchboard_migration_lock';

/** Column types that mean the same on both dialects: 64-bit integers (ids, millisecond times). */
export function portableTypes(dialect: StorageDialect): { readonly bigint: 'bigint' | 'integer' } {
  return { bigint: dialect === 'postgres' ? 'bigint' : 'integer' };
}

/** The table recording one feature's applied migrations. */
export function migrationTableOf(feature: string): string {
  return `${MIGRATION_TABLE}_${feature}`;
}

/**
 * Applies every pending migration of `features`, feature by feature; resolves with the names
 * applied now as `<feature>/<name>` (none: already current). A feature's migrations not listed
 * (an older release running against a newer schema) are an error only for that feature.
 */
export async function migrateStorage(storage: Storage, features: readonly StorageFeature[]): Promise<readonly string[]> {
  const db = storage.tables<unknown>();
  if (storage.schema !== undefined) await createSchema(db, storage.schema);
  // Kysely looks for its migration tables in any schema unless told which: name the one the
  // connection creates tables in, so a schema beside ours that has them does not count.
  const migrationTableSchema = storage.dialect === 'postgres' ? await currentSchema(db) : undefined;
  const applied: string[] = [];
  for (const feature of features) {
    if (!/^[a-z][a-z0-9]*$/.test(feature.name)) throw new Error(`storage feature name ${feature.name} must be lowercase letters and digits`);
    const migrations = feature.migrations(storage.dialect);
    const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };
    const migrator = new Migrator({
      db,
      provider,
      migrationTableName: migrationTableOf(feature.name),
      migrationLockTableName: MIGRATION_LOCK_TABLE,
      ...(migrationTableSchema === undefined ? {} : { migrationTableSchema }),
    });
    const { error, results } = await migrateToLatest(migrator);
    if (error !== undefined) {
      throw new Error(`migration of ${feature.name} failed: ${error instanceof Error ? error.message : JSON.stringify(error)}`, { cause: error });
    }
    for (const result of results ?? []) if (result.status === 'Success') applied.push(`${feature.name}/${result.migrationName}`);
  }
  return applied;
}

async function currentSchema(db: Kysely<unknown>): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  const schema = rows[0]?.schema;
  if (schema === undefined) throw new Error('PostgreSQL has no current schema (check search_path)');
  return schema;
}

/** `create schema if not exists`, tolerating another node creating it at the same moment. */
async function createSchema(db: Kysely<unknown>, schema: string): Promise<void> {
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    if (!isQueryError(error)) throw error;
  }
}
