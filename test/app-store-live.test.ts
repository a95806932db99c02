/**
 * Apps from PostgreSQL, changed live through the admin API (and in SQL): the official clients
 * against a server whose apps are data. Each file run uses its own table.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { channelStringToSign, signToken } from '../src/protocol/signatures.js';
import { ADMIN_TOKEN, adminRequest, appOf } from './helpers/admin-api.js';
import { clientFor, connected, disconnect, nextEvent, sdkFor, subscribed } from './helpers/pusher.js';
import { RawClient } from './helpers/raw-client.js';
import { startServer, type TestApp, type TestServer } from './helpers/server.js';
import { dropAppTables, POSTGRES_URL, rawDatabase, uniqueTable } from './helpers/sql.js';
import { isValidWebhook, WebhookReceiver } from './helpers/webhook-receiver.js';

const GRACE_SECONDS = 60;

/** The HTTP status of a failed SDK call (Pusher.RequestError), or 'ok'. */
async function outcome(call: Promise<unknown>): Promise<number | 'ok'> {
  try {
    await call;
    return 'ok';
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

/** Subscribes a raw connection with a token signed by `secret`; resolves with the answer's event. */
async function subscribeWith(client: RawClient, socketId: string, app: TestApp, secret: string, channel: string): Promise<string> {
  const auth = signToken({ key: app.key, secret }, channelStringToSign(socketId, channel));
  client.send({ event: 'pusher:subscribe', data: { channel, auth } });
  for (;;) {
    const message = await client.next();
    if (message.channel === channel) return message.event;
  }
}

describe('apps in PostgreSQL, changed live', () => {
  const table = uniqueTable('live');
  let server: TestServer;
  let clockOffsetMs = 0;
  const admin = (method: string, path: string, body?: unknown) => adminRequest(server.server, method, path, body);

  async function createApp(settings: Record<string, unknown> = {}): Promise<TestApp> {
    const app = appOf(await admin('POST', '/api/apps', settings));
    return { id: String(app['id']), key: String(app['key']), secret: String(app['secret']) };
  }

  before(async () => {
    server = await startServer(
      { admin: { port: 0, token: ADMIN_TOKEN }, appStore: { url: POSTGRES_URL, table, secretGraceSeconds: GRACE_SECONDS }, apps: [] },
      { now: () => Date.now() + clockOffsetMs },
    );
  });
  after(async () => {
    await server.close();
    await dropAppTables(POSTGRES_URL, table);
  });

  it('serves an app created through the API at once: pusher-js connects with its key, the pusher SDK publishes', async () => {
    const app = await createApp({ name: 'Created live' });
    const client = clientFor(server, app);
    try {
      await connected(client);
      const channel = await subscribed(client, 'private-orders');
      const received = nextEvent<{ n: number }>(channel, 'order-created');
      await sdkFor(server, app).trigger('private-orders', 'order-created', { n: 1 });
      assert.deepEqual((await received).data, { n: 1 });
    } finally {
      await disconnect(client);
    }
  });

  it('disabling closes the app’s connections with 4003 (pusher-js told so) and refuses new ones; deleting closes with 4001 and its API answers 404', async () => {
    const app = await createApp();
    const client = clientFor(server, app);
    await connected(client);
    const raw = await RawClient.connect(server.wsUrl, app.key);
    // pusher-js reports the pusher:error that precedes the close as {type: 'PusherError', data}.
    const pusherError = nextEvent<{ type: string; data: { code: number } }>(client.connection, 'error');
    assert.equal((await admin('PATCH', `/api/apps/${app.id}`, { enabled: false })).status, 200);
    assert.deepEqual([(await pusherError).data.type, (await pusherError).data.data.code], ['PusherError', 4003]);
    assert.equal((await raw.client.closed).code, 4003);
    client.disconnect();
    assert.equal((await (await RawClient.open(server.wsUrl, `/app/${app.key}`)).closed).code, 4003, 'a new connection is refused');
    assert.equal(await outcome(sdkFor(server, app).trigger('c', 'e', {})), 403);

    await admin('PATCH', `/api/apps/${app.id}`, { enabled: true });
    const again = await RawClient.connect(server.wsUrl, app.key);
    assert.equal(await outcome(sdkFor(server, app).trigger('c', 'e', {})), 'ok');
    assert.equal((await admin('DELETE', `/api/apps/${app.id}`)).status, 204);
    assert.equal((await again.client.closed).code, 4001);
    assert.equal(await outcome(sdkFor(server, app).trigger('c', 'e', {})), 404);
    assert.equal((await (await RawClient.open(server.wsUrl, `/app/${app.key}`)).closed).code, 4001);
  });

  it('applies a lowered maxConnections to new connections only', async () => {
    const app = await createApp({ maxConnections: 2 });
    const first = await RawClient.connect(server.wsUrl, app.key);
    const second = await RawClient.connect(server.wsUrl, app.key);
    await admin('PATCH', `/api/apps/${app.id}`, { maxConnections: 1 });
    await first.client.sync();
    await second.client.sync();
    assert.equal((await (await RawClient.open(server.wsUrl, `/app/${app.key}`)).closed).code, 4004);
    await first.client.close();
    await second.client.close();
  });

  it('rotates the secret: the new one signs (webhooks too), both verify until the grace period ends, then only the new', async () => {
    const receiver = await WebhookReceiver.start();
    try {
      const app = await createApp({ webhooks: [{ url: receiver.url(), events: ['channel_occupied'] }] });
      const { client, socketId } = await RawClient.connect(server.wsUrl, app.key);
      const rotated = await admin('POST', `/api/apps/${app.id}/secret`);
      const next: TestApp = { ...app, secret: String(rotated.body?.['secret']) };
      assert.notEqual(next.secret, app.secret);

      assert.equal(await outcome(sdkFor(server, app).trigger('c', 'e', {})), 'ok', 'the old secret still verifies');
      assert.equal(await outcome(sdkFor(server, next).trigger('c', 'e', {})), 'ok');
      assert.equal(await subscribeWith(client, socketId, app, app.secret, 'private-old'), 'pusher_internal:subscription_succeeded');
      assert.equal(await subscribeWith(client, socketId, app, next.secret, 'private-new'), 'pusher_internal:subscription_succeeded');
      await receiver.event({ name: 'channel_occupied', channel: 'private-old' });
      const webhook = receiver.requests[0];
      assert.ok(webhook !== undefined);
      assert.equal(isValidWebhook(next, webhook), true, 'signed with the new secret');
      assert.equal(isValidWebhook(app, webhook), false);

      clockOffsetMs += (GRACE_SECONDS + 1) * 1000;
      assert.equal(await outcome(sdkFor(server, app).trigger('c', 'e', {})), 401, 'the old secret no longer verifies');
      assert.equal(await outcome(sdkFor(server, next).trigger('c', 'e', {})), 'ok');
      assert.equal(await subscribeWith(client, socketId, app, app.secret, 'private-late'), 'pusher:subscription_error');
      assert.equal(await subscribeWith(client, socketId, app, next.secret, 'private-late-2'), 'pusher_internal:subscription_succeeded');
      await client.close();
    } finally {
      clockOffsetMs = 0;
      await receiver.close();
    }
  });
});

describe('apps in PostgreSQL, edited directly in SQL', () => {
  const table = uniqueTable('sqledit');
  let server: TestServer;

  before(async () => {
    server = await startServer({ appStore: { url: POSTGRES_URL, table, refreshSeconds: 1 }, apps: [{ id: 'sql-app', key: 'sql-key', secret: 'x'.repeat(40) }] });
  });
  after(async () => {
    await server.close();
    await dropAppTables(POSTGRES_URL, table);
  });

  it('picks up a change made in SQL within refreshSeconds, closing connections of an app disabled there', async () => {
    const { client } = await RawClient.connect(server.wsUrl, 'sql-key');
    const raw = rawDatabase(POSTGRES_URL);
    const started = Date.now();
    try {
      await sql`update ${sql.table(table)} set enabled = false where id = 'sql-app'`.execute(raw.db);
    } finally {
      await raw.close();
    }
    assert.equal((await client.closed).code, 4003);
    assert.ok(Date.now() - started < 2_500, `closed after ${Date.now() - started} ms with refreshSeconds 1`);
  });
});
