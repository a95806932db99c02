import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MigrationResultSet } from 'kysely';
import { migrateToLatest } from './migrate-to-latest.js';

/** A Migrator that answers the given outcomes in turn and counts its runs. */
function migratorAnswering(...outcomes: MigrationResultSet[]): { runs: number; migrateToLatest(): Promise<MigrationResultSet> } {
  const fake = {
    runs: 0,
    migrateToLatest(): Promise<MigrationResultSet> {
      const outcome = outcomes[Math.min(fake.runs, outcomes.length - 1)] as MigrationResultSet;
      fake.runs += 1;
      return Promise.resolve(outcome);
    },
  };
  return fake;
}

const droppedTable = Object.assign(new Error('relation "public.other_app_table" does not exist'), { code: '42P01' });
const applied: MigrationResultSet = { results: [{ migrationName: '0001_create_apps', direction: 'Up', status: 'Success' }] };

describe('migrateToLatest', () => {
  it('runs once when the first run succeeds', async () => {
    const migrator = migratorAnswering(applied);
    assert.deepEqual(await migrateToLatest(migrator), applied);
    assert.equal(migrator.runs, 1);
  });

  it("runs again when PostgreSQL's introspection met a table dropped meanwhile (42P01)", async () => {
    const migrator = migratorAnswering({ error: droppedTable }, applied);
    assert.deepEqual(await migrateToLatest(migrator), applied);
    assert.equal(migrator.runs, 2);
  });

  it('gives up after three runs that all met 42P01, answering the last error', async () => {
    const migrator = migratorAnswering({ error: droppedTable });
    assert.equal((await migrateToLatest(migrator)).error, droppedTable);
    assert.equal(migrator.runs, 3);
  });

  it('never repeats a run that failed for another reason', async () => {
    const other = Object.assign(new Error('permission denied for schema public'), { code: '42501' });
    const migrator = migratorAnswering({ error: other }, applied);
    assert.equal((await migrateToLatest(migrator)).error, other);
    assert.equal(migrator.runs, 1);
  });
});
