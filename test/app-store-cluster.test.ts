/**
 * The app store on two nodes sharing a real Redis (own key prefix) and a real PostgreSQL (own
 * table): a change made on one node takes effect on the other within 2 s; lookups come from the
 * cache, and a flood of unknown keys does not become one query per handshake.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { App } from '../src/apps/app-store.js';
import type { Switchboard } from '../src/server.js';
import { ADMIN_TOKEN, adminRequest, appOf } from './helpers/admin-api.js';
import { sdkFor } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { startServer, type TestApp, type TestServer } from './helpers/server.js';
import { deleteRedisPrefix, REDIS_URL, uniquePrefix } from './helpers/services.js';
import { dropAppTables, POSTGRES_URL, uniqueTable } from './helpers/sql.js';

const CLUSTER_DEADLINE_MS = 2_000;

/** Resolves with the app once `server`'s cache reports a change of `id` that satisfies `match`. */
function changeSeen(server: Switchboard, id: string, match: (app: App | undefined) => boolean): Promise<App | undefined> {
  const cache = server.appStore;
  if (cache === undefined) throw new Error('no app store');
  return new Promise((resolve) => {
    cache.onChange((change) => {
      if (change.id === id && match(change.app)) resolve(change.app);
    });
  });
}

/** Awaits `change` and fails if it took longer than the cluster deadline. */
async function within(change: Promise<unknown>, what: string): Promise<void> {
  const started = Date.now();
  await change;
  const took = Date.now() - started;
  assert.ok(took < CLUSTER_DEADLINE_MS, `${what} took ${took} ms`);
}

describe('app store on two nodes (Redis bus, PostgreSQL)', () => {
  const table = uniqueTable('cluster');
  const prefix = uniquePrefix('appstore');
  let a: TestServer;
  let b: TestServer;

  before(async () => {
    const config = {
      admin: { port: 0, token: ADMIN_TOKEN },
      redis: { url: REDIS_URL, keyPrefix: prefix },
      appStore: { url: POSTGRES_URL, table },
      apps: [],
    };
    a = await startServer(config);
    b = await startServer(config);
  });
  after(async () => {
    await Promise.all([a.close(), b.close()]);
    await deleteRedisPrefix(prefix);
    await dropAppTables(POSTGRES_URL, table);
  });

  it('sees a new app, a disable, a rotation and a delete made on the other node within 2 s', async () => {
    // B looks the key up first and remembers it as unknown: the creation on A must clear that.
    assert.equal((await (await RawClient.open(b.wsUrl, '/app/cluster-key')).closed).code, 4001);
    const created = changeSeen(b.server, 'cluster-app', (app) => app !== undefined);
    const answer = await adminRequest(a.server, 'POST', '/api/apps', { id: 'cluster-app', key: 'cluster-key' });
    const app: TestApp = { id: 'cluster-app', key: 'cluster-key', secret: String(appOf(answer)['secret']) };
    await within(created, 'the new app reaching node B');
    const onB = await RawClient.connect(b.wsUrl, app.key);

    const disabled = changeSeen(b.server, app.id, (changed) => changed?.enabled === false);
    await adminRequest(a.server, 'PATCH', `/api/apps/${app.id}`, { enabled: false });
    await within(disabled, 'the disable reaching node B');
    assert.equal((await onB.client.closed).code, 4003);

    await adminRequest(a.server, 'PATCH', `/api/apps/${app.id}`, { enabled: true });
    const rotated = changeSeen(b.server, app.id, (changed) => changed !== undefined && changed.secret !== app.secret);
    const secret = String((await adminRequest(a.server, 'POST', `/api/apps/${app.id}/secret`)).body?.['secret']);
    await within(rotated, 'the rotation reaching node B');
    await sdkFor(b, { ...app, secret }).trigger('c', 'e', {});

    const onA = await RawClient.connect(a.wsUrl, app.key);
    const deleted = changeSeen(a.server, app.id, (changed) => changed === undefined);
    assert.equal((await adminRequest(b.server, 'DELETE', `/api/apps/${app.id}`)).status, 204);
    await within(deleted, 'the delete reaching node A');
    assert.equal((await onA.client.closed).code, 4001);
  });
});

describe('app store cache', () => {
  const table = uniqueTable('cache');
  let server: TestServer;
  let cache: NonNullable<Switchboard['appStore']>;

  before(async () => {
    server = await startServer({ appStore: { url: POSTGRES_URL, table }, apps: [{ id: 'cached', key: 'cached-key', secret: 'c'.repeat(40) }] });
    const store = server.server.appStore;
    assert.ok(store !== undefined);
    cache = store;
  });
  after(async () => {
    await server.close();
    await dropAppTables(POSTGRES_URL, table);
  });

  it('answers a cached app without a query: connections and API calls', async () => {
    const first = await RawClient.connect(server.wsUrl, 'cached-key');
    const before = cache.queryCount;
    const clients = await Promise.all(Array.from({ length: 20 }, () => RawClient.connect(server.wsUrl, 'cached-key')));
    await sdkFor(server, { id: 'cached', key: 'cached-key', secret: 'c'.repeat(40) }).trigger('c', 'e', {});
    assert.equal(cache.queryCount - before, 0);
    for (const { client } of [first, ...clients]) await client.close();
  });

  it('does not turn a flood of unknown keys into one query per handshake', async () => {
    const attempt = async (key: string): Promise<number> => (await (await RawClient.open(server.wsUrl, `/app/${key}`)).closed).code;
    let before = cache.queryCount;
    const same = await Promise.all(Array.from({ length: 100 }, () => attempt('one-unknown-key')));
    assert.ok(same.every((code) => code === 4001));
    assert.ok(cache.queryCount - before <= 1, `${cache.queryCount - before} queries for 100 handshakes on one unknown key`);

    const keys = Array.from({ length: 300 }, (_, index) => `unknown-${index}`);
    before = cache.queryCount;
    const started = performance.now();
    const distinct = await Promise.all(keys.map(attempt));
    const elapsedMs = performance.now() - started;
    assert.ok(distinct.every((code) => code === 4001));
    // Batched, at most one lookup per 20 ms: bounded by time, not by the number of handshakes.
    const queries = cache.queryCount - before;
    const what = `${queries} queries for ${keys.length} handshakes on distinct unknown keys in ${Math.round(elapsedMs)} ms`;
    assert.ok(queries <= Math.ceil(elapsedMs / 20) + 1, what);
    assert.ok(queries * 3 <= keys.length, what);

    before = cache.queryCount;
    await Promise.all(keys.slice(0, 100).map(attempt));
    assert.equal(cache.queryCount - before, 0, 'unknown keys are remembered');
  });
});
