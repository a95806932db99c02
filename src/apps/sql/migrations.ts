/**
 * The apps table's schema, created and migrated at boot and by `switchboard migrate`, through
 * Kysely's Migrator: applied migrations are recorded in `<table>_migrations`, and a lock
 * (PostgreSQL advisory lock, MySQL GET_LOCK, held by the Migrator) makes concurrent runs from
 * several nodes safe: one applies, the others find nothing left to do. Migrations are append-only.
 */
import { Migrator, sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { AppTables, SqlDialectName } from './database.js';
import { migrateToLatest } from '../../shared/migrate-to-latest.js';

export function migrationTables(table: string): { readonly migrations: string; readonly lock: string } {
  return { migrations: `${table}_migrations`, lock: `${table}_migration_lock` };
}

function migrationsFor(table: string, dialect: SqlDialectName): Record<string, Migration> {
  // Millisecond timestamps; PostgreSQL's carry the zone, MySQL's are written in UTC.
  const timestamp = dialect === 'postgres' ? sql`timestamptz` : sql`datetime(3)`;
  return {
    '0001_create_apps': {
      async up(db: Kysely<unknown>): Promise<void> {
        await db.schema
          .createTable(table)
          .ifNotExists()
          .addColumn('id', 'varchar(191)', (column) => column.primaryKey())
          .addColumn('app_key', 'varchar(191)', (column) => column.notNull())
          .addColumn('secret', 'text', (column) => column.notNull())
          .addColumn('previous_secret', 'text')
          .addColumn('previous_secret_expires_at', timestamp)
          .addColumn('enabled', 'boolean', (column) => column.notNull().defaultTo(true))
          .addColumn('settings', dialect === 'postgres' ? 'jsonb' : 'json', (column) => column.notNull())
          .addColumn('version', 'integer', (column) => column.notNull().defaultTo(1))
          .addColumn('created_at', timestamp, (column) => column.notNull())
          .addColumn('updated_at', timestamp, (column) => column.notNull())
          .addUniqueConstraint(`${table}_key_unique`, ['app_key'])
          .execute();
      },
    },
  };
}

/** The unique constraint on app_key, by name (conflicts are told apart by it). */
export function keyConstraint(table: string): string {
  return `${table}_key_unique`;
}

/** Applies every pending migration; resolves with the names applied now (none: already current). */
export async function migrate(db: Kysely<AppTables>, table: string, dialect: SqlDialectName): Promise<readonly string[]> {
  const migrations = migrationsFor(table, dialect);
  const provider: MigrationProvider = { getMigrations: () => Promise.resolve(migrations) };
  const names = migrationTables(table);
  const migrator = new Migrator({ db, provider, migrationTableName: names.migrations, migrationLockTableName: names.lock });
  const { error, results } = await migrateToLatest(migrator);
  if (error !== undefined) throw error instanceof Error ? error : new Error('migration failed', { cause: error });
  return (results ?? []).filter((result) => result.status === 'Success').map((result) => result.migrationName);
}
