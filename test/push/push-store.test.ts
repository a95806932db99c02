/** The PushStore contract on memory, SQLite (a temporary file) and PostgreSQL (a schema of its own). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { MemoryPushStore } from '../../src/push/memory-push-store.js';
import { PUSH_STORAGE } from '../../src/push/push-migrations.js';
import { pushStoreContract } from '../../src/push/push-store.contract.js';
import { SqlPushStore } from '../../src/push/sql-push-store.js';
import { openStorage, type Storage } from '../../src/storage/database.js';
import { migrateStorage } from '../../src/storage/migrations.js';
import { dropPostgresSchema, POSTGRES_URL, uniquePostgresSchema } from '../helpers/storage.js';

const directory = await mkdtemp(join(tmpdir(), 'sb-push-store-'));
after(() => rm(directory, { recursive: true, force: true }));

pushStoreContract('memory', { open: () => Promise.resolve(new MemoryPushStore()), close: () => Promise.resolve() });

function sqlTarget(settings: { url: string; schema?: string }, cleanup: () => Promise<void>) {
  let storage: Storage | undefined;
  return {
    async open() {
      storage = openStorage({ ...settings, poolSize: 4, queryTimeoutMs: 10_000 }, () => undefined);
      await migrateStorage(storage, [PUSH_STORAGE]);
      return new SqlPushStore(storage);
    },
    async close() {
      await storage?.close();
      await cleanup();
    },
  };
}

pushStoreContract('SQLite', sqlTarget({ url: `sqlite:${join(directory, 'push.db')}` }, () => Promise.resolve()));
const schema = uniquePostgresSchema('push');
pushStoreContract('PostgreSQL', sqlTarget({ url: POSTGRES_URL, schema }, () => dropPostgresSchema(schema)));
