/**
 * The storage layer: its contract on SQLite (a temporary file) and on the real PostgreSQL (a
 * schema of its own per run, dropped after); laziness (a server with no feature that keeps data
 * opens no database); the time bound against an unreachable PostgreSQL; `switchboard migrate`.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { sql } from 'kysely';
import { silentLogger } from '../src/shared/logger.js';
import { bounded } from '../src/storage/bounded.js';
import { openStorage } from '../src/storage/database.js';
import { LazyStorage } from '../src/storage/lazy-storage.js';
import { StorageUnavailableError } from '../src/storage/storage-errors.js';
import { storageContract } from '../src/storage/storage.contract.js';
import { runCli } from './helpers/cli.js';
import { startServer } from './helpers/server.js';
import { POSTGRES_URL, uniquePostgresSchema, dropPostgresSchema } from './helpers/storage.js';

const directory = await mkdtemp(join(tmpdir(), 'sb-storage-'));
after(() => rm(directory, { recursive: true, force: true }));

storageContract('SQLite', { url: `sqlite:${join(directory, 'contract', 'switchboard.db')}`, concurrentConnections: false, cleanup: () => Promise.resolve() });
const schema = uniquePostgresSchema('contract');
storageContract('PostgreSQL', { url: POSTGRES_URL, schema, concurrentConnections: true, cleanup: () => dropPostgresSchema(schema) });

describe('storage: laziness, time bound, switchboard migrate', () => {
  it('a server with no feature that keeps data opens no database', async () => {
    const file = join(directory, 'lazy', 'never.db');
    const server = await startServer({ storage: { url: `sqlite:${file}` } });
    await server.close();
    assert.equal(existsSync(file), false);
  });

  it('LazyStorage opens and migrates once, on first use, shared by concurrent callers', async () => {
    const file = join(directory, 'lazy', 'used.db');
    const storage = new LazyStorage({ url: `sqlite:${file}`, poolSize: 1, queryTimeoutMs: 1_000 }, [], silentLogger);
    assert.equal(existsSync(file), false);
    const [first, second] = await Promise.all([storage.get(), storage.get()]);
    assert.equal(first, second);
    assert.equal(existsSync(file), true);
    await storage.close();
  });

  it('an unreachable PostgreSQL fails within the query timeout as StorageUnavailableError', async () => {
    // A port that accepts nothing: bound, then closed.
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, '127.0.0.1', () => {
        const { port: free } = probe.address() as AddressInfo;
        probe.close(() => resolve(free));
      });
    });
    const storage = openStorage({ url: `postgres://postgres@127.0.0.1:${port}/test`, poolSize: 1, queryTimeoutMs: 300 }, () => undefined);
    const started = Date.now();
    await assert.rejects(bounded(storage, () => sql`select 1`.execute(storage.tables<unknown>())), StorageUnavailableError);
    assert.ok(Date.now() - started < 2_000);
    await storage.close();
  });

  it('switchboard migrate migrates the storage and says what it applied', async () => {
    const file = join(directory, 'cli', 'switchboard.db');
    const result = await runCli(['migrate'], { SWITCHBOARD_STORAGE_URL: `sqlite:${file}` });
    assert.equal(result.code, 0, result.stderr);
    const output = JSON.parse(result.stdout) as { storage: { dialect: string; applied: string[] } };
    assert.equal(output.storage.dialect, 'sqlite');
    assert.ok(Array.isArray(output.storage.applied));
    assert.equal(existsSync(file), true);
    const again = JSON.parse((await runCli(['migrate'], { SWITCHBOARD_STORAGE_URL: `sqlite:${file}` })).stdout) as typeof output;
    assert.deepEqual(again.storage.applied, []);
  });
});
