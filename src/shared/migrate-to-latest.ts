/**
 * Kysely's `Migrator.migrateToLatest`, tolerant of one race it has on PostgreSQL. Before taking
 * its lock, the Migrator checks whether its tables exist by introspecting every table of the
 * database, and that query calls `pg_get_serial_sequence` per column: a table that anything else
 * drops while the query runs (another application's, another Switchboard's) fails the whole
 * migration with 42P01 (undefined_table), though nothing of ours is missing. A failed run applied
 * nothing (the check comes before the lock, and PostgreSQL runs the migrations in one
 * transaction), so one that failed with 42P01 is repeated, up to `MAX_ATTEMPTS` runs in all.
 */
import type { MigrationResultSet, Migrator } from 'kysely';

const MAX_ATTEMPTS = 3;
const UNDEFINED_TABLE = '42P01';

function droppedMidCheck(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === UNDEFINED_TABLE;
}

export async function migrateToLatest(migrator: Pick<Migrator, 'migrateToLatest'>): Promise<MigrationResultSet> {
  for (let attempt = 1; ; attempt += 1) {
    const outcome = await migrator.migrateToLatest();
    if (outcome.error === undefined || !droppedMidCheck(outcome.error) || attempt >= MAX_ATTEMPTS) return outcome;
  }
}
