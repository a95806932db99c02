/**
 * The contract of the storage layer, run against every database it supports
 * (test/storage.test.ts: SQLite in a temporary file, PostgreSQL in a schema of its own per run):
 * the migration registry, portable types, transactions, unique violations and the time bound.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql, type Kysely } from 'kysely';
import { parseConfig } from '../config/load.js';
import { bounded } from './bounded.js';
import { openStorage, type Storage } from './database.js';
import { migrateStorage, migrationTableOf, portableTypes, type StorageFeature } from './migrations.js';
import { isUniqueViolation } from './storage-errors.js';

export interface StorageTarget {
  /** storage.url and storage.schema of a fresh, empty database (or schema) for this suite. */
  readonly url: string;
  readonly schema?: string;
  /** Several connections may migrate at once in this process (PostgreSQL; SQLite serializes processes, see database.ts). */
  readonly concurrentConnections: boolean;
  /** Removes what the suite created (runs once, after it). */
  cleanup(): Promise<void>;
}

interface NoteTables {
  contract_notes: { id: number; body: string; flag: number; at: number };
}

function feature(name: string, steps: readonly string[], applied: string[] = []): StorageFeature {
  const migrations = (dialect: Storage['dialect']) => {
    const types = portableTypes(dialect);
    return Object.fromEntries(
      steps.map((step) => [
        step,
        {
          async up(db: Kysely<unknown>): Promise<void> {
            applied.push(`${name}/${step}`);
            await db.schema
              .createTable(`${name}_${step}`)
              .addColumn('id', types.bigint, (column) => column.primaryKey())
              .execute();
          },
        },
      ]),
    );
  };
  return { name, migrations, usedBy: () => true };
}

const NOTES: StorageFeature = {
  name: 'contract',
  migrations: (dialect) => ({
    '0001_notes': {
      async up(db: Kysely<unknown>): Promise<void> {
        const types = portableTypes(dialect);
        await db.schema
          .createTable('contract_notes')
          .addColumn('id', types.bigint, (column) => column.primaryKey())
          .addColumn('body', 'text', (column) => column.notNull())
          .addColumn('flag', 'integer', (column) => column.notNull())
          .addColumn('at', types.bigint, (column) => column.notNull())
          .execute();
      },
    },
  }),
  usedBy: () => true,
};

export function storageContract(name: string, target: StorageTarget): void {
  describe(`storage contract: ${name}`, () => {
    const opened: Storage[] = [];
    const open = (): Storage => {
      const settings = parseConfig({ storage: { url: target.url, ...(target.schema === undefined ? {} : { schema: target.schema }) } }).storage;
      const storage = openStorage(settings, () => undefined);
      opened.push(storage);
      return storage;
    };

    after(async () => {
      for (const storage of opened) await storage.close();
      await target.cleanup();
    });

    it('applies each feature migration once; a feature registered later is applied alone', async () => {
      const storage = open();
      const applied: string[] = [];
      const chat = feature('fchat', ['0001_a', '0002_b'], applied);
      assert.deepEqual(await migrateStorage(storage, [chat]), ['fchat/0001_a', 'fchat/0002_b']);
      assert.deepEqual(await migrateStorage(storage, [chat]), []);
      // A later release: the chat feature grows and a push feature appears (its name sorts after).
      const grown = feature('fchat', ['0001_a', '0002_b', '0003_c'], applied);
      const push = feature('fpush', ['0001_a'], applied);
      assert.deepEqual(await migrateStorage(storage, [grown, push]), ['fchat/0003_c', 'fpush/0001_a']);
      // And a feature whose name sorts first, after the others ran: applied, nothing else re-run.
      const early = feature('aearly', ['0001_a'], applied);
      assert.deepEqual(await migrateStorage(storage, [grown, push, early]), ['aearly/0001_a']);
      assert.deepEqual(applied, ['fchat/0001_a', 'fchat/0002_b', 'fchat/0003_c', 'fpush/0001_a', 'aearly/0001_a']);
      const rows = await storage.tables<Record<string, { name: string }>>().selectFrom(migrationTableOf('fchat')).select('name').execute();
      assert.equal(rows.length, 3);
      // A release that does not know a feature (push) still migrates the others.
      assert.deepEqual(await migrateStorage(storage, [grown]), []);
    });

    it('migrates once when several nodes run it at the same moment', { skip: !target.concurrentConnections && 'one connection per process' }, async () => {
      const applied: string[] = [];
      const concurrent = feature('fconc', ['0001_a', '0002_b'], applied);
      const results = await Promise.all([open(), open(), open()].map((storage) => migrateStorage(storage, [concurrent])));
      assert.deepEqual(applied, ['fconc/0001_a', 'fconc/0002_b']);
      assert.deepEqual(results.flat().sort(), ['fconc/0001_a', 'fconc/0002_b']);
    });

    it('round-trips portable types: 64-bit integers as numbers, text, integer flags', async () => {
      const storage = open();
      await migrateStorage(storage, [NOTES]);
      const db = storage.tables<NoteTables>();
      const at = 1_765_000_000_123;
      const big = 2 ** 52 + 7;
      await db.insertInto('contract_notes').values({ id: big, body: JSON.stringify({ emoji: '💬', nested: [1] }), flag: 1, at }).execute();
      const row = await db.selectFrom('contract_notes').selectAll().where('id', '=', big).executeTakeFirstOrThrow();
      assert.deepEqual(row, { id: big, body: '{"emoji":"💬","nested":[1]}', flag: 1, at });
      const counted = await db.selectFrom('contract_notes').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(counted.n, 1);
      const max = await db.selectFrom('contract_notes').select((eb) => eb.fn.max('at').as('latest')).executeTakeFirstOrThrow();
      assert.equal(max.latest, at);
    });

    it('rolls a failed transaction back and tells unique violations apart', async () => {
      const storage = open();
      await migrateStorage(storage, [NOTES]);
      const db = storage.tables<NoteTables>();
      await db.insertInto('contract_notes').values({ id: 1, body: 'one', flag: 0, at: 1 }).execute();
      const duplicate = await db
        .transaction()
        .execute(async (trx) => {
          await trx.insertInto('contract_notes').values({ id: 2, body: 'two', flag: 0, at: 2 }).execute();
          await trx.insertInto('contract_notes').values({ id: 1, body: 'again', flag: 0, at: 3 }).execute();
        })
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      assert.ok(isUniqueViolation(duplicate), `a unique violation: ${String(duplicate)}`);
      const ids = await db.selectFrom('contract_notes').select('id').where('id', '<', 10).orderBy('id').execute();
      assert.deepEqual(ids, [{ id: 1 }], 'the transaction left nothing behind');
      assert.equal(isUniqueViolation(new Error('other')), false);
    });

    it('passes query errors through bounded() and keeps results', async () => {
      const storage = open();
      await migrateStorage(storage, [NOTES]);
      const value = await bounded(storage, async () => (await sql<{ one: number }>`select 1 as one`.execute(storage.tables<unknown>())).rows[0]?.one);
      assert.equal(value, 1);
      await assert.rejects(
        bounded(storage, () => sql`select * from contract_no_such_table`.execute(storage.tables<unknown>())),
        (error: unknown) => !(error instanceof Error && error.name === 'StorageUnavailableError'),
      );
    });
  });
}
