/**
 * The databases the app store tests share with other runs (PostgreSQL 127.0.0.1:5432 and MariaDB
 * 127.0.0.1:3306, database `test`): every test uses its own table and drops it afterwards.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openDatabase, type AppDatabase } from '../../src/apps/sql/database.js';
import { migrationTables } from '../../src/apps/sql/migrations.js';

export const POSTGRES_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const MARIADB_URL = process.env['TEST_MARIADB_URL'] ?? 'mysql://root@127.0.0.1:3306/test';

/** A table name no other run uses (short enough for the migration tables beside it). */
export function uniqueTable(label: string): string {
  return `sbt_${label}_${randomBytes(5).toString('hex')}`;
}

/** A connection for raw statements in tests (reading a column as stored, editing by hand). */
export function rawDatabase(url: string): AppDatabase {
  return openDatabase({ url, poolSize: 2, queryTimeoutMs: 5_000 }, () => undefined);
}

/** Drops the apps table and its migration tables. */
export async function dropAppTables(url: string, table: string): Promise<void> {
  const database = rawDatabase(url);
  try {
    const { migrations, lock } = migrationTables(table);
    for (const name of [table, migrations, lock]) await sql`drop table if exists ${sql.table(name)}`.execute(database.db);
  } finally {
    await database.close();
  }
}
