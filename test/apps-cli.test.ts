/** `switchboard apps ...` and `switchboard migrate` against a real PostgreSQL (own table), no server running. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runCli, type CliResult } from './helpers/cli.js';
import { writeConfig } from './helpers/cluster.js';
import { dropAppTables, POSTGRES_URL, uniqueTable } from './helpers/sql.js';

function json(result: CliResult): Record<string, unknown> {
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as Record<string, unknown>;
}

describe('switchboard apps and migrate (PostgreSQL)', () => {
  const table = uniqueTable('cli');
  const storageDirectory = mkdtempSync(join(tmpdir(), 'sb-cli-storage-'));
  const storageUrl = `sqlite:${join(storageDirectory, 'switchboard.db')}`;
  const env = { SWITCHBOARD_APP_STORE_URL: POSTGRES_URL, SWITCHBOARD_APP_STORE_TABLE: table, SWITCHBOARD_STORAGE_URL: storageUrl };
  const apps = (...args: string[]) => runCli(['apps', ...args], env);
  after(async () => {
    await dropAppTables(POSTGRES_URL, table);
    rmSync(storageDirectory, { recursive: true, force: true });
  });

  it('migrates the table once, then finds nothing to do (--config FILE works too)', async () => {
    const configPath = await writeConfig({ appStore: { url: POSTGRES_URL, table }, storage: { url: storageUrl } });
    const first = json(await runCli(['migrate', '--config', configPath]));
    assert.deepEqual([first['table'], first['applied']], [table, ['0001_create_apps']]);
    assert.equal((first['storage'] as { dialect: string }).dialect, 'sqlite');
    const second = json(await runCli(['migrate'], env));
    assert.deepEqual([second['table'], second['applied'], (second['storage'] as { applied: unknown }).applied], [table, [], []]);
  });

  it('creates, lists, gets, updates, rotates and deletes apps, printing JSON', async () => {
    const created = json(await apps('create', '{"name": "CLI app", "clientEvents": true}'))['app'] as Record<string, unknown>;
    assert.match(String(created['id']), /^\d+$/);
    assert.match(String(created['secret']), /^[0-9a-f]{64}$/);
    assert.deepEqual([created['name'], created['clientEvents'], created['enabled']], ['CLI app', true, true]);
    const id = String(created['id']);
    json(await apps('create', JSON.stringify({ id: 'named', key: 'named-key' })));

    const list = await apps('list');
    assert.deepEqual((json(list)['apps'] as Record<string, unknown>[]).map((app) => app['id']), [id, 'named']);
    assert.ok(!list.stdout.includes(String(created['secret'])), 'no secret in the list');
    assert.deepEqual((json(await apps('get', id))['app'] as Record<string, unknown>)['name'], 'CLI app');

    const updated = json(await apps('update', id, '{"maxConnections": 5, "name": null}'))['app'] as Record<string, unknown>;
    assert.deepEqual([updated['maxConnections'], updated['name'], updated['clientEvents']], [5, undefined, true]);

    const rotated = json(await apps('rotate-secret', id));
    assert.match(String(rotated['secret']), /^[0-9a-f]{64}$/);
    assert.notEqual(rotated['secret'], created['secret']);
    assert.deepEqual(json(await apps('rotate-secret', id, '--secret', 'z'.repeat(40))), { secret: 'z'.repeat(40) });

    assert.deepEqual(json(await apps('delete', id)), { deleted: id });
    assert.deepEqual((json(await apps('list'))['apps'] as Record<string, unknown>[]).map((app) => app['id']), ['named']);
  });

  it('fails with exit 1 and the reason: not found, conflict, invalid setting', async () => {
    for (const [args, reason] of [
      [['get', 'missing'], /app missing not found/],
      [['delete', 'missing'], /app missing not found/],
      [['update', 'missing', '{}'], /app missing not found/],
      [['create', '{"id": "named"}'], /id "named" already exists/],
      [['create', '{"key": "named-key"}'], /key "named-key" already exists/],
      [['update', 'named', '{"maxConnections": 0}'], /maxConnections: /],
      [['rotate-secret', 'named', '--secret', 'short'], /secret: /],
    ] as const) {
      const result = await apps(...args);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, reason);
      assert.equal(result.stdout, '');
    }
    const usage = await apps('update', 'named', 'not json');
    assert.equal(usage.code, 2);
    assert.equal((await apps('frobnicate')).code, 2);
  });
});

describe('switchboard apps without appStore.url', () => {
  it('lists the config apps and refuses writes', async () => {
    const env = { SWITCHBOARD_APP_ID: 'env-app', SWITCHBOARD_APP_KEY: 'env-key', SWITCHBOARD_APP_SECRET: 'e'.repeat(40) };
    const list = await runCli(['apps', 'list'], env);
    assert.deepEqual((json(list)['apps'] as Record<string, unknown>[]).map((app) => app['id']), ['env-app']);
    assert.ok(!list.stdout.includes('e'.repeat(40)));
    const create = await runCli(['apps', 'create'], env);
    assert.equal(create.code, 1);
    assert.match(create.stderr, /apps come from the config file; set appStore\.url to manage them through the API/);
    // migrate then migrates only the storage layer (no app store table to create).
    const storageDirectory = mkdtempSync(join(tmpdir(), 'sb-cli-storage-'));
    try {
      const migrate = json(await runCli(['migrate'], { ...env, SWITCHBOARD_STORAGE_URL: `sqlite:${join(storageDirectory, 'switchboard.db')}` }));
      assert.deepEqual(Object.keys(migrate), ['storage']);
    } finally {
      rmSync(storageDirectory, { recursive: true, force: true });
    }
  });
});
