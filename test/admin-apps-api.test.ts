/** The apps API on the admin listener, against a real PostgreSQL (own table per run). */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ADMIN_TOKEN, adminRequest, appOf } from './helpers/admin-api.js';
import { startServer, type TestServer } from './helpers/server.js';
import { dropAppTables, POSTGRES_URL, uniqueTable } from './helpers/sql.js';

const SECRET = 'a-config-secret-of-forty-characters-0000';

describe('admin apps API with appStore.url (PostgreSQL)', () => {
  const table = uniqueTable('adminapi');
  let server: TestServer;
  const call = (method: string, path: string, body?: unknown, token: string | null = ADMIN_TOKEN) => adminRequest(server.server, method, path, body, token);

  before(async () => {
    server = await startServer({
      admin: { port: 0, token: ADMIN_TOKEN },
      appStore: { url: POSTGRES_URL, table },
      apps: [{ id: 'from-config', key: 'config-key', secret: SECRET }],
    });
  });
  after(async () => {
    await server.close();
    await dropAppTables(POSTGRES_URL, table);
  });

  it('needs the bearer token on every route', async () => {
    for (const [method, path] of [
      ['GET', '/api/apps'],
      ['POST', '/api/apps'],
      ['GET', '/api/apps/from-config'],
      ['PATCH', '/api/apps/from-config'],
      ['DELETE', '/api/apps/from-config'],
      ['POST', '/api/apps/from-config/secret'],
    ] as const) {
      assert.equal((await call(method, path, undefined, null)).status, 401, `${method} ${path} without a token`);
      assert.equal((await call(method, path, undefined, 'not-the-token-at-all')).status, 401, `${method} ${path} with a wrong token`);
    }
    assert.equal((await call('GET', '/api/apps/from-config')).status, 200, 'the config app was inserted at boot, and is still there');
  });

  it('creates apps, generating id, key and secret, and refuses duplicates and invalid settings', async () => {
    const created = await call('POST', '/api/apps', { name: 'Generated', clientEvents: true });
    assert.equal(created.status, 201);
    const app = appOf(created);
    assert.match(String(app['id']), /^\d+$/);
    assert.match(String(app['key']), /^[0-9a-f]{20}$/);
    assert.match(String(app['secret']), /^[0-9a-f]{64}$/);
    assert.deepEqual([app['name'], app['enabled'], app['clientEvents'], app['maxPresenceMembers']], ['Generated', true, true, 100]);

    const given = await call('POST', '/api/apps', { id: 'given', key: 'given-key', secret: SECRET, maxConnections: 3 });
    assert.equal(given.status, 201);
    assert.equal(appOf(given)['secret'], SECRET);

    const duplicateId = await call('POST', '/api/apps', { id: 'given' });
    assert.deepEqual([duplicateId.status, duplicateId.body?.['field']], [409, 'id']);
    const duplicateKey = await call('POST', '/api/apps', { key: 'given-key' });
    assert.deepEqual([duplicateKey.status, duplicateKey.body?.['field']], [409, 'key']);

    for (const [body, field] of [
      [{ maxConnections: 0 }, 'maxConnections'],
      [{ webhooks: [{ url: 'not a url' }] }, 'webhooks.0.url'],
      [{ allowedOrigins: ['nope'] }, 'allowedOrigins.0'],
      [{ colour: 'blue' }, 'colour'],
      [{ secret: 'too-short' }, 'secret'],
      [{ enabled: 'yes' }, 'enabled'],
    ] as const) {
      const answer = await call('POST', '/api/apps', body);
      assert.equal(answer.status, 400, JSON.stringify(body));
      assert.equal(answer.body?.['field'], field);
      assert.match(String(answer.body['error']), new RegExp(`^${field.replace(/\./g, '\\.')}: `));
    }
    assert.equal((await call('POST', '/api/apps', '{not json')).status, 400);
    assert.equal((await call('POST', '/api/apps', [1, 2])).status, 400);
  });

  it('reads apps without their secrets; 404 for an unknown id', async () => {
    const list = await call('GET', '/api/apps');
    assert.equal(list.status, 200);
    const apps = list.body?.['apps'];
    assert.ok(Array.isArray(apps));
    assert.ok(apps.some((entry: Record<string, unknown>) => entry['id'] === 'given'));
    assert.ok(!list.text.includes(SECRET) && !list.text.includes('"secret"'), 'no secret in the list');
    const one = await call('GET', '/api/apps/given');
    assert.equal(one.status, 200);
    assert.deepEqual([appOf(one)['id'], appOf(one)['key'], appOf(one)['maxConnections']], ['given', 'given-key', 3]);
    assert.ok(!one.text.includes(SECRET));
    const missing = await call('GET', '/api/apps/nope');
    assert.equal(missing.status, 404);
  });

  it('updates part of an app; id and secret are not changed that way', async () => {
    const patched = await call('PATCH', '/api/apps/given', { name: 'Renamed', maxConnections: null, clientEventsPerSecond: 5 });
    assert.equal(patched.status, 200);
    const app = appOf(patched);
    assert.deepEqual([app['name'], app['maxConnections'], app['clientEventsPerSecond'], app['key']], ['Renamed', undefined, 5, 'given-key']);
    assert.ok(!patched.text.includes(SECRET));
    const renamed = await call('PATCH', '/api/apps/given', { id: 'other' });
    assert.deepEqual([renamed.status, renamed.body?.['field']], [400, 'id']);
    const secret = await call('PATCH', '/api/apps/given', { secret: 'x'.repeat(40) });
    assert.deepEqual([secret.status, secret.body?.['field']], [400, 'secret']);
    const invalid = await call('PATCH', '/api/apps/given', { maxEventsPerBatch: -1 });
    assert.deepEqual([invalid.status, invalid.body?.['field']], [400, 'maxEventsPerBatch']);
    const taken = await call('PATCH', '/api/apps/given', { key: 'config-key' });
    assert.deepEqual([taken.status, taken.body?.['field']], [409, 'key']);
    assert.equal((await call('PATCH', '/api/apps/nope', { name: 'x' })).status, 404);
  });

  it('rotates a secret (generated or given) and deletes apps', async () => {
    const rotated = await call('POST', '/api/apps/given/secret');
    assert.equal(rotated.status, 200);
    assert.match(String(rotated.body?.['secret']), /^[0-9a-f]{64}$/);
    assert.deepEqual(Object.keys(rotated.body ?? {}), ['secret']);
    const chosen = 'c'.repeat(48);
    assert.deepEqual((await call('POST', '/api/apps/given/secret', { secret: chosen })).body, { secret: chosen });
    assert.deepEqual((await call('POST', '/api/apps/given/secret', { secret: 'short' })).body?.['field'], 'secret');
    assert.equal((await call('POST', '/api/apps/nope/secret')).status, 404);

    const deleted = await call('DELETE', '/api/apps/given');
    assert.deepEqual([deleted.status, deleted.text], [204, '']);
    assert.equal((await call('DELETE', '/api/apps/given')).status, 404);
    assert.equal((await call('GET', '/api/apps/given')).status, 404);
    assert.equal((await call('PUT', '/api/apps/given')).status, 405);
  });
});

describe('admin apps API without appStore.url', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ admin: { port: 0, token: ADMIN_TOKEN }, apps: [{ id: 'static', key: 'static-key', secret: SECRET, name: 'Static' }] });
  });
  after(() => server.close());

  it('serves the config apps read-only: reads work, every write answers 409', async () => {
    const list = await adminRequest(server.server, 'GET', '/api/apps');
    assert.equal(list.status, 200);
    assert.deepEqual((list.body?.['apps'] as Record<string, unknown>[]).map((app) => [app['id'], app['key'], app['name'], app['enabled']]), [
      ['static', 'static-key', 'Static', true],
    ]);
    assert.ok(!list.text.includes(SECRET));
    assert.equal(appOf(await adminRequest(server.server, 'GET', '/api/apps/static'))['id'], 'static');
    assert.equal((await adminRequest(server.server, 'GET', '/api/apps/nope')).status, 404);
    const expected = '{"error":"apps come from the config file; set appStore.url to manage them through the API"}';
    for (const [method, path, body] of [
      ['POST', '/api/apps', {}],
      ['PATCH', '/api/apps/static', { name: 'x' }],
      ['DELETE', '/api/apps/static', undefined],
      ['POST', '/api/apps/static/secret', undefined],
      ['POST', '/api/apps', '{not json'],
    ] as const) {
      const answer = await adminRequest(server.server, method, path, body);
      assert.deepEqual([answer.status, answer.text], [409, expected], `${method} ${path}`);
    }
  });
});
