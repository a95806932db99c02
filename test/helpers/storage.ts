/**
 * The storage layer's databases in tests: SQLite files in temporary directories, and the shared
 * PostgreSQL (127.0.0.1:5432, database `test`) with a schema of its own per run, dropped after.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { openStorage } from '../../src/storage/database.js';

export const POSTGRES_URL = process.env['TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name no other run uses. */
export function uniquePostgresSchema(label: string): string {
  return `sbs_${label}_${randomBytes(5).toString('hex')}`;
}

export async function dropPostgresSchema(schema: string): Promise<void> {
  const storage = openStorage({ url: POSTGRES_URL, poolSize: 1, queryTimeoutMs: 10_000 }, () => undefined);
  try {
    await sql`drop schema if exists ${sql.id(schema)} cascade`.execute(storage.tables<unknown>());
  } finally {
    await storage.close();
  }
}
