/**
 * The contract of the SQL app store (repository, manager, seeding, migrations), run against
 * every database it supports (test/app-store-sql.test.ts: PostgreSQL and MariaDB). Each test
 * uses its own table and drops it.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { silentLogger } from '../shared/logger.js';
import { parseConfig } from '../config/load.js';
import { AppConflictError, AppValidationError } from './app-errors.js';
import { StoreAppManager } from './app-manager.js';
import type { AppRepository } from './app-repository.js';
import { seedConfigApps } from './seed.js';
import type { AppDatabase } from './sql/database.js';
import { openAppRepository } from './sql/open-repository.js';

export interface SqlTarget {
  readonly url: string;
  uniqueTable(label: string): string;
  dropTables(table: string): Promise<void>;
  /** A separate connection for raw statements. */
  raw(): AppDatabase;
}

const ENCRYPTION_KEY = '0f'.repeat(32);
const SECRET = 's'.repeat(40);

interface Fixture {
  readonly table: string;
  readonly repository: AppRepository;
  readonly manager: StoreAppManager;
  readonly invalid: string[];
}

export function appRepositoryContract(name: string, target: SqlTarget): void {
  describe(`SQL app store contract: ${name}`, () => {
    const opened: { table: string; repository: AppRepository }[] = [];
    const clock = 1_700_000_000_000;

    async function fixture(options: { encryptionKey?: string; table?: string } = {}): Promise<Fixture> {
      const table = options.table ?? target.uniqueTable('contract');
      const invalid: string[] = [];
      const logger = silentLogger.child({});
      logger.error = ((_object: unknown, message: string) => void invalid.push(message)) as typeof logger.error;
      const settings = parseConfig({ appStore: { url: target.url, table, ...(options.encryptionKey === undefined ? {} : { encryptionKey: options.encryptionKey }) } }).appStore;
      const repository = openAppRepository({ ...settings, url: target.url }, { logger, now: () => clock });
      opened.push({ table, repository });
      await repository.migrate();
      const manager = new StoreAppManager({ repository, now: () => clock, secretGraceSeconds: 60 });
      return { table, repository, manager, invalid };
    }

    after(async () => {
      for (const { repository } of opened) await repository.close();
      for (const table of new Set(opened.map((entry) => entry.table))) await target.dropTables(table);
    });

    it('migrates idempotently, also twice at once', async () => {
      const table = target.uniqueTable('migrate');
      const first = await fixture({ table });
      const [second, third] = [await fixture({ table }), await fixture({ table })];
      // fixture() migrated each once already: the table exists and nothing is left to apply.
      const concurrent = await Promise.all([second.repository.migrate(), third.repository.migrate(), first.repository.migrate()]);
      assert.deepEqual(concurrent, [[], [], []]);
      const fresh = target.uniqueTable('migrate2');
      const a = fixtureWithoutMigration(fresh);
      const b = fixtureWithoutMigration(fresh);
      const results = await Promise.all([a.migrate(), b.migrate()]);
      assert.deepEqual(results.flat(), ['0001_create_apps'], 'exactly one run applies the migration');
      assert.deepEqual(await a.migrate(), []);
      assert.deepEqual(await a.list(), []);
    });

    function fixtureWithoutMigration(table: string): AppRepository {
      const settings = parseConfig({ appStore: { url: target.url, table } }).appStore;
      const repository = openAppRepository({ ...settings, url: target.url }, { logger: silentLogger, now: () => clock });
      opened.push({ table, repository });
      return repository;
    }

    it('creates with generated id, key and secret; reads, lists, updates and deletes', async () => {
      const { manager } = await fixture();
      const created = await manager.create({ name: 'Shop', clientEvents: true, maxConnections: 50 });
      assert.match(created.id, /^\d+$/);
      assert.match(created.key, /^[0-9a-f]{20}$/);
      assert.match(created.secret, /^[0-9a-f]{64}$/);
      assert.equal(created.enabled, true);
      assert.equal(created.maxEventDataBytes, 10_240, 'defaults applied');
      assert.deepEqual(await manager.get(created.id), created);
      const given = await manager.create({ id: 'given-id', key: 'given-key', secret: SECRET, enabled: false });
      assert.deepEqual((await manager.list()).map((app) => app.id), [created.id, 'given-id']);
      assert.equal(given.enabled, false);

      const updated = await manager.update(created.id, { maxConnections: null, name: 'Shop 2', clientEventsPerSecond: 20, enabled: false });
      assert.ok(updated !== undefined);
      assert.equal(updated.maxConnections, undefined, 'null removes a setting');
      assert.equal(updated.name, 'Shop 2');
      assert.equal(updated.clientEventsPerSecond, 20);
      assert.equal(updated.clientEvents, true, 'untouched settings stay');
      assert.equal(updated.enabled, false);
      assert.equal(updated.secret, created.secret);
      assert.equal(await manager.update('nope', { name: 'x' }), undefined);

      assert.equal(await manager.remove(created.id), true);
      assert.equal(await manager.remove(created.id), false);
      assert.equal(await manager.get(created.id), undefined);
    });

    it('refuses a duplicate id or key with a conflict naming it', async () => {
      const { manager } = await fixture();
      await manager.create({ id: 'dup', key: 'dup-key' });
      const other = await manager.create({ id: 'other', key: 'other-key' });
      await assert.rejects(manager.create({ id: 'dup', key: 'fresh' }), (error: unknown) => error instanceof AppConflictError && error.field === 'id');
      await assert.rejects(manager.create({ id: 'fresh', key: 'dup-key' }), (error: unknown) => error instanceof AppConflictError && error.field === 'key');
      await assert.rejects(manager.update(other.id, { key: 'dup-key' }), (error: unknown) => error instanceof AppConflictError && error.field === 'key');
      assert.equal((await manager.get(other.id))?.key, 'other-key');
    });

    it('validates every setting with the config schema, naming the field', async () => {
      const { manager } = await fixture();
      const field = async (input: unknown, expected: string): Promise<void> => {
        await assert.rejects(manager.create(input), (error: unknown) => error instanceof AppValidationError && error.field === expected);
      };
      await field({ maxConnections: -1 }, 'maxConnections');
      await field({ webhooks: [{ url: 'ftp://x' }] }, 'webhooks.0.url');
      await field({ noSuchSetting: 1 }, 'noSuchSetting');
      await field({ secret: 'short' }, 'secret');
      const app = await manager.create({});
      await assert.rejects(manager.update(app.id, { id: 'other' }), (error: unknown) => error instanceof AppValidationError && error.field === 'id');
      await assert.rejects(manager.update(app.id, { clientEvents: 'yes' }), (error: unknown) => error instanceof AppValidationError && error.field === 'clientEvents');
      assert.deepEqual(await manager.list(), [app], 'nothing invalid was written');
    });

    it('keeps concurrent updates of different settings (optimistic concurrency)', async () => {
      const { manager } = await fixture();
      const app = await manager.create({});
      await Promise.all([manager.update(app.id, { name: 'n' }), manager.update(app.id, { maxConnections: 7 }), manager.update(app.id, { clientEvents: true })]);
      const after = await manager.get(app.id);
      assert.deepEqual([after?.name, after?.maxConnections, after?.clientEvents], ['n', 7, true]);
    });

    it('rotates the secret, keeping the previous one until the grace period ends', async () => {
      const { manager } = await fixture();
      const app = await manager.create({ secret: SECRET });
      const secret = await manager.rotateSecret(app.id, undefined);
      assert.match(secret ?? '', /^[0-9a-f]{64}$/);
      const rotated = await manager.get(app.id);
      assert.equal(rotated?.secret, secret);
      assert.deepEqual(rotated?.previousSecret, { secret: SECRET, expiresAt: clock + 60_000 });
      assert.equal(await manager.rotateSecret(app.id, { secret: 'x'.repeat(8) }).catch((error: unknown) => (error as AppValidationError).field), 'secret');
      assert.equal(await manager.rotateSecret('nope', {}), undefined);
    });

    it('encrypts secrets at rest with encryptionKey, and stores them as given without', async () => {
      const sealed = await fixture({ encryptionKey: ENCRYPTION_KEY });
      const app = await sealed.manager.create({ id: 'enc', secret: SECRET });
      await sealed.manager.rotateSecret('enc', { secret: 'n'.repeat(40) });
      const raw = target.raw();
      try {
        const rows = await sql<{ secret: string; previous_secret: string }>`select secret, previous_secret from ${sql.table(sealed.table)}`.execute(raw.db);
        const row = rows.rows[0];
        assert.ok(row !== undefined);
        assert.ok(!row.secret.includes('n'.repeat(10)) && row.secret.startsWith('sbenc:v1:'), 'the raw column is not the secret');
        assert.ok(!row.previous_secret.includes(app.secret) && row.previous_secret.startsWith('sbenc:v1:'));
        assert.equal((await sealed.manager.get('enc'))?.secret, 'n'.repeat(40), 'read back decrypted');

        // Another key cannot open it: the row is reported and not served.
        const wrongKey = await fixture({ encryptionKey: 'aa'.repeat(32), table: sealed.table });
        assert.equal(await wrongKey.manager.get('enc'), undefined);
        assert.match(wrongKey.invalid.join('\n'), /app enc .* is invalid/);

        const plain = await fixture();
        await plain.manager.create({ id: 'plain', secret: SECRET });
        const plainRows = await sql<{ secret: string }>`select secret from ${sql.table(plain.table)}`.execute(raw.db);
        assert.equal(plainRows.rows[0]?.secret, SECRET, 'without a key the secret is stored as given');
      } finally {
        await raw.close();
      }
    });

    it('leaves out a row edited by hand into an invalid app, and reports it', async () => {
      const { manager, table, invalid } = await fixture();
      await manager.create({ id: 'good' });
      await manager.create({ id: 'bad' });
      const raw = target.raw();
      try {
        await sql`update ${sql.table(table)} set settings = ${'{"maxConnections": -5}'} where id = ${'bad'}`.execute(raw.db);
      } finally {
        await raw.close();
      }
      assert.deepEqual((await manager.list()).map((app) => app.id), ['good']);
      assert.match(invalid.join('\n'), /app bad/);
    });

    it('inserts config apps when their id is absent and never overwrites them', async () => {
      const { manager, repository } = await fixture();
      const config = parseConfig({ apps: [{ id: 'cfg', key: 'cfg-key', secret: SECRET, name: 'from config', clientEvents: true }] });
      assert.deepEqual(await seedConfigApps(repository, config.apps, silentLogger), ['cfg']);
      const seeded = await manager.get('cfg');
      assert.deepEqual([seeded?.name, seeded?.clientEvents], ['from config', true]);
      await manager.update('cfg', { name: 'changed through the API' });
      const again = parseConfig({ apps: [{ id: 'cfg', key: 'cfg-key', secret: 'o'.repeat(40), name: 'config edited' }] });
      assert.deepEqual(await Promise.all([seedConfigApps(repository, again.apps, silentLogger), seedConfigApps(repository, again.apps, silentLogger)]), [[], []]);
      const kept = await manager.get('cfg');
      assert.deepEqual([kept?.name, kept?.secret], ['changed through the API', SECRET]);
    });
  });
}
